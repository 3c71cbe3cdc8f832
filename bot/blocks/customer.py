"""The text of `/earshot customer @handle`: that author's cases, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.blocks.oncall import waited_text
from bot.blocks.text import escape_mrkdwn, slack_time
from bot.domain.case import STATUS_LABELS
from bot.store.history import PastCase

USAGE = "Name the customer: for example `/earshot customer @alice`."


@dataclass(frozen=True, slots=True)
class CaseLine:
    case: PastCase
    first_response_seconds: float | None
    link: str | None


def customer_text(handle: str, total: int, lines: list[CaseLine]) -> str:
    who = f"@{escape_mrkdwn(handle)}"
    if not lines:
        return f"Earshot has no case of {who} on record (cases are kept for the retention time)."
    noun = "case" if total == 1 else "cases"
    open_now = sum(1 for line in lines if line.case.open)
    head = f"*{who}: {total} {noun}* on record"
    if open_now:
        head += f", {open_now} open"
    shown = f" (newest {len(lines)} shown)" if total > len(lines) else ""
    return "\n".join([head + shown, *(_line(line) for line in lines)])


def _line(line: CaseLine) -> str:
    case = line.case
    when = f"<!date^{int(case.created_at)}^{{date_short}} {{time}}|{_fallback(case.created_at)}>"
    outcome = STATUS_LABELS[case.status]
    if case.status_by:
        outcome += f" by <@{escape_mrkdwn(case.status_by)}>"
    if case.status_at:
        outcome += f" {slack_time(case.status_at, 'at')}"
    response = (
        f"first response {waited_text(line.first_response_seconds)}"
        if line.first_response_seconds is not None
        else "no response yet"
    )
    link = f" · <{escape_mrkdwn(line.link)}|thread>" if line.link else ""
    return f"• {when} — {outcome} · {response}{link}"


def _fallback(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
