"""The Acknowledge button on on-call pings: stops the case's escalation steps."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.blocks.oncall import ACK_ACTION, acknowledged_note, stopped_note, with_note
from bot.blocks.text import mrkdwn
from bot.store.sla import case_clock, stop_case_clock
from handlers.actions.reply import tell


def acknowledge(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Stop the steps (once; a second click says who was first) and mark the ping as seen."""
    ack()
    services = context["services"]
    user, post_id = body["user"]["id"], str(body["actions"][0].get("value", ""))
    now = services.clock()
    clock = case_clock(services.redis, post_id)
    if clock is None:
        tell(services, body, user, "Earshot has no SLA clock for this mention any more.")
        return
    if clock.state == "open":
        stop_case_clock(services.redis, post_id, "acknowledged", by=user, at=now)
        _mark_message(context, body, acknowledged_note(user, now))
        return
    note = stopped_note(clock.stopped_reason, clock.stopped_by)
    tell(services, body, user, note)
    _mark_message(context, body, note)


def _mark_message(context: BoltContext, body: dict[str, Any], note: str) -> None:
    container = body.get("container") or {}
    channel, ts = container.get("channel_id"), container.get("message_ts")
    if not channel or not ts or context.client is None:
        return
    message = body.get("message") or {}
    text = str(message.get("text") or "")
    blocks = message.get("blocks") or ([{"type": "section", "text": mrkdwn(text)}] if text else [])
    try:
        context.client.chat_update(
            channel=channel, ts=ts, text=text or "Acknowledged",
            blocks=with_note(blocks, note),
        )  # fmt: skip
    except SlackApiError as error:
        context.logger.warning("ack_update_failed: %s", error.response.get("error"))


def register(app: App) -> None:
    app.action(ACK_ACTION)(guarded(acknowledge))
