"""Shape checks for Slack interactivity payloads, so garbage is a 400 and never reaches Bolt."""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

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


class SlackRequestGate:
    """Looks at each Slack request before Bolt does (WSGI environ in, verdict out).

    Only correctly signed requests are touched; anything else goes on to Bolt, which answers 401.
    - A signed interaction that is not well formed is refused (True: answer 400).
    - bolt-python's parse_body treats any form body containing the text "payload" as an
      interaction, so `/track add payload` would reach no listener (a 404 for the person). Such a
      body is re-encoded (one letter percent-encoded, same form values) and re-signed.
    """

    def __init__(self, signing_secret: str) -> None:
        self.secret = signing_secret
        self.verifier = SignatureVerifier(signing_secret)

    def refuse(self, environ: dict[str, Any]) -> bool:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
        headers = {
            "x-slack-signature": str(environ.get("HTTP_X_SLACK_SIGNATURE", "")),
            "x-slack-request-timestamp": timestamp,
        }
        if not timestamp.isdigit() or not self.verifier.is_valid_request(body, headers):
            return False
        content_type = str(environ.get("CONTENT_TYPE", ""))
        if interaction_problem(body, content_type) is not None:
            return True
        if "x-www-form-urlencoded" in content_type and b"payload" in body:
            fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
            if "payload" not in fields:
                self._replace_body(environ, body.replace(b"payload", b"%70ayload"), timestamp)
        return False

    def _replace_body(self, environ: dict[str, Any], body: bytes, timestamp: str) -> None:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["HTTP_X_SLACK_SIGNATURE"] = self.verifier.generate_signature(
            timestamp=timestamp, body=body
        )
