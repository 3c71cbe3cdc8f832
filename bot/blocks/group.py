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
GROUP_LIMIT = 24  # cases per group message: 1 + 2 * 24 = 49 blocks of Slack's 50
EXCERPT_LIMIT = 200  # of each post's text; the rest is one click away
# When cases grow (notes, claims...) past the budget, a re-render shows each more briefly:
# (excerpt, text of one case) at each step.
BRIEFER = ((EXCERPT_LIMIT, SECTION_TEXT_LIMIT), (100, 500), (40, 300))
# Slack refuses blocks holding much more than 12,000 characters of text in all
# (msg_blocks_too_long, figure undocumented: contracts/slack/docs/KEY-FACTS.md): a group takes
# only as many cases as fit in this.
TEXT_BUDGET = 11_000
FALLBACK_NAMES = 5

# One case in a group message: its post id, and its post and case once recorded (both None
# while a crash left the member unrecorded: the next delivery of its post records it).
GroupEntry = tuple[str, Mention | None, Case | None]


def render_group(
    entries: Sequence[GroupEntry], tier: str, revoked: frozenset[str] = frozenset()
) -> list[Block]:
    """The message; as cases grow, each is shown more briefly so that all still fit."""
    if not entries or len(entries) > GROUP_LIMIT:
        raise ValueError(f"a group message holds 1 to {GROUP_LIMIT} cases, not {len(entries)}")
    for excerpt, room in BRIEFER:
        blocks = [_header(len(entries))]
        for post_id, mention, case in entries:
            blocks.extend(_entry(post_id, mention, case, tier, revoked, excerpt, room))
        if text_size(blocks) <= TEXT_BUDGET:
            break
    return blocks


def _header(count: int) -> Block:
    text = (
        f":ocean: *{count} mentions in one message* while this channel is busy · each has "
        "its own buttons; *Thread* gives one its own card to talk about it"
    )
    return {"type": "context", "elements": [mrkdwn(text)]}


def fitting(entries: Sequence[GroupEntry], tier: str, revoked: frozenset[str] = frozenset()) -> int:
    """How many of `entries`, from the first, one group message can show (Slack's limits)."""
    size = text_size(_header(len(entries)))
    for count, (post_id, mention, case) in enumerate(entries[:GROUP_LIMIT]):
        size += text_size(_entry(post_id, mention, case, tier, revoked, *BRIEFER[0]))
        if size > TEXT_BUDGET:
            return count
    return min(len(entries), GROUP_LIMIT)


def text_size(value: Any) -> int:
    """Characters of every `text` string in blocks: what Slack's total-text limit counts."""
    if isinstance(value, list):
        return sum(text_size(item) for item in value)
    if isinstance(value, dict):
        own = len(value["text"]) if isinstance(value.get("text"), str) else 0
        return own + sum(text_size(item) for item in value.values())
    return 0


def group_fallback_text(mentions: Sequence[Mention]) -> str:
    """The notification text: how many, and from whom (a DM is never grouped)."""
    names = ", ".join(f"@{escape_mrkdwn(m.author.username)}" for m in mentions[:FALLBACK_NAMES])
    more = f" and {len(mentions) - FALLBACK_NAMES} more" if len(mentions) > FALLBACK_NAMES else ""
    return f"{len(mentions)} new mentions from {names}{more}"


def group_metadata(post_ids: Sequence[str]) -> dict[str, Any]:
    """Ties the message to its posts: a crash between posting and recording is reconciled."""
    return {"event_type": GROUP_EVENT_TYPE, "event_payload": {"post_ids": list(post_ids)}}


def _entry(
    post_id: str,
    mention: Mention | None,
    case: Case | None,
    tier: str,
    revoked: frozenset[str],
    excerpt: int,
    room: int,
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
        return [_section(post_id, lines, room)]
    lines.append(_excerpt(mention, excerpt))
    lines.append(meta_text(mention))
    lines.append(status_text(case))
    buttons = card_buttons(mention, case, tier, revoked)
    if case is None:  # being posted: the case (grouped, so with Thread) is recorded after
        buttons.append(CardAction(LABELS[Action.OPEN_THREAD], Action.OPEN_THREAD.value))
    return [
        _section(post_id, lines, room),
        actions_block(post_id, buttons, block_id=f"group_{post_id}_actions"),
    ]


def _section(post_id: str, lines: list[str], room: int) -> Block:
    text = truncate("\n".join(lines), room)
    return {"type": "section", "block_id": f"group_{post_id}", "text": mrkdwn(text)}


def _excerpt(mention: Mention, limit: int) -> str:
    flat = " ".join(mention.text.split())
    if not flat:
        return "_(no text)_"
    cut = escape_and_truncate(flat, limit)
    if cut == escape_mrkdwn(flat):
        return f">{cut}"
    return f">{cut} <{escape_mrkdwn(mention.url)}|read on X>"
