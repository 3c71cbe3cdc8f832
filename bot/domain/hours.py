"""Business hours and holidays: when the company is open, and time counted only while open.

Every moment is an epoch float; every open span is local wall-clock time in the hours' time zone,
turned into real instants day by day through zoneinfo, so a span on a DST change day lasts what
the clock on the wall says (09:00-18:00 is always 9 real hours; a 24-hour day may last 23 or 25).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

DAY_MINUTES = 24 * 60
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Deadlines further away than this are "never" (e.g. every day a holiday): no ping is planned.
MAX_SEARCH_DAYS = 800


@dataclass(frozen=True, slots=True, order=True)
class OpenSpan:
    """Open on `weekday` (0 = Monday) from `start` to `end`, minutes after local midnight."""

    weekday: int
    start: int
    end: int  # exclusive; 1440 means midnight at the end of the day


@dataclass(frozen=True, slots=True)
class BusinessHours:
    tz: str
    spans: tuple[OpenSpan, ...]
    holidays: frozenset[date] = frozenset()

    def to_json(self) -> str:
        return json.dumps(
            {
                "tz": self.tz,
                "spans": [[s.weekday, s.start, s.end] for s in self.spans],
                "holidays": sorted(d.isoformat() for d in self.holidays),
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> BusinessHours:
        data: dict[str, Any] = json.loads(raw)
        spans = tuple(sorted(OpenSpan(int(w), int(a), int(b)) for w, a, b in data["spans"]))
        holidays = frozenset(date.fromisoformat(d) for d in data.get("holidays", []))
        return cls(str(data["tz"]), spans, holidays)

    def with_holidays(self, holidays: frozenset[date]) -> BusinessHours:
        return BusinessHours(self.tz, self.spans, holidays)


def always_open(tz: str = "UTC", holidays: frozenset[date] = frozenset()) -> BusinessHours:
    """24/7 (holidays still close whole days)."""
    return BusinessHours(tz, tuple(OpenSpan(day, 0, DAY_MINUTES) for day in range(7)), holidays)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_day(at: float, tz: str) -> date:
    return datetime.fromtimestamp(at, zone(tz)).date()


def wall_to_epoch(day: date, minute: int, tz: str) -> float:
    """The instant a wall clock in `tz` shows `minute` on `day` (1440 = next midnight).

    A wall time skipped by a DST jump maps to the same distance past the jump (02:30 on a
    spring-forward night is 03:30); a repeated one maps to its first occurrence.
    """
    if minute >= DAY_MINUTES:
        day, minute = day + timedelta(days=1), minute - DAY_MINUTES
    moment = datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zone(tz))
    return moment.timestamp()


def open_spans_on(hours: BusinessHours, day: date) -> list[tuple[float, float]]:
    """The open spans of one local day as (start, end) instants; none on a holiday."""
    if day in hours.holidays:
        return []
    weekday = day.weekday()
    return [
        (wall_to_epoch(day, span.start, hours.tz), wall_to_epoch(day, span.end, hours.tz))
        for span in hours.spans
        if span.weekday == weekday
    ]


def is_open(hours: BusinessHours | None, at: float) -> bool:
    if hours is None:
        return True
    return any(a <= at < b for a, b in open_spans_on(hours, local_day(at, hours.tz)))


def add_business_seconds(hours: BusinessHours | None, start: float, seconds: float) -> float | None:
    """The instant when `seconds` of open time have passed since `start` (None: never open).

    With 0 seconds this is the next opening (or `start` itself while open).
    """
    if hours is None:
        return start + max(0.0, seconds)
    remaining = max(0.0, seconds)
    day = local_day(start, hours.tz)
    for _ in range(MAX_SEARCH_DAYS):
        for a, b in open_spans_on(hours, day):
            if b <= start:
                continue
            a = max(a, start)
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
        day += timedelta(days=1)
    return None


def business_seconds_between(hours: BusinessHours | None, start: float, end: float) -> float:
    """Open time between two instants (0 when end <= start)."""
    if end <= start:
        return 0.0
    if hours is None:
        return end - start
    total = 0.0
    day = local_day(start, hours.tz)
    last = local_day(end, hours.tz)
    while day <= last:
        for a, b in open_spans_on(hours, day):
            total += max(0.0, min(b, end) - max(a, start))
        day += timedelta(days=1)
    return total


def next_opening(hours: BusinessHours | None, at: float) -> float | None:
    """When the company next opens after `at` (None when 24/7 or never)."""
    if hours is None:
        return None
    return add_business_seconds(hours, at, 0.0) if not is_open(hours, at) else None


def describe_hours(hours: BusinessHours | None) -> str:
    """ "Mon-Fri 09:00-18:00 (Europe/Rome)"; consecutive days with the same spans are grouped."""
    if hours is None:
        return "24/7 (no business hours set)"
    by_day = {
        day: tuple((s.start, s.end) for s in hours.spans if s.weekday == day) for day in range(7)
    }
    groups: list[tuple[int, int, tuple[tuple[int, int], ...]]] = []
    for day in range(7):
        if not by_day[day]:
            continue
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == by_day[day]:
            groups[-1] = (groups[-1][0], day, by_day[day])
        else:
            groups.append((day, day, by_day[day]))
    parts = []
    for first, last, spans in groups:
        days = WEEKDAY_NAMES[first] + ("" if first == last else f"-{WEEKDAY_NAMES[last]}")
        parts.append(days + " " + ", ".join(f"{clock(a)}-{clock(b)}" for a, b in spans))
    return f"{'; '.join(parts)} ({hours.tz})"


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def local_label(at: float, tz: str) -> str:
    """ "Mon 2026-03-30 09:00 CEST": the wall clock of `tz`, for texts that name a time zone."""
    moment = datetime.fromtimestamp(at, zone(tz))
    return moment.strftime("%a %Y-%m-%d %H:%M ") + (moment.tzname() or tz)
