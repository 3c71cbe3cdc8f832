"""Block Kit for a mention card: who posted, what they said, where it came from, its case."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from bot.blocks.history import history_block
from bot.blocks.text import (
    escape_and_truncate,
    escape_mrkdwn,
    mrkdwn,
    slack_date,
    slack_time,
    truncate,
)
from bot.domain.capabilities import LABELS, Action, card_actions
from bot.domain.case import STATUS_LABELS, Case, CaseStatus
from bot.domain.mention import Author, Mention
from bot.domain.network import X
from bot.domain.triage import triage_label

Block = dict[str, Any]

# Block Kit limits (see contracts/slack/docs/KEY-FACTS.md).
SECTION_TEXT_LIMIT = 3000
BUTTON_TEXT_LIMIT = 75
ACTIONS_PER_BLOCK_LIMIT = 25

# Our own budgets, well inside those limits.
NAME_LIMIT = 200
RULES_LIMIT = 500
NOTE_LIMIT = 1000
FALLBACK_EXCERPT_LIMIT = 150

CARD_EVENT_TYPE = "earshot_card"
VERIFIED_MARK = ":white_check_mark:"
NO_TEXT = "_(no text)_"

# Stable block ids: handlers and card updates find the parts of a card by these names.
BLOCK_AUTHOR = "card_author"
BLOCK_TEXT = "card_text"
BLOCK_META = "card_meta"
BLOCK_STATUS = "card_status"
BLOCK_ACTIONS = "card_actions"
BLOCK_MARKS = "card_marks"

# How a card is marked out (Mention.marks, set by /track routing).
MARK_LABELS = {
    "high-priority": ":rotating_light: *High priority*",
    "vip": ":star: *VIP author*",
    "dm": ":lock: *Direct message* (private: answer with Reply in DM)",
}

_COUNT_UNITS = ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"))
_LINKABLE_NOTE = re.compile(r"https?://[^\s<>|]+")


@dataclass(frozen=True, slots=True)
class CardAction:
    """One button on a card. Its value is always the mention's post id."""

    label: str
    action_id: str
    style: Literal["primary", "danger"] | None = None


def build_card(
    mention: Mention, case: Case | None, *, actions: Sequence[CardAction] = ()
) -> list[Block]:
    """The blocks of the card for `mention`; `case` None means the card is not posted yet."""
    blocks = [
        _author_block(mention.author),
        _text_block(mention.text),
        _meta_block(mention),
        _status_block(case),
    ]
    history = history_block(mention)
    if history is not None:
        blocks.insert(3, history)
    if actions:
        blocks.append(actions_block(mention.post_id, actions))
    marks = (*mention.marks, "dm") if mention.is_dm else mention.marks
    if marks:
        blocks.insert(0, _marks_block(marks))
    return blocks


def card_fallback_text(mention: Mention) -> str:
    """The notification `text` sent with the card: one short, escaped line (for a direct
    message, who wrote but not what)."""
    if mention.is_dm:
        return f"Direct message from @{escape_mrkdwn(mention.author.username)}"
    lead = f"New mention from @{escape_mrkdwn(mention.author.username)}"
    excerpt = " ".join(mention.text.split())  # newlines make a poor notification
    if not excerpt:
        return lead
    return f"{lead}: {escape_and_truncate(excerpt, FALLBACK_EXCERPT_LIMIT)}"


def render_card(
    mention: Mention, case: Case | None, tier: str, revoked: frozenset[str] = frozenset()
) -> list[Block]:
    """The card with the buttons that work for this case and this X account."""
    return build_card(mention, case, actions=card_buttons(mention, case, tier, revoked))


def card_buttons(
    mention: Mention, case: Case | None, tier: str, revoked: frozenset[str] = frozenset()
) -> list[CardAction]:
    primary = (Action.REPLY, Action.REPLY_IN_DM)
    return [
        CardAction(LABELS[a], a.value, "primary" if a in primary else None)
        for a in card_actions(
            case,
            tier,
            revoked,
            dm=mention.is_dm,
            network=mention.network.key,
            shareable=mention.visibility not in ("private", "direct"),
        )
    ]


def card_metadata(mention: Mention) -> dict[str, Any]:
    """Message metadata that ties a posted card to its post, to reconcile in-doubt posts."""
    return {"event_type": CARD_EVENT_TYPE, "event_payload": {"post_id": mention.post_id}}


def format_follower_count(count: int) -> str:
    """1,234 / 12.3K / 1.2M / 3.4B. Rounds down, so a count is never overstated."""
    count = max(count, 0)
    if count < 10_000:
        return f"{count:,}"
    size, suffix = next(unit for unit in _COUNT_UNITS if count >= unit[0])
    whole, tenth = divmod(count * 10 // size, 10)
    return (f"{whole:,}" if tenth == 0 else f"{whole:,}.{tenth}") + suffix


def _marks_block(marks: Sequence[str]) -> Block:
    shown = [MARK_LABELS.get(mark, escape_mrkdwn(mark)) for mark in marks]
    text = {"type": "mrkdwn", "text": "  ".join(shown), "verbatim": True}
    return {"type": "section", "block_id": BLOCK_MARKS, "text": text}


def _author_block(author: Author) -> Block:
    return {"type": "section", "block_id": BLOCK_AUTHOR, "text": mrkdwn(author_text(author))}


def author_text(author: Author) -> str:
    """*Name* ✓ @handle · 1.2K followers (mrkdwn, escaped)."""
    name = escape_and_truncate(author.name.strip() or author.username, NAME_LIMIT)
    handle = f"<{escape_mrkdwn(author.profile_url)}|@{escape_mrkdwn(author.username)}>"
    mark = f" {VERIFIED_MARK}" if author.verified else ""
    noun = "follower" if author.followers == 1 else "followers"
    followers = f"{format_follower_count(author.followers)} {noun}"
    return f"*{name}*{mark} {handle} · {followers}"


def _text_block(text: str) -> Block:
    body = escape_and_truncate(text, SECTION_TEXT_LIMIT) if text.strip() else NO_TEXT
    return {"type": "section", "block_id": BLOCK_TEXT, "text": mrkdwn(body)}


def _meta_block(mention: Mention) -> Block:
    return {"type": "context", "block_id": BLOCK_META, "elements": [mrkdwn(meta_text(mention))]}


def meta_text(mention: Mention) -> str:
    """Open on X · when · edited · language and kind · rules (mrkdwn, escaped)."""
    network = mention.network
    label = "Open the conversation on X" if mention.is_dm else f"Open on {network.name}"
    parts = [f"<{escape_mrkdwn(mention.url)}|{label}>", slack_date(mention.created_at)]
    if network.key != X:  # an X card stays as it always was; any other says where it is from
        parts.insert(0, f"{network.icon} {network.name}")
    if mention.visibility in ("private", "direct"):  # Mastodon: a reply keeps it as private
        parts.append(f":lock: {mention.visibility.capitalize()} mention: the reply stays private")
    if mention.edited_at is not None:
        parts.append(f"_edited_ {slack_time(mention.edited_at, 'at')}")
    signals = triage_label(mention.triage) if mention.triage is not None else None
    if signals:
        parts.append(signals)
    rules = mention.rule_labels or mention.rules
    if rules:
        noun = "Rule" if len(rules) == 1 else "Rules"
        parts.append(f"{noun}: {escape_and_truncate(', '.join(rules), RULES_LIMIT)}")
    return " · ".join(parts)


def _status_block(case: Case | None) -> Block:
    return {"type": "context", "block_id": BLOCK_STATUS, "elements": [mrkdwn(status_text(case))]}


def status_text(case: Case | None) -> str:
    """*Status:* Claimed by @x at 10:02 · liked by @y… (mrkdwn, escaped)."""
    status = case.status if case is not None else CaseStatus.NEW
    text = f"*Status:* {STATUS_LABELS[status]}"
    if case is not None and case.status_by:
        text += f" by <@{escape_mrkdwn(case.status_by)}>"
    if case is not None and case.status_at:
        text += f" {slack_time(case.status_at, 'at')}"
    if case is not None and case.status_note:
        text += f" — {_note(case.status_note)}"
    for extra in _case_marks(case):
        text += f" · {extra}"
    return text


def _case_marks(case: Case | None) -> list[str]:
    """Who holds the claim (and until when), who liked and who reposted."""
    if case is None:
        return []
    marks = []
    if case.claimed_by and case.status is not CaseStatus.CLAIMED:
        marks.append(f"claimed by <@{escape_mrkdwn(case.claimed_by)}>")
    if case.claimed_by and case.claimed_until:
        marks.append(f"claim expires {slack_time(case.claimed_until, 'at')}")
    if case.liked_by:
        marks.append(f"liked by <@{escape_mrkdwn(case.liked_by)}>")
    if case.reposted_by:
        marks.append(f"reposted by <@{escape_mrkdwn(case.reposted_by)}>")
    if case.dm_by:
        marks.append(f":lock: moved to DM by <@{escape_mrkdwn(case.dm_by)}>")
    if case.muted_by and case.muted_until:
        marks.append(
            f":mute: author muted by <@{escape_mrkdwn(case.muted_by)}> until "
            f"{slack_time(case.muted_until, 'at')}: their posts go into this thread"
        )
    if case.copies:
        shown = ", ".join(f"@{escape_mrkdwn(handle)}" for handle in case.copy_authors)
        more = case.copies - len(case.copy_authors)
        tail = f" and {more} more" if more > 0 else ""
        noun = "account" if case.copies == 1 else "accounts"
        marks.append(f":repeat: same text from {case.copies} more {noun}: {shown}{tail}")
    signals = [signal for signal in (case.ai_kind, case.ai_sentiment) if signal]
    if signals:
        marks.append(f":sparkles: AI helper: {escape_mrkdwn(', '.join(signals))}")
    return marks


def _note(note: str) -> str:
    """A note that is just a link (e.g. the sent reply) stays clickable under verbatim."""
    if _LINKABLE_NOTE.fullmatch(note) and len(note) <= NOTE_LIMIT:
        return f"<{escape_mrkdwn(note)}>"
    return escape_and_truncate(note, NOTE_LIMIT)


def actions_block(
    post_id: str, actions: Sequence[CardAction], block_id: str = BLOCK_ACTIONS
) -> Block:
    if len(actions) > ACTIONS_PER_BLOCK_LIMIT:
        raise ValueError(f"a card takes at most {ACTIONS_PER_BLOCK_LIMIT} actions")
    action_ids = [action.action_id for action in actions]
    if len(set(action_ids)) != len(action_ids):
        raise ValueError(f"action_ids must be unique in a card: {action_ids}")
    return {
        "type": "actions",
        "block_id": block_id,
        "elements": [_button(action, post_id) for action in actions],
    }


def _button(action: CardAction, post_id: str) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(action.label, BUTTON_TEXT_LIMIT)},
        "action_id": action.action_id,
        "value": post_id,
    }
    if action.style is not None:
        button["style"] = action.style
    return button
