"""How often a timeline is polled: as often as X's rate limit allows, or as configured."""

from __future__ import annotations

import pytest

from bot.domain.poll_pace import (
    ADAPTIVE_MIN_SECONDS,
    MENTIONS_LIMIT,
    RateWindow,
    even_pace,
    next_poll_wait,
    planned_interval,
)

NOW = 1_000_000.0


def test_the_even_pace_spends_the_window_but_its_reserve() -> None:
    """Mentions (300 per 15 min) are read about every 4 s: 240 requests a window, 60 kept."""
    assert even_pace(MENTIONS_LIMIT) == pytest.approx(3.75)
    assert even_pace(900) == pytest.approx(1.25)
    assert even_pace(100_000) == ADAPTIVE_MIN_SECONDS
    assert planned_interval(None, MENTIONS_LIMIT) == pytest.approx(3.75)
    assert planned_interval(60.0, MENTIONS_LIMIT) == 60.0


def test_before_any_headers_the_documented_limit_paces() -> None:
    """No headers yet, or a window already reset: the even pace of the documented limit."""
    assert next_poll_wait(None, None, MENTIONS_LIMIT, NOW) == pytest.approx(3.75)
    stale = RateWindow(limit=300, remaining=0, reset_at=NOW - 1)
    assert next_poll_wait(None, stale, MENTIONS_LIMIT, NOW) == pytest.approx(3.75)
    assert next_poll_wait(None, RateWindow(None, None, None), MENTIONS_LIMIT, NOW) == 3.75


def test_what_is_left_is_spread_until_the_reset() -> None:
    """The remaining requests above the reserve are spread evenly until the window resets:
    a window that others use too is polled less often, never faster than the minimum."""
    fresh = RateWindow(limit=300, remaining=299, reset_at=NOW + 900)
    assert next_poll_wait(None, fresh, MENTIONS_LIMIT, NOW) == pytest.approx(900 / 239)
    shared = RateWindow(limit=300, remaining=100, reset_at=NOW + 900)
    assert next_poll_wait(None, shared, MENTIONS_LIMIT, NOW) == pytest.approx(900 / 40)
    ending = RateWindow(limit=300, remaining=299, reset_at=NOW + 10)
    assert next_poll_wait(None, ending, MENTIONS_LIMIT, NOW) == ADAPTIVE_MIN_SECONDS


@pytest.mark.parametrize("override", [None, 0.2, 60.0])
def test_down_to_the_reserve_nothing_more_until_the_reset(override: float | None) -> None:
    """Whatever the setting, once only the reserve is left the next poll waits for the reset
    (one second after it: X's reset is in whole seconds)."""
    low = RateWindow(limit=300, remaining=60, reset_at=NOW + 500)
    assert next_poll_wait(override, low, MENTIONS_LIMIT, NOW) == max(override or 0, 501.0)
    assert next_poll_wait(override, RateWindow(300, 0, NOW + 30), MENTIONS_LIMIT, NOW) == max(
        override or 0, 31.0
    )


def test_a_set_interval_is_kept_while_the_window_has_room() -> None:
    """X_POLL_INTERVAL_SECONDS overrides the adaptive pace (faster or slower)."""
    room = RateWindow(limit=300, remaining=200, reset_at=NOW + 900)
    assert next_poll_wait(0.2, room, MENTIONS_LIMIT, NOW) == 0.2
    assert next_poll_wait(60.0, room, MENTIONS_LIMIT, NOW) == 60.0
    assert next_poll_wait(0.2, None, MENTIONS_LIMIT, NOW) == 0.2
