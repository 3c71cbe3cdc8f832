"""The slash-command response_url of the Slack fake: what `respond()` posts shows where Slack
shows it (an ephemeral message for the person, or a message in the channel)."""

from __future__ import annotations

from typing import Any

from bot.sandbox.server import Response
from bot.sandbox.slack_workspace import Workspace

# Slack: a response_url takes "up to 5 times within 30 minutes".
USES = 5


def respond(ws: Workspace, target: dict[str, Any], payload: Any) -> Response:
    """Apply one POST to a response_url minted for (channel, user); `target` counts its uses."""
    if target["uses"] >= USES:
        return _plain(404, "used_url")
    if not isinstance(payload, dict) or not (payload.get("text") or payload.get("blocks")):
        return _plain(400, "no_text")
    target["uses"] += 1
    shown = {
        "channel": target["channel"],
        "ts": ws.next_ts(),
        "text": str(payload.get("text") or ""),
        "blocks": payload.get("blocks"),
        "thread_ts": None,
    }
    if payload.get("response_type") == "in_channel":  # not paced: not chat.postMessage
        ws.messages.append(
            shown | {"metadata": None, "reply_broadcast": False, "unfurl_links": False}
            | {"edited": None, "reactions": [], "via": "response_url"}
        )  # fmt: skip
    else:
        ws.ephemerals.append(shown | {"user": target["user"], "via": "response_url"})
    return _plain(200, "ok")


def _plain(status: int, body: str) -> Response:
    return Response(status, body, content_type="text/plain")
