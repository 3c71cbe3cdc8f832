"""Shape checks for Slack interactivity payloads, so garbage is a 400 and never reaches Bolt."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

# type -> keys that must be JSON objects / lists when present (Slack always sends them so).
_OBJECTS = ("user", "team", "channel", "view", "message", "container")
_LISTS = ("actions",)


def interaction_problem(body: bytes, content_type: str) -> str | None:
    """Why this request body cannot be a Slack interaction; None when it looks like one (or is
    not an interaction at all, e.g. a slash command or an event)."""
    if "x-www-form-urlencoded" not in content_type:
        return None
    payload = parse_qs(body.decode("utf-8", "replace")).get("payload")
    if payload is None:
        return None
    try:
        data: Any = json.loads(payload[-1])
    except ValueError:
        return "payload is not JSON"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "payload is not an object with a type"
    for key in _OBJECTS:
        if key in data and data[key] is not None and not isinstance(data[key], dict):
            return f"{key} is not an object"
    for key in _LISTS:
        if key in data and not (
            isinstance(data[key], list) and all(isinstance(item, dict) for item in data[key])
        ):
            return f"{key} is not a list of objects"
    view = data.get("view") or {}
    state = view.get("state")
    if state is not None and not (
        isinstance(state, dict) and isinstance(state.get("values", {}), dict)
    ):
        return "view.state.values is not an object"
    return None
