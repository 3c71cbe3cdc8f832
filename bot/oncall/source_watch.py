"""Source health alerts: tell the on-call person when mentions may be missing, and when not.

A source is in trouble when it has had no successful poll for 3 intervals, or when the poller
reports a persisting error (bot/store/health.py). The alert names the last successful poll
("mentions may be missing since T") and the recovery message how many mentions arrived meanwhile.
"""

from __future__ import annotations

import structlog

from bot.blocks.oncall import slack_moment, waited_text
from bot.blocks.text import escape_mrkdwn
from bot.oncall.escalation import TryLater, slack_call
from bot.oncall.paging import alert_channel, page_oncall, post
from bot.pipeline.poll import MENTIONS
from bot.services import Services
from bot.store.oncall import OncallStore
from bot.store.source_health import (
    SourceAlert,
    close_alert,
    current_alert,
    last_successful_poll,
    open_alert,
)

log = structlog.get_logger()

SILENT_INTERVALS = 3
# Source (as its poller records successful polls) -> Health component its poller reports.
WATCHED = {MENTIONS: "x"}
LABELS = {MENTIONS: "X mentions"}


def source_trouble(
    last_ok: float | None, problem: dict[str, object] | None, interval: float, now: float
) -> tuple[float, str] | None:
    """(since when mentions may be missing, why) or None when the source is healthy."""
    if problem is not None:
        reported = float(str(problem.get("since") or now))
        since = min(last_ok, reported) if last_ok is not None else reported
        return since, str(problem.get("reason") or "polling fails")
    if last_ok is not None and now - last_ok > SILENT_INTERVALS * interval:
        return last_ok, f"no successful poll for {waited_text(now - last_ok)}"
    return None


def watch_sources(services: Services, now: float) -> None:
    for source, component in WATCHED.items():
        try:
            _watch(services, source, component, now)
        except TryLater:
            log.warning("source_alert_postponed", source=source)


def _watch(services: Services, source: str, component: str, now: float) -> None:
    client = services.redis
    interval = services.settings.x_poll_interval_seconds
    trouble = source_trouble(
        last_successful_poll(client, source), services.health.problems().get(component),
        interval, now,
    )  # fmt: skip
    label = LABELS.get(source, source)
    if trouble is not None:
        if current_alert(client, source) is not None:
            return
        since, reason = trouble
        alert = SourceAlert(since, reason, services.metrics.counters()["mentions_ingested"])
        if not open_alert(client, source, alert):
            return
        text = (
            f":rotating_light: {label}: mentions may be missing since {slack_moment(since)} "
            f"({escape_mrkdwn(reason)}). Earshot keeps retrying and will say when it recovers."
        )
        if not _tell(services, text):
            close_alert(client, source)  # not told: try again on the next tick
        log.warning("source_alert_opened", source=source, reason=reason, since=since)
        return
    if current_alert(client, source) is None:
        return
    closed = close_alert(client, source)
    if closed is None:
        return
    arrived = services.metrics.counters()["mentions_ingested"] - closed.ingested_before
    noun = "mention" if arrived == 1 else "mentions"
    _tell(
        services,
        f":white_check_mark: {label} recovered: {arrived} {noun} arrived since "
        f"{slack_moment(closed.since)}; their cards are posted as usual.",
    )
    log.info("source_alert_closed", source=source, arrived=arrived)


def _tell(services: Services, text: str) -> bool:
    """DM the on-call person of the paged team; without a rotation, the alert channel."""
    team = OncallStore(services.redis).paged_team()
    paged: list[str | None] = [None]

    def page() -> None:
        paged[0] = page_oncall(services, team, text) if team else None
        if paged[0] is None:
            post(services, alert_channel(services), text)

    return slack_call(page)
