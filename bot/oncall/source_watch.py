"""Source health alerts: tell the on-call person when mentions may be missing, and when not.

Every watched source counts: the mentions timeline and each /track rule that is polled. A source
is in trouble when it has had no successful poll for 3 of its intervals, or (the mentions
timeline) when its poller reports a persisting error (bot/store/health.py). The alert names the
last successful poll ("mentions may be missing since T") and the recovery message how many
posts arrived meanwhile. Sources that open (or recover) in the same tick share one message, so
an X outage that silences fifty rules is one page, not fifty.
"""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from bot.blocks.oncall import slack_moment, waited_text
from bot.blocks.text import escape_mrkdwn
from bot.domain.source_status import SILENT_INTERVALS, SourceStatus, silent_since
from bot.oncall.escalation import TryLater, slack_call
from bot.oncall.paging import alert_channel, page_oncall, post
from bot.pipeline.poll import MENTIONS
from bot.services import Services
from bot.store.oncall import OncallStore
from bot.store.source_health import (
    SourceAlert,
    close_alert,
    current_alert,
    open_alert,
    open_alert_sources,
)
from bot.store.source_status import watched_sources

log = structlog.get_logger()

__all__ = ["SILENT_INTERVALS", "source_trouble", "watch_sources"]

# Source -> the Health component its poller reports persisting errors under.
REPORTED = {MENTIONS: "x"}
NAMED_PER_MESSAGE = 10


@dataclass(frozen=True, slots=True)
class Change:
    source: str
    label: str
    alert: SourceAlert
    arrived: int = 0


def source_trouble(
    status: SourceStatus, problem: dict[str, object] | None, now: float
) -> tuple[float, str] | None:
    """(since when posts may be missing, why) or None when the source is healthy."""
    if problem is not None:
        reported = float(str(problem.get("since") or now))
        since = min(status.last_ok, reported) if status.last_ok is not None else reported
        return since, str(problem.get("reason") or "polling fails")
    silent = silent_since(status, now)
    if silent is None:
        return None
    done = "no successful poll" if status.last_ok is not None else "not one successful poll"
    reason = f"{done} for {waited_text(now - silent)}"
    return silent, f"{reason}; last error: {status.error}" if status.error else reason


def watch_sources(services: Services, now: float) -> None:
    client = services.redis
    problems = services.health.problems()
    opened: list[Change] = []
    closed: list[Change] = []
    watched = watched_sources(client, services.settings.x_poll_interval_seconds)
    for status in watched:
        component = REPORTED.get(status.source)
        trouble = source_trouble(status, problems.get(component) if component else None, now)
        is_open = current_alert(client, status.source) is not None
        if trouble is not None and not is_open:
            alert = SourceAlert(trouble[0], trouble[1], status.arrivals)
            if open_alert(client, status.source, alert):
                opened.append(Change(status.source, status.label, alert))
        elif trouble is None and is_open:
            done = close_alert(client, status.source)
            if done is not None:
                arrived = max(0, status.arrivals - done.ingested_before)
                closed.append(Change(status.source, status.label, done, arrived))
    # A rule paused or removed while its alert was open is no longer polled: close it quietly.
    for source in open_alert_sources(client) - {status.source for status in watched}:
        close_alert(client, source)
    _announce(services, opened, closed)


def _announce(services: Services, opened: list[Change], closed: list[Change]) -> None:
    if opened:
        try:
            told = _tell(services, _opened_text(opened))
        except TryLater:
            told = False
            log.warning("source_alert_postponed", sources=[change.source for change in opened])
        for change in opened if not told else ():  # not told: try again on the next tick
            close_alert(services.redis, change.source)
        for change in opened if told else ():
            log.warning(
                "source_alert_opened",
                source=change.source,
                reason=change.alert.reason,
                since=change.alert.since,
            )
    if closed:
        try:
            _tell(services, _closed_text(closed))
        except TryLater:  # the outage was told and is over: a lost recovery note is no harm
            log.warning("source_recovery_untold", sources=[change.source for change in closed])
        for change in closed:
            log.info("source_alert_closed", source=change.source, arrived=change.arrived)


def _opened_text(opened: list[Change]) -> str:
    if len(opened) == 1:
        change = opened[0]
        return (
            f":rotating_light: {change.label}: mentions may be missing since "
            f"{slack_moment(change.alert.since)} ({escape_mrkdwn(change.alert.reason)}). "
            "Earshot keeps retrying and will say when it recovers."
        )
    lines = [
        f"• {c.label}: since {slack_moment(c.alert.since)} ({escape_mrkdwn(c.alert.reason)})"
        for c in opened[:NAMED_PER_MESSAGE]
    ]
    if len(opened) > NAMED_PER_MESSAGE:
        lines.append(f"• and {len(opened) - NAMED_PER_MESSAGE} more")
    head = f":rotating_light: Mentions may be missing from {len(opened)} sources:"
    tail = "Earshot keeps retrying and will say when they recover."
    return "\n".join([head, *lines, tail])


def _closed_text(closed: list[Change]) -> str:
    def arrived(change: Change) -> str:
        noun = "mention" if change.arrived == 1 else "mentions"
        return f"{change.arrived} {noun} arrived since {slack_moment(change.alert.since)}"

    if len(closed) == 1:
        return (
            f":white_check_mark: {closed[0].label} recovered: {arrived(closed[0])}; "
            "their cards are posted as usual."
        )
    lines = [f"• {change.label}: {arrived(change)}" for change in closed[:NAMED_PER_MESSAGE]]
    if len(closed) > NAMED_PER_MESSAGE:
        lines.append(f"• and {len(closed) - NAMED_PER_MESSAGE} more")
    head = f":white_check_mark: {len(closed)} sources recovered; their cards are posted as usual:"
    return "\n".join([head, *lines])


def _tell(services: Services, text: str) -> bool:
    """DM the on-call person of the paged team; without a rotation, the alert channel."""
    team = OncallStore(services.redis).paged_team()
    paged: list[str | None] = [None]

    def page() -> None:
        paged[0] = page_oncall(services, team, text) if team else None
        if paged[0] is None:
            post(services, alert_channel(services), text)

    return slack_call(page)
