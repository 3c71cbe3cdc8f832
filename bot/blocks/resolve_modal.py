"""The Resolve modal: why the case needs no (more) answer, and an optional note."""

from __future__ import annotations

from typing import Any

from bot.blocks.notice import quote_post
from bot.domain.case import RESOLVE_REASONS
from bot.domain.mention import Mention
from bot.domain.resolution import MAX_NOTE_LENGTH

RESOLVE_CALLBACK = "resolve_case"
REASON_BLOCK, REASON_ACTION = "reason", "reason"
NOTE_BLOCK, NOTE_ACTION = "note", "note"


def resolve_modal(mention: Mention, private_metadata: str) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": label}, "value": value}
        for value, label in RESOLVE_REASONS.items()
    ]
    return {
        "type": "modal",
        "callback_id": RESOLVE_CALLBACK,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Resolve case"},
        "submit": {"type": "plain_text", "text": "Resolve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            quote_post(mention),
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Why is no (further) reply needed?"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": REASON_ACTION,
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Note for the team"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_ACTION,
                    "multiline": True,
                    "max_length": MAX_NOTE_LENGTH,
                    "placeholder": {"type": "plain_text", "text": "e.g. answered by email"},
                },
            },
        ],
    }
