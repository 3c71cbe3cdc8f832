"""Pieces every casework modal shares: a notice shown instead of a refused form, a post quote."""

from __future__ import annotations

from typing import Any

from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn, truncate
from bot.domain.mention import Mention

TITLE_LIMIT = 24
QUOTE_LIMIT = 300


def notice_view(title: str, text: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": truncate(title, TITLE_LIMIT)},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [{"type": "section", "text": mrkdwn(text)}],
    }


def quote_post(mention: Mention, limit: int = QUOTE_LIMIT) -> dict[str, Any]:
    """A short quote of the post a form is about, so people see which one they act on."""
    excerpt = escape_and_truncate(" ".join(mention.text.split()), limit) or "_(no text)_"
    handle = escape_mrkdwn(mention.author.username)
    return {"type": "section", "block_id": "post", "text": mrkdwn(f"*@{handle}*: {excerpt}")}
