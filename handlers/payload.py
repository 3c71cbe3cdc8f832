"""Reading who acted, on what and where from an interaction payload, without trusting its shape."""

from __future__ import annotations

from typing import Any

from bot.domain.network import is_post_id
from bot.domain.signed_metadata import read_metadata
from bot.services import Services


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def user_id(body: dict[str, Any]) -> str:
    return str(_dict(body.get("user")).get("id") or "")


def channel_id(body: dict[str, Any]) -> str:
    return str(_dict(body.get("channel")).get("id") or "")


def button_value(body: dict[str, Any]) -> str:
    """The clicked button's value (a card button's value is the post id)."""
    actions = body.get("actions")
    first = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    return str(first.get("value") or "")


def action_id(body: dict[str, Any]) -> str:
    actions = body.get("actions")
    first = _dict(actions[0]) if isinstance(actions, list) and actions else {}
    return str(first.get("action_id") or "")


def trigger_id(body: dict[str, Any]) -> str:
    return str(body.get("trigger_id") or "")


def response_url(body: dict[str, Any]) -> str | None:
    url = body.get("response_url")
    return url if isinstance(url, str) and url.startswith("https://") else None


def form_metadata(services: Services, view: Any, purpose: str) -> dict[str, Any] | None:
    """The signed private_metadata of a submitted modal, when it is ours and for `purpose`."""
    token = _dict(view).get("private_metadata")
    if not isinstance(token, str) or not token:
        return None
    data = read_metadata(token, services.settings.metadata_key())
    return data if data is not None and data.get("purpose") == purpose else None


def case_post_id(data: dict[str, Any] | None) -> str | None:
    """The post id in signed metadata, only when it looks like one."""
    post_id = (data or {}).get("post_id")
    return post_id if isinstance(post_id, str) and is_post_id(post_id) else None
