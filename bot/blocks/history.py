"""The card's line about its author's history: "3 earlier cases · last 12 Nov, resolved by
@maria · open its thread", and a warning when another case of theirs is still open."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.blocks.text import escape_mrkdwn, mrkdwn
from bot.domain.case import STATUS_LABELS, CaseStatus
from bot.domain.history import CustomerHistory
from bot.domain.mention import Mention

Block = dict[str, object]
BLOCK_HISTORY = "card_history"


def history_block(mention: Mention) -> Block | None:
    history = mention.history
    if history is None or history.earlier <= 0:
        return None
    lines = [_summary(history)]
    if history.open_cases:
        lines.append(_open_warning(mention.author.username, history))
    return {"type": "context", "block_id": BLOCK_HISTORY, "elements": [mrkdwn("\n".join(lines))]}


def _summary(history: CustomerHistory) -> str:
    noun = "earlier case" if history.earlier == 1 else "earlier cases"
    text = f":card_index_dividers: {history.earlier} {noun}"
    if history.last_at is not None:
        day = _day(history.last_at)
        text += f" · last {day}"
        if history.last_status:
            text += f", {_outcome(history.last_status, history.last_by)}"
    if history.last_link:
        text += f" · <{escape_mrkdwn(history.last_link)}|open its thread>"
    return text


def _open_warning(handle: str, history: CustomerHistory) -> str:
    other = "another open case" if history.open_cases == 1 else f"{history.open_cases} open cases"
    text = f":warning: @{escape_mrkdwn(handle)} has {other}"
    if history.open_link:
        text += f": <{escape_mrkdwn(history.open_link)}|the newest>"
    return text


def _outcome(status: str, by: str | None) -> str:
    try:
        label = STATUS_LABELS[CaseStatus(status)].lower()
    except ValueError:
        label = escape_mrkdwn(status)
    return f"{label} by <@{escape_mrkdwn(by)}>" if by else label


def _day(epoch: float) -> str:
    fallback = datetime.fromtimestamp(epoch, UTC).strftime("%d %b")
    return f"<!date^{int(epoch)}^{{date_short}}|{fallback}>"
