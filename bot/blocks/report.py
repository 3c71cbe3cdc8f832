"""The text of `/earshot report`: the response figures as mrkdwn, posted with the chart."""

from __future__ import annotations

from datetime import date

from bot.blocks.oncall import waited_text
from bot.blocks.text import escape_mrkdwn
from bot.domain.figures import GroupFigures, ResponseFigures
from bot.domain.policy import duration_text

NO_DATA = "n/a"


def _time(seconds: float | None) -> str:
    return NO_DATA if seconds is None else waited_text(seconds)


def report_text(
    figures: ResponseFigures,
    days: list[date],
    tz: str,
    sla_target: int | None,
    business_hours_set: bool,
) -> str:
    first, last = days[0].isoformat(), days[-1].isoformat()
    lines = [
        f"*Earshot report — last {len(days)} days* ({first} to {last}, {escape_mrkdwn(tz)})",
        f"• Mentions: *{figures.cases}* — answered {figures.answered}, resolved without a reply "
        f"{figures.resolved}, still waiting {figures.waiting}",
        f"• Customer waited for a first response (from their post), 24/7: average "
        f"{_time(figures.mean_seconds)}, median {_time(figures.median_seconds)}",
        f"• Next response (after a customer's follow-up): {figures.next_responses} answered, "
        f"average {_time(figures.mean_next_seconds)}, median {_time(figures.median_next_seconds)}",
        f"• Earshot delivery lag (post to card in Slack): median "
        f"{_time(figures.median_lag_seconds)}, 95th percentile {_time(figures.p95_lag_seconds)}",
    ]
    if business_hours_set:
        lines.append(
            f"• First response, business hours only: average "
            f"{_time(figures.mean_business_seconds)}, median "
            f"{_time(figures.median_business_seconds)}"
        )
    share = figures.sla_share
    target = f" ({duration_text(sla_target)})" if sla_target else ""
    if share is None:
        lines.append(f"• Answered within the SLA{target}: {NO_DATA} (no case was due yet)")
    else:
        lines.append(
            f"• Answered within the SLA{target}: *{share:.0%}* "
            f"({figures.within_sla} of {figures.sla_due} due)"
        )
    if figures.per_rule:
        rules = [_group(g, escape_mrkdwn(g.name)) for g in figures.per_rule]
        lines.append("*By rule*: " + "; ".join(rules))
    if figures.per_responder:
        people = [_group(g, _person(g.name), answered_only=True) for g in figures.per_responder]
        lines.append("*By responder*: " + "; ".join(people))
    return "\n".join(lines)


def _person(name: str) -> str:
    return f"<@{escape_mrkdwn(name)}>" if name.startswith(("U", "W")) else escape_mrkdwn(name)


def _group(group: GroupFigures, label: str, *, answered_only: bool = False) -> str:
    counts = (
        f"{group.answered} answered"
        if answered_only
        else f"{group.cases} mentions, {group.answered} answered"
    )
    return f"{label}: {counts}, median {_time(group.median_seconds)}"
