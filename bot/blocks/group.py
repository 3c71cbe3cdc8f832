"""Block Kit for a group message: several cases in one message while their channel is busy.

Slack takes about one message a second per channel; a flood of mentions would queue for
minutes behind that. A group message shows up to GROUP_LIMIT cases at once, each with its own
buttons (their value is the case's post id, as on a card, so every handler works unchanged),
its text cut short with a link to the post. One header block and two blocks per case stay
well inside Slack's 50 blocks per message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.card import (
    MARK_LABELS,
    SECTION_TEXT_LIMIT,
    Block,
    CardAction,
    actions_block,
    author_text,
    card_buttons,
    meta_text,
    status_text,
)
from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn, truncate
from bot.domain.capabilities import LABELS, Action
from bot.domain.case import Case
from bot.domain.mention import Mention

GROUP_EVENT_TYPE = "earshot_group"
GROUP_LIMIT = 20  # cases per group message: 1 + 2 * 20 = 41 blocks of Slack's 50
BLOCKS_LIMIT = 50
EXCERPT_LIMIT = 280  # of each post's text; the rest is one click away
FALLBACK_NAMES = 5

# One case in a group message: its post id, and its post and case once recorded (both None
# while a crash left the member unrecorded: the next delivery of its post records it).
GroupEntry = tuple[str, Mention | None, Case | None]


def render_group(
    entries: Sequence[GroupEntry], tier: str, revoked: frozenset[str] = frozenset()
) -> list[Block]:
    if not entries or len(entries) > GROUP_LIMIT:
        raise ValueError(f"a group message holds 1 to {GROUP_LIMIT} cases, not {len(entries)}")
    header = (
        f":ocean: *{len(entries)} mentions in one message* while this channel is busy · each "
        "has its own buttons; *Thread* gives one its own card to talk about it"
    )
    blocks: list[Block] = [{"type": "context", "elements": [mrkdwn(header)]}]
    for post_id, mention, case in entries:
        blocks.extend(_entry(post_id, mention, case, tier, revoked))
    if len(blocks) > BLOCKS_LIMIT:
        raise ValueError(f"{len(blocks)} blocks is over Slack's {BLOCKS_LIMIT}")
    return blocks


def group_fallback_text(mentions: Sequence[Mention]) -> str:
    """The notification text: how many, and from whom (a DM is never grouped)."""
    names = ", ".join(f"@{escape_mrkdwn(m.author.username)}" for m in mentions[:FALLBACK_NAMES])
    more = f" and {len(mentions) - FALLBACK_NAMES} more" if len(mentions) > FALLBACK_NAMES else ""
    return f"{len(mentions)} new mentions from {names}{more}"


def group_metadata(post_ids: Sequence[str]) -> dict[str, Any]:
    """Ties the message to its posts: a crash between posting and recording is reconciled."""
    return {"event_type": GROUP_EVENT_TYPE, "event_payload": {"post_ids": list(post_ids)}}


def _entry(
    post_id: str, mention: Mention | None, case: Case | None, tier: str, revoked: frozenset[str]
) -> list[Block]:
    if mention is None:
        text = f"_Post {escape_mrkdwn(post_id)}: being recorded…_"
        return [{"type": "context", "block_id": f"group_{post_id}", "elements": [mrkdwn(text)]}]
    lines = []
    if mention.marks:
        lines.append("  ".join(MARK_LABELS.get(m, escape_mrkdwn(m)) for m in mention.marks))
    lines.append(author_text(mention.author))
    if case is not None and not case.grouped:  # it has its own card now: that is where it lives
        link = case.card_link
        where = f"<{escape_mrkdwn(link)}|its own card>" if link else "its own card"
        lines.append(f":arrow_right: Moved to {where}, with its thread · {status_text(case)}")
        return [_section(post_id, lines)]
    lines.append(_excerpt(mention))
    lines.append(meta_text(mention))
    lines.append(status_text(case))
    buttons = card_buttons(mention, case, tier, revoked)
    if case is None:  # being posted: the case (grouped, so with Thread) is recorded after
        buttons.append(CardAction(LABELS[Action.OPEN_THREAD], Action.OPEN_THREAD.value))
    return [
        _section(post_id, lines),
        actions_block(post_id, buttons, block_id=f"group_{post_id}_actions"),
    ]


def _section(post_id: str, lines: list[str]) -> Block:
    text = truncate("\n".join(lines), SECTION_TEXT_LIMIT)
    return {"type": "section", "block_id": f"group_{post_id}", "text": mrkdwn(text)}


def _excerpt(mention: Mention) -> str:
    flat = " ".join(mention.text.split())
    if not flat:
        return "_(no text)_"
    cut = escape_and_truncate(flat, EXCERPT_LIMIT)
    if cut == escape_mrkdwn(flat):
        return f">{cut}"
    return f">{cut} <{escape_mrkdwn(mention.url)}|read on X>"
