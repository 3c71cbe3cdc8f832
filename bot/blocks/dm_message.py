"""Block Kit for a customer's direct message in its case's thread: marked private, with a
Reply in DM button (never a public Reply)."""

from __future__ import annotations

from typing import Any

from bot.blocks.card import NAME_LIMIT, NO_TEXT, SECTION_TEXT_LIMIT, Block
from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn, slack_date
from bot.domain.capabilities import LABELS, Action
from bot.domain.mention import Mention

DM_EVENT_TYPE = "earshot_dm"
BLOCK_DM_META = "dm_meta"
BLOCK_DM_TEXT = "dm_text"
BLOCK_DM_ACTIONS = "dm_actions"


def dm_message_blocks(mention: Mention, case_id: str) -> list[Block]:
    author = mention.author
    name = escape_and_truncate(author.name.strip() or author.username, NAME_LIMIT)
    meta = f":lock: *DM from @{escape_mrkdwn(author.username)}* · {name} · "
    meta += slack_date(mention.created_at)
    text = mention.text
    body = escape_and_truncate(text, SECTION_TEXT_LIMIT) if text.strip() else NO_TEXT
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": LABELS[Action.REPLY_IN_DM]},
        "action_id": Action.REPLY_IN_DM.value,
        "value": case_id,
    }
    return [
        {"type": "context", "block_id": BLOCK_DM_META, "elements": [mrkdwn(meta)]},
        {"type": "section", "block_id": BLOCK_DM_TEXT, "text": mrkdwn(body)},
        {"type": "actions", "block_id": BLOCK_DM_ACTIONS, "elements": [button]},
    ]


def dm_fallback_text(mention: Mention) -> str:
    """The notification text: who wrote, never what (DM text stays out of notifications)."""
    return f"Direct message from @{escape_mrkdwn(mention.author.username)}"


def dm_metadata(mention: Mention) -> dict[str, Any]:
    """Ties the message to its DM event for reconciling; never the DM's text."""
    return {"event_type": DM_EVENT_TYPE, "event_payload": {"post_id": mention.post_id}}
