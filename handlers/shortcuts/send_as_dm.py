"""Message shortcut "Send as DM": a thread message becomes the text of a direct message to the
case's customer, sent only on confirmation (the DM modal)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.app import guarded
from bot.casework.notices import tell_person
from bot.services import Services
from handlers import payload
from handlers.actions.dm import open_dm_for
from handlers.shortcuts.send_as_reply import draft_from_message

CALLBACK_ID = "send_as_dm"
NOT_IN_A_CARD_THREAD = (
    "“Send as DM” works on a message in the thread of a card: write the message there, then "
    "use the shortcut on it."
)


def send_as_dm(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user, channel = payload.user_id(body), payload.channel_id(body)
    found = body.get("message")
    message: dict[str, Any] = found if isinstance(found, dict) else {}
    thread_ts = message.get("thread_ts")
    case_id = services.cases.post_id_for_message(channel, thread_ts) if thread_ts else None
    if case_id is None or message.get("ts") == thread_ts:
        tell_person(services, channel, user, NOT_IN_A_CARD_THREAD)
        return
    author = message.get("user") or "someone"
    open_dm_for(
        services,
        client,
        body,
        case_id,
        title="Send as DM",
        text=draft_from_message(str(message.get("text", ""))),
        source_note=f"From a thread message by {author}: check it, edit if needed, then send.",
    )


def register(app: App) -> None:
    app.shortcut(CALLBACK_ID)(guarded(send_as_dm))
