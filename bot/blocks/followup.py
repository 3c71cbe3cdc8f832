"""Block Kit for a customer's follow-up, posted in its case's thread: who, what, when, Reply."""

from __future__ import annotations

from typing import Any

from bot.blocks.card import (
    BUTTON_TEXT_LIMIT,
    FALLBACK_EXCERPT_LIMIT,
    NAME_LIMIT,
    NO_TEXT,
    SECTION_TEXT_LIMIT,
    Block,
)
from bot.blocks.text import (
    escape_and_truncate,
    escape_mrkdwn,
    mrkdwn,
    slack_date,
    slack_time,
    truncate,
)
from bot.domain.capabilities import LABELS, Action
from bot.domain.mention import Mention

FOLLOWUP_EVENT_TYPE = "earshot_followup"
BLOCK_FOLLOWUP_META = "followup_meta"
BLOCK_FOLLOWUP_TEXT = "followup_text"
BLOCK_FOLLOWUP_ACTIONS = "followup_actions"


CUSTOMER_REPLIED = ":speech_balloon: *Customer replied*"
MUTED_AUTHOR_POSTED = ":mute: *Muted author posted*"
SAME_TEXT_POSTED = ":repeat: *Same text, another account*"


def followup_blocks(mention: Mention, lead: str = CUSTOMER_REPLIED) -> list[Block]:
    """The thread message for a follow-up (or another post that joins the case: `lead` says
    why): the same escaping and budgets as a card, and a Reply button that answers this post
    (its value is the follow-up's id, not the case's)."""
    author = mention.author
    name = escape_and_truncate(author.name.strip() or author.username, NAME_LIMIT)
    handle = f"<{escape_mrkdwn(author.profile_url)}|@{escape_mrkdwn(author.username)}>"
    link = f"<{escape_mrkdwn(mention.url)}|Open this post on X>"
    meta = f"{lead} · {name} {handle} · {link} · "
    meta += slack_date(mention.created_at)
    if mention.edited_at is not None:
        meta += f" · _edited_ {slack_time(mention.edited_at, 'at')}"
    text = mention.text
    body = escape_and_truncate(text, SECTION_TEXT_LIMIT) if text.strip() else NO_TEXT
    reply: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(LABELS[Action.REPLY], BUTTON_TEXT_LIMIT)},
        "action_id": Action.REPLY.value,
        "value": mention.post_id,
        "style": "primary",
    }
    return [
        {"type": "context", "block_id": BLOCK_FOLLOWUP_META, "elements": [mrkdwn(meta)]},
        {"type": "section", "block_id": BLOCK_FOLLOWUP_TEXT, "text": mrkdwn(body)},
        {"type": "actions", "block_id": BLOCK_FOLLOWUP_ACTIONS, "elements": [reply]},
    ]


def followup_fallback_text(mention: Mention, verb: str = "replied") -> str:
    lead = f"@{escape_mrkdwn(mention.author.username)} {verb}"
    excerpt = " ".join(mention.text.split())
    if not excerpt:
        return lead
    return f"{lead}: {escape_and_truncate(excerpt, FALLBACK_EXCERPT_LIMIT)}"


def followup_metadata(mention: Mention, case_id: str) -> dict[str, Any]:
    """Ties the thread message to its post, to find it again when a crash left it in doubt."""
    payload = {"post_id": mention.post_id, "case": case_id}
    return {"event_type": FOLLOWUP_EVENT_TYPE, "event_payload": payload}
