"""Business hours: open or closed at the edges, SLA deadlines in open time, DST, holidays."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.hours import (
    BusinessHours,
    OpenSpan,
    add_business_seconds,
    always_open,
    business_seconds_between,
    describe_hours,
    is_open,
    next_opening,
)

ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = BusinessHours("Europe/Rome", tuple(OpenSpan(day, 9 * 60, 18 * 60) for day in range(5)))
MIN = 60


def rome(*parts: int) -> float:
    return datetime(*parts, tzinfo=ROME).timestamp()  # type: ignore[misc]


def in_rome(epoch: float | None) -> datetime:
    assert epoch is not None
    return datetime.fromtimestamp(epoch, ROME)


def test_open_exactly_at_opening_and_closed_exactly_at_closing() -> None:
    """09:00:00 is open, 08:59:59 and 18:00:00 are closed; weekends are closed."""
    assert is_open(OFFICE, rome(2026, 11, 23, 9, 0))
    assert not is_open(OFFICE, rome(2026, 11, 23, 8, 59, 59))
    assert is_open(OFFICE, rome(2026, 11, 23, 17, 59, 59))
    assert not is_open(OFFICE, rome(2026, 11, 23, 18, 0))
    assert not is_open(OFFICE, rome(2026, 11, 28, 12, 0))  # Saturday
    assert is_open(None, rome(2026, 11, 28, 3, 0))  # no hours set: always open


def test_deadline_inside_one_day() -> None:
    """A mention at 10:00 with a 30-minute SLA is due 10:30 the same day."""
    due = add_business_seconds(OFFICE, rome(2026, 11, 23, 10, 0), 30 * MIN)
    assert in_rome(due) == datetime(2026, 11, 23, 10, 30, tzinfo=ROME)


def test_deadline_can_end_exactly_at_closing_time() -> None:
    """17:30 + 30 minutes is 18:00 sharp, not the next morning."""
    due = add_business_seconds(OFFICE, rome(2026, 11, 23, 17, 30), 30 * MIN)
    assert in_rome(due) == datetime(2026, 11, 23, 18, 0, tzinfo=ROME)


def test_friday_evening_mention_is_due_monday_morning() -> None:
    """Friday 17:50 + 30 minutes: 10 minutes on Friday, 20 on Monday -> Monday 09:20."""
    due = add_business_seconds(OFFICE, rome(2026, 11, 27, 17, 50), 30 * MIN)
    assert in_rome(due) == datetime(2026, 11, 30, 9, 20, tzinfo=ROME)


def test_a_mention_at_night_starts_counting_at_opening() -> None:
    """03:00 Tuesday with a 1 h SLA is due 10:00 Tuesday; 0 s is the opening itself."""
    night = rome(2026, 11, 24, 3, 0)
    assert in_rome(add_business_seconds(OFFICE, night, 3600)).hour == 10
    assert in_rome(next_opening(OFFICE, night)) == datetime(2026, 11, 24, 9, 0, tzinfo=ROME)
    assert next_opening(OFFICE, rome(2026, 11, 24, 11, 0)) is None  # already open


def test_a_whole_week_of_open_time() -> None:
    """45 open hours from Monday 09:00 end Friday 18:00; one more second is next Monday."""
    monday = rome(2026, 11, 23, 9, 0)
    assert in_rome(add_business_seconds(OFFICE, monday, 45 * 3600)) == datetime(
        2026, 11, 27, 18, 0, tzinfo=ROME
    )
    later = add_business_seconds(OFFICE, monday, 45 * 3600 + 1)
    assert in_rome(later) == datetime(2026, 11, 30, 9, 0, 1, tzinfo=ROME)
    assert business_seconds_between(OFFICE, monday, rome(2026, 11, 30, 9, 0)) == 45 * 3600


def test_spring_forward_weekend_keeps_monday_wall_clock() -> None:
    """Europe/Rome moves to CEST on 2026-03-29: Friday 17:50 CET + 30 min is Monday 09:20
    CEST, which is 07:20 UTC (not 08:20)."""
    due = add_business_seconds(OFFICE, rome(2026, 3, 27, 17, 50), 30 * MIN)
    assert in_rome(due) == datetime(2026, 3, 30, 9, 20, tzinfo=ROME)
    assert due == datetime(2026, 3, 30, 7, 20, tzinfo=ZoneInfo("UTC")).timestamp()


def test_24_7_days_last_23_and_25_hours_on_dst_changes() -> None:
    """Round the clock, the spring-forward day has 23 open hours and the fall-back one 25."""
    always = always_open("Europe/Rome")
    spring = business_seconds_between(always, rome(2026, 3, 29, 0, 0), rome(2026, 3, 30, 0, 0))
    autumn = business_seconds_between(always, rome(2026, 10, 25, 0, 0), rome(2026, 10, 26, 0, 0))
    assert (spring, autumn) == (23 * 3600, 25 * 3600)


def test_open_span_across_a_dst_jump_counts_real_time() -> None:
    """A night shift 00:00-06:00 on the spring-forward night lasts 5 real hours."""
    night = BusinessHours("Europe/Rome", (OpenSpan(6, 0, 6 * 60),))
    start = rome(2026, 3, 29, 0, 0)
    assert business_seconds_between(night, start, start + 86400) == 5 * 3600
    assert in_rome(add_business_seconds(night, start, 5 * 3600)).hour == 6


def test_us_time_zone_changes_on_its_own_date() -> None:
    """New York changes on 2026-03-08, not with Europe: a Friday 16:50 EST case with a
    30-minute SLA on 9-17 hours is due Monday 09:20 EDT = 13:20 UTC."""
    hours = BusinessHours("America/New_York", tuple(OpenSpan(d, 540, 1020) for d in range(5)))
    friday = datetime(2026, 3, 6, 16, 50, tzinfo=NEW_YORK).timestamp()
    due = add_business_seconds(hours, friday, 30 * MIN)
    assert due == datetime(2026, 3, 9, 13, 20, tzinfo=ZoneInfo("UTC")).timestamp()


def test_holidays_close_whole_days() -> None:
    """With Monday a holiday, Friday 17:50 + 30 minutes is due Tuesday 09:20."""
    closed = OFFICE.with_holidays(frozenset({date(2026, 11, 30)}))
    due = add_business_seconds(closed, rome(2026, 11, 27, 17, 50), 30 * MIN)
    assert in_rome(due) == datetime(2026, 12, 1, 9, 20, tzinfo=ROME)
    assert not is_open(closed, rome(2026, 11, 30, 12, 0))


def test_never_open_means_no_deadline() -> None:
    """Hours that never come (every day a holiday for years) give no deadline."""
    days = frozenset(date.fromordinal(date(2026, 11, 23).toordinal() + n) for n in range(900))
    assert add_business_seconds(always_open("UTC", days), rome(2026, 11, 23, 9), 60) is None


def test_hours_round_trip_and_describe() -> None:
    """Stored JSON gives the same hours back; the description groups days."""
    split = BusinessHours(
        "Europe/Rome",
        (*(OpenSpan(d, 540, 1080) for d in range(5)), OpenSpan(5, 600, 780)),
        frozenset({date(2026, 12, 25)}),
    )
    assert BusinessHours.from_json(split.to_json()) == split
    assert describe_hours(split) == "Mon-Fri 09:00-18:00; Sat 10:00-13:00 (Europe/Rome)"


@settings(max_examples=300, deadline=None)
@given(
    start=st.floats(min_value=1.7e9, max_value=1.9e9),
    seconds=st.integers(min_value=0, max_value=14 * 86400),
    tz=st.sampled_from(["Europe/Rome", "America/New_York", "Asia/Tokyo", "Australia/Sydney"]),
)
def test_deadline_and_elapsed_open_time_agree(start: float, seconds: int, tz: str) -> None:
    """For any start and duration, the open time between start and the deadline is exactly the
    duration, and the deadline falls inside (or at the end of) an open span."""
    hours = BusinessHours(tz, tuple(OpenSpan(d, 540, 1080) for d in range(5)))
    due = add_business_seconds(hours, start, seconds)
    assert due is not None and due >= start
    assert abs(business_seconds_between(hours, start, due) - seconds) < 1e-3
    assert is_open(hours, due) or is_open(hours, due - 1e-3) or seconds == 0
