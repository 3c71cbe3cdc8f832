"""The Move to DM modal: the direct message (first multi-line input), and an optional public
note posted as a reply in the same step."""

from __future__ import annotations

from typing import Any

from bot.blocks.notice import quote_post
from bot.blocks.text import escape_mrkdwn, mrkdwn
from bot.domain.dm import DM_MAX_LENGTH
from bot.domain.mention import Mention

DM_CALLBACK = "move_to_dm"
DM_TEXT_BLOCK, DM_TEXT_ACTION = "dm_text", "dm_text"
NOTE_TICK_BLOCK = "dm_public_note_on"
NOTE_BLOCK, NOTE_ACTION = "dm_public_note", "dm_public_note"
REPLY_NOTE_LIMIT = 280
INPUT_LIMIT = 3_000  # Slack's plain_text_input max_length (X itself takes 10,000)


def dm_modal(
    mention: Mention,
    private_metadata: str,
    *,
    dm_text: str,
    public_note: str,
    note_allowed: bool,
    limit_note: str | None = None,
    title: str = "Move to DM",
    source_note: str | None = None,
) -> dict[str, Any]:
    """`note_allowed`: offer the public note (X takes an API reply to this post, and the case
    is a post, not a DM); `limit_note`: when X's DM limits are near, what to expect;
    `source_note`: where the prefilled text came from (a thread message)."""
    blocks: list[dict[str, Any]] = [quote_post(mention)]
    if source_note:
        blocks.append({"type": "context", "elements": [mrkdwn(escape_mrkdwn(source_note))]})
    if limit_note:
        blocks.append({"type": "context", "elements": [mrkdwn(f":hourglass: {limit_note}")]})
    blocks.append(
        {
            "type": "input",
            "block_id": DM_TEXT_BLOCK,
            "label": {
                "type": "plain_text",
                "text": f"Direct message to @{mention.author.username} (private)",
            },
            "element": {
                "type": "plain_text_input",
                "action_id": DM_TEXT_ACTION,
                "multiline": True,
                "max_length": min(DM_MAX_LENGTH, INPUT_LIMIT),
                "initial_value": dm_text[:INPUT_LIMIT],
            },
        }
    )
    if note_allowed:
        blocks += _note_blocks(public_note)
    elif not mention.is_dm:
        reason = "X does not take an API reply to this post, so no public note can go with it."
        blocks.append({"type": "context", "elements": [mrkdwn(escape_mrkdwn(reason))]})
    return {
        "type": "modal",
        "callback_id": DM_CALLBACK,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": title[:24]},
        "submit": {"type": "plain_text", "text": "Send DM"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def _note_blocks(public_note: str) -> list[dict[str, Any]]:
    tick = {
        "type": "checkboxes",
        "action_id": NOTE_TICK_BLOCK,
        "options": [
            {
                "text": {"type": "plain_text", "text": "Also post a public reply"},
                "description": {
                    "type": "plain_text",
                    "text": "Sent once, like any reply; the DM text never goes public.",
                },
                "value": "yes",
            }
        ],
    }
    return [
        {"type": "input", "block_id": NOTE_TICK_BLOCK, "optional": True,
         "label": {"type": "plain_text", "text": "Public note"}, "element": tick},
        {
            "type": "input",
            "block_id": NOTE_BLOCK,
            "optional": True,
            "label": {"type": "plain_text", "text": "Public reply text"},
            "element": {
                "type": "plain_text_input",
                "action_id": NOTE_ACTION,
                "max_length": REPLY_NOTE_LIMIT * 2,
                "initial_value": public_note,
            },
        },
    ]  # fmt: skip
