"""Rotations: who is on call through weeks, handoffs at local wall-clock time, overrides."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.rotation import (
    Override,
    Rotation,
    new_rotation,
    next_change,
    next_on_call,
    on_call,
    overlapping,
    with_override,
)

ROME = ZoneInfo("Europe/Rome")
UTC = ZoneInfo("UTC")


def rome(*parts: int) -> float:
    return datetime(*parts, tzinfo=ROME).timestamp()  # type: ignore[misc]


def weekly(now: float) -> Rotation:
    """Alice, Bob, Carol; weekly, handing off Monday 09:00 in Rome."""
    return new_rotation("support", ("UA", "UB", "UC"), 7, 540, 0, "Europe/Rome", now)


def test_first_person_holds_the_current_shift() -> None:
    """Set on a Wednesday, the first person's shift began the Monday before at 09:00."""
    rotation = weekly(rome(2026, 11, 25, 15, 0))
    assert rotation.anchor == "2026-11-23T09:00:00"
    assert on_call(rotation, rome(2026, 11, 25, 15, 0)) == "UA"
    assert on_call(rotation, rome(2026, 11, 23, 8, 59)) == "UC"  # the shift before


def test_weeks_cycle_through_everyone() -> None:
    """Six Mondays at 09:00 give A, B, C, A, B, C; 08:59 is still the previous shift."""
    rotation = weekly(rome(2026, 11, 25, 15, 0))
    first = datetime(2026, 11, 23, 9, 0, tzinfo=ROME)
    mondays = [(first + timedelta(weeks=n)).timestamp() for n in range(6)]
    assert [on_call(rotation, t) for t in mondays] == ["UA", "UB", "UC", "UA", "UB", "UC"]
    assert on_call(rotation, rome(2026, 11, 30, 8, 59)) == "UA"


def test_handoff_stays_at_local_nine_across_dst() -> None:
    """Across the spring-forward weekend the handoff is Monday 09:00 local both weeks:
    08:00 UTC before (CET), 07:00 UTC after (CEST)."""
    rotation = weekly(rome(2026, 3, 18, 12, 0))
    before = next_change(rotation, rome(2026, 3, 18, 12, 0))
    after = next_change(rotation, rome(2026, 3, 25, 12, 0))
    assert datetime.fromtimestamp(before, UTC).hour == 8
    assert datetime.fromtimestamp(after, UTC).hour == 7
    assert [on_call(rotation, before), on_call(rotation, after)] == ["UB", "UC"]


def test_daily_rotation_hands_off_every_day() -> None:
    """A daily rotation at 08:00 changes every morning."""
    now = rome(2026, 11, 25, 12)
    rotation = new_rotation("nights", ("UA", "UB"), 1, 480, None, "Europe/Rome", now)
    days = [rome(2026, 11, 25 + n, 8, 0) for n in range(4)]
    assert [on_call(rotation, t) for t in days] == ["UA", "UB", "UA", "UB"]


def test_a_weekday_is_ignored_for_shifts_of_days() -> None:
    """A weekday given with a 2-day period would contradict "first person is on now": ignored."""
    rotation = new_rotation("x", ("UA", "UB"), 2, 540, 3, "Europe/Rome", rome(2026, 11, 25, 12))
    assert rotation.handoff_weekday is None
    assert on_call(rotation, rome(2026, 11, 25, 12)) == "UA"


def test_override_takes_the_shift_and_gives_it_back() -> None:
    """An override puts Dave on call inside its window only; the next change is its end."""
    now = rome(2026, 11, 25, 12, 0)
    rotation = with_override(weekly(now), Override("UD", now, rome(2026, 11, 26, 18, 0)), now)
    assert on_call(rotation, now + 60) == "UD"
    assert next_change(rotation, now) == rome(2026, 11, 26, 18, 0)
    assert on_call(rotation, rome(2026, 11, 26, 18, 0)) == "UA"
    assert next_on_call(rotation, now) == ("UA", rome(2026, 11, 26, 18, 0))


def test_next_on_call_skips_changes_to_the_same_person() -> None:
    """With a single person, nobody else ever comes next."""
    solo = new_rotation("solo", ("UA",), 7, 540, 0, "Europe/Rome", rome(2026, 11, 25, 12))
    assert next_on_call(solo, rome(2026, 11, 25, 12)) is None


def test_overlap_is_found_and_ended_overrides_are_dropped() -> None:
    """A window that touches a live override overlaps; adjacent ones and ended ones do not."""
    now = rome(2026, 11, 25, 12, 0)
    rotation = with_override(weekly(now), Override("UD", now, now + 3600), now)
    assert overlapping(rotation, now + 1800, now + 7200, now) is not None
    assert overlapping(rotation, now + 3600, now + 7200, now) is None
    later = now + 7200
    assert with_override(rotation, Override("UE", later, later + 60), later).overrides == (
        Override("UE", later, later + 60),
    )


def test_rotation_round_trips_through_json() -> None:
    now = rome(2026, 11, 25, 12, 0)
    rotation = with_override(weekly(now), Override("UD", now, now + 3600), now)
    assert Rotation.from_json(rotation.to_json()) == rotation
