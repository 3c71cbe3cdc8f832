"""`/earshot report`: the response figures of the last 7 or 30 days, posted with a chart."""

from __future__ import annotations

from datetime import date, timedelta

import structlog

from bot.blocks.report import report_text
from bot.blocks.report_chart import render_chart
from bot.domain.figures import response_figures
from bot.domain.hours import local_day, wall_to_epoch
from bot.services import Services
from bot.store.oncall import OncallStore
from bot.store.sla import clocks_between

log = structlog.get_logger()

PERIODS = {"": 7, "7d": 7, "7": 7, "30d": 30, "30": 30}


def report_days(args: str) -> int | None:
    """ "", "7d" -> 7; "30d" -> 30; anything else None."""
    return PERIODS.get(args.strip().lower())


def build_report(services: Services, days: int, now: float) -> tuple[str, bytes]:
    """The report's text and chart (PNG) for the `days` local days up to today."""
    office = OncallStore(services.redis).office()
    tz = office.hours.tz if office.hours is not None else "UTC"
    today = local_day(now, tz)
    calendar: list[date] = [today - timedelta(days=days - 1 - n) for n in range(days)]
    clocks = clocks_between(services.redis, wall_to_epoch(calendar[0], 0, tz), now + 1)
    figures = response_figures(clocks, calendar, tz, office.hours, now)
    text = report_text(figures, calendar, tz, office.sla.target, office.hours_set)
    chart = render_chart(figures, f"Earshot: last {days} days ({figures.cases} mentions)")
    return text, chart


def post_report(services: Services, channel: str, days: int, now: float) -> str:
    """Upload the chart with the figures as its message into `channel`; returns the file id.
    Raises SlackApiError when Slack refuses (e.g. the app is not in the channel)."""
    text, chart = build_report(services, days, now)
    uploaded = services.slack.files_upload_v2(
        channel=channel,
        content=chart,
        filename=f"earshot-report-{days}d.png",
        title=f"Earshot report, last {days} days",
        initial_comment=text,
    )
    file_id = str((uploaded.get("files") or [{}])[0].get("id", ""))
    log.info("report_posted", channel=channel, days=days, file=file_id)
    return file_id
