"""Message shortcut "Send as reply": a thread message becomes a draft, sent only on confirmation."""

from __future__ import annotations

import html
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.app import guarded
from bot.casework.reply_flow import ReplyContext
from bot.services import Services
from bot.store.dms import DmStore
from handlers.actions.reply import open_for, tell

CALLBACK_ID = "send_as_reply"
NOT_IN_A_CARD_THREAD = (
    "“Send as reply” works on a message in the thread of a mention card: draft the reply "
    "there, then use the shortcut on that message."
)
FROM_A_DM = (
    "This message shows a direct message: it stays private and cannot be sent as a public "
    "reply. Use “Send as DM” to answer in the DM."
)
_SLACK_LINK = re.compile(r"<(https?://[^|>]+)(?:\|[^>]*)?>")
_SLACK_REFERENCE = re.compile(r"<[@#!][^>]*>")


def draft_from_message(text: str) -> str:
    """Slack markup back to what a person would type on X: links as URLs, no Slack mentions."""
    text = _SLACK_LINK.sub(r"\1", text)
    text = _SLACK_REFERENCE.sub("", text)
    return html.unescape(text).strip()


def send_as_reply(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id", "")
    thread_ts = message.get("thread_ts")
    post_id = services.cases.post_id_for_message(channel, thread_ts) if thread_ts else None
    if post_id is None or message.get("ts") == thread_ts:
        tell(services, body, user_id, NOT_IN_A_CARD_THREAD)
        return
    if DmStore(services.redis, services.settings.dm_retention_days).is_dm_message(
        channel, str(message.get("ts", ""))
    ):
        tell(services, body, user_id, FROM_A_DM)
        return
    author = message.get("user") or "someone"
    ctx = ReplyContext(
        post_id,
        source_note=f"From a thread message by {author}: check it, edit if needed, then send.",
    )
    open_for(
        services,
        client,
        body,
        post_id,
        user_id,
        ctx,
        draft=draft_from_message(str(message.get("text", ""))),
    )


def register(app: App) -> None:
    app.shortcut(CALLBACK_ID)(guarded(send_as_reply))
