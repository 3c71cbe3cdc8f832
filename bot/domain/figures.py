"""Response figures: first-response times (24/7 and business hours), SLA share, per rule and
per responder, mentions per day, from the cases' SLA clocks."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.hours import BusinessHours, business_seconds_between, zone

# Upper bounds (minutes) of the response-time distribution's bars; the last is open-ended.
RESPONSE_BUCKETS: tuple[tuple[float, str], ...] = (
    (15, "<15m"), (30, "15-30m"), (60, "30-60m"), (120, "1-2h"), (240, "2-4h"),
    (480, "4-8h"), (1440, "8-24h"), (float("inf"), ">24h"),
)  # fmt: skip
TOP_GROUPS = 10


@dataclass(frozen=True, slots=True)
class CaseClock:
    """What the store keeps of one case's SLA clock."""

    post_id: str
    start: float
    deadline: float | None
    target: int | None
    rules: tuple[str, ...]
    step: int | None  # the planned escalation step; None when none is planned
    state: str  # "open" | "stopped"
    stopped_reason: str | None = None
    stopped_by: str | None = None
    first_response_at: float | None = None
    first_response_business: float | None = None
    responder: str | None = None
    resolved_at: float | None = None
    pings: int = 0
    delivered: float | None = None  # when the card reached Slack; None on older clocks
    waiting_since: float | None = None  # a follow-up waits for our next response since then
    next_responses: tuple[float, ...] = ()  # seconds each follow-up waited for our answer

    @property
    def delivery_lag(self) -> float | None:
        """Seconds from the customer's post to the card in Slack: Earshot's part of the wait."""
        return None if self.delivered is None else max(0.0, self.delivered - self.start)

    @property
    def answered(self) -> bool:
        return self.first_response_at is not None


@dataclass(frozen=True, slots=True)
class GroupFigures:
    name: str
    cases: int
    answered: int
    median_seconds: float | None


@dataclass(frozen=True, slots=True)
class DayCounts:
    day: date
    answered: int
    resolved: int  # closed without a public reply
    waiting: int


@dataclass(frozen=True, slots=True)
class ResponseFigures:
    cases: int
    answered: int
    resolved: int
    waiting: int
    mean_seconds: float | None
    median_seconds: float | None
    mean_business_seconds: float | None
    median_business_seconds: float | None
    within_sla: int
    sla_due: int
    per_rule: list[GroupFigures]
    per_responder: list[GroupFigures]
    per_day: list[DayCounts]
    distribution: list[tuple[str, int]]
    median_lag_seconds: float | None = None
    p95_lag_seconds: float | None = None
    next_responses: int = 0
    mean_next_seconds: float | None = None
    median_next_seconds: float | None = None

    @property
    def sla_share(self) -> float | None:
        return self.within_sla / self.sla_due if self.sla_due else None


def response_figures(
    clocks: Sequence[CaseClock], days: list[date], tz: str, hours: BusinessHours | None, now: float
) -> ResponseFigures:
    answered = [c for c in clocks if c.answered]
    times = first_response_seconds(clocks)
    business = [_business(c, hours) for c in answered]
    resolved = [c for c in clocks if not c.answered and c.resolved_at is not None]
    due = [c for c in clocks if c.deadline is not None and _sla_due(c, now)]
    within = [c for c in due if c.answered and _response_at(c) <= (c.deadline or 0)]
    lags = sorted(lag for c in clocks if (lag := c.delivery_lag) is not None)
    nexts = [seconds for c in clocks for seconds in c.next_responses]
    return ResponseFigures(
        cases=len(clocks),
        answered=len(answered),
        resolved=len(resolved),
        waiting=len(clocks) - len(answered) - len(resolved),
        mean_seconds=mean_or_none(times),
        median_seconds=statistics.median(times) if times else None,
        mean_business_seconds=statistics.fmean(business) if business else None,
        median_business_seconds=statistics.median(business) if business else None,
        within_sla=len(within),
        sla_due=len(due),
        per_rule=_groups(clocks, lambda c: list(c.rules) or ["(no rule)"]),
        per_responder=_groups(answered, lambda c: [c.responder or "(unknown)"]),
        per_day=_per_day(clocks, days, tz),
        distribution=_distribution(times),
        median_lag_seconds=statistics.median(lags) if lags else None,
        p95_lag_seconds=lags[min(len(lags) - 1, int(len(lags) * 0.95))] if lags else None,
        next_responses=len(nexts),
        mean_next_seconds=mean_or_none(nexts),
        median_next_seconds=statistics.median(nexts) if nexts else None,
    )


def first_response_seconds(clocks: Sequence[CaseClock]) -> list[float]:
    """Seconds from each answered case's start (the customer's post) to its first recorded
    response, in order: the one computation behind `/earshot report` and `/track stats` (a
    later status change, such as resolving the case, does not move it)."""
    return [_response(c) for c in clocks if c.answered]


def mean_or_none(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _response_at(clock: CaseClock) -> float:
    return clock.first_response_at if clock.first_response_at is not None else clock.start


def _response(clock: CaseClock) -> float:
    return max(0.0, _response_at(clock) - clock.start)


def _business(clock: CaseClock, hours: BusinessHours | None) -> float:
    if clock.first_response_business is not None:
        return clock.first_response_business
    return business_seconds_between(hours, clock.start, _response_at(clock))


def _sla_due(clock: CaseClock, now: float) -> bool:
    """Answered cases count; unanswered ones once their deadline passed, unless resolved."""
    if clock.answered:
        return True
    return clock.resolved_at is None and clock.deadline is not None and clock.deadline <= now


def _groups(
    clocks: Sequence[CaseClock], names: Callable[[CaseClock], list[str]]
) -> list[GroupFigures]:
    members: dict[str, list[CaseClock]] = defaultdict(list)
    for clock in clocks:
        for name in names(clock):
            members[str(name)].append(clock)
    figures = []
    for name, group in members.items():
        times = first_response_seconds(group)
        median = statistics.median(times) if times else None
        figures.append(GroupFigures(name, len(group), len(times), median))
    figures.sort(key=lambda g: (-g.cases, g.name))
    return figures[:TOP_GROUPS]


def _per_day(clocks: Sequence[CaseClock], days: list[date], tz: str) -> list[DayCounts]:
    counts = {day: [0, 0, 0] for day in days}
    for clock in clocks:
        day = datetime.fromtimestamp(clock.start, zone(tz)).date()
        if day not in counts:
            continue
        slot = 0 if clock.answered else 1 if clock.resolved_at is not None else 2
        counts[day][slot] += 1
    return [DayCounts(day, *counts[day]) for day in days]


def _distribution(times: list[float]) -> list[tuple[str, int]]:
    bars = [0] * len(RESPONSE_BUCKETS)
    for seconds in times:
        index = next(i for i, (bound, _) in enumerate(RESPONSE_BUCKETS) if seconds / 60 < bound)
        bars[index] += 1
    return [(label, count) for (_, label), count in zip(RESPONSE_BUCKETS, bars, strict=True)]
