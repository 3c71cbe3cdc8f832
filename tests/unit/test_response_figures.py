"""Escalation schedules, SLA targets per rule, and the response figures of /earshot report."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.blocks.report import report_text
from bot.blocks.report_chart import render_chart
from bot.domain.figures import CaseClock, response_figures
from bot.domain.hours import BusinessHours, OpenSpan
from bot.domain.policy import (
    DEFAULT_POLICY,
    Policy,
    SlaConfig,
    Step,
    StepAction,
    duration_text,
    policy_text,
)

ROME = ZoneInfo("Europe/Rome")
OFFICE = BusinessHours("Europe/Rome", tuple(OpenSpan(d, 540, 1080) for d in range(5)))
MIN = 60


def rome(*parts: int) -> float:
    return datetime(*parts, tzinfo=ROME).timestamp()  # type: ignore[misc]


def test_policy_rounds_repeat_every_interval() -> None:
    """Steps at 0/30/60 min, repeated twice every 90 min: nine pings at 0..240 min."""
    policy = Policy(
        (Step(0, StepAction.THREAD), Step(1800, StepAction.DM), Step(3600, StepAction.HERE)),
        repeat=2,
        every=5400,
    )
    offsets = [s.offset // 60 for s in policy.schedule()]
    assert offsets == [0, 30, 60, 90, 120, 150, 180, 210, 240]
    assert Policy.from_json(policy.to_json()) == policy
    assert policy_text(policy) == "0m thread, 30m dm, 1h here repeat 2 every 1h30m"


def test_default_policy_is_the_issue_example() -> None:
    """At the deadline a thread ping, +30 min a DM, +60 min @here, and one more round."""
    actions = [s.action for s in DEFAULT_POLICY.schedule()]
    assert actions == [StepAction.THREAD, StepAction.DM, StepAction.HERE] * 2


def test_the_tightest_rule_target_wins() -> None:
    """A mention matching a 15-minute rule and a 2-hour rule gets 15 minutes; others the
    default; SLA off gives no target."""
    sla = SlaConfig(target=1800, per_rule={"vip": 900, "press": 7200})
    assert sla.target_for(("press", "vip")) == 900
    assert sla.target_for(("mentions",)) == 1800
    assert SlaConfig(target=None).target_for(("mentions",)) is None
    assert SlaConfig.from_json(sla.to_json()) == sla


def test_duration_text_reads_back_as_written() -> None:
    assert [duration_text(s) for s in (0, 45, 1800, 5400, 90000)] == [
        "0m", "45s", "30m", "1h30m", "1d1h",
    ]  # fmt: skip


def clock(n: int, start: float, answer_after: float | None = None, **fields: object) -> CaseClock:
    values: dict[str, object] = {
        "post_id": str(n), "start": start, "deadline": start + 1800, "target": 1800,
        "rules": ("mentions",), "step": None, "state": "stopped" if answer_after else "open",
    }  # fmt: skip
    if answer_after is not None:
        values |= {"first_response_at": start + answer_after, "responder": "U0ALICE"}
    values.update(fields)
    return CaseClock(**values)  # type: ignore[arg-type]


def test_figures_count_answers_sla_share_rules_and_responders() -> None:
    """Three cases answered in 10, 20 and 60 minutes, one resolved without a reply, one still
    waiting past its deadline: mean 30 min, median 20, within SLA 2 of 4 due."""
    monday = rome(2026, 11, 23, 10, 0)
    clocks = [
        clock(1, monday, 10 * MIN),
        clock(2, monday, 20 * MIN, rules=("vip",), responder="U0BOB"),
        clock(3, monday, 60 * MIN),
        clock(4, monday, None, resolved_at=monday + 60),
        clock(5, monday, None),
    ]
    days = [date(2026, 11, 23), date(2026, 11, 24)]
    figures = response_figures(clocks, days, "Europe/Rome", OFFICE, monday + 86400)
    assert (figures.cases, figures.answered, figures.resolved, figures.waiting) == (5, 3, 1, 1)
    assert figures.mean_seconds == 30 * MIN
    assert figures.median_seconds == 20 * MIN
    assert (figures.within_sla, figures.sla_due) == (2, 4)
    assert [(g.name, g.cases, g.answered) for g in figures.per_rule] == [
        ("mentions", 4, 2), ("vip", 1, 1),
    ]  # fmt: skip
    assert [(g.name, g.answered) for g in figures.per_responder] == [("U0ALICE", 2), ("U0BOB", 1)]
    assert [(d.answered, d.resolved, d.waiting) for d in figures.per_day] == [(3, 1, 1), (0, 0, 0)]
    assert dict(figures.distribution)["<15m"] == 1
    assert dict(figures.distribution)["30-60m"] == 0
    assert dict(figures.distribution)["1-2h"] == 1


def test_business_hours_response_time_skips_the_night() -> None:
    """Asked Friday 17:50, answered Monday 09:10: 63 h 20 min round the clock, 20 minutes of
    business time."""
    friday = rome(2026, 11, 27, 17, 50)
    answered = clock(1, friday, rome(2026, 11, 30, 9, 10) - friday)
    figures = response_figures([answered], [date(2026, 11, 27)], "Europe/Rome", OFFICE, friday)
    assert figures.median_business_seconds == 20 * MIN
    assert figures.median_seconds == 63 * 3600 + 20 * MIN


def test_report_text_and_chart() -> None:
    """The text names the counts and the SLA share; the chart is a PNG image."""
    monday = rome(2026, 11, 23, 10, 0)
    days = [date(2026, 11, 23 + n) for n in range(7)]
    figures = response_figures(
        [clock(1, monday, 10 * MIN), clock(2, monday, None)], days, "Europe/Rome", OFFICE,
        monday + 86400,
    )  # fmt: skip
    text = report_text(figures, days, "Europe/Rome", 1800, True)
    assert "Mentions: *2*" in text
    assert "within the SLA (30m): *50%* (1 of 2 due)" in text
    assert "<@U0ALICE>: 1 answered" in text
    png = render_chart(figures, "Earshot: last 7 days")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000


def test_an_empty_period_still_reports() -> None:
    """No cases: no averages, no SLA share, and still a chart."""
    days = [date(2026, 11, 23)]
    figures = response_figures([], days, "UTC", None, rome(2026, 11, 23, 12))
    assert "no case was due yet" in report_text(figures, days, "UTC", 1800, False)
    assert render_chart(figures, "empty").startswith(b"\x89PNG")
