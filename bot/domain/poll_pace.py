"""How long a timeline poller waits between rounds: as often as X's rate limit allows.

An empty poll costs nothing on pay-per-use X (reads are billed per post returned), so the
default is to spend the rate-limit window evenly, keeping a reserve for /track test, retries
and other clients of the same account. Limits from contracts/x/docs/rate-limits.mdx (per user,
15-minute windows): mentions 300, the user's own posts 900; recent search 450 per app.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOW_SECONDS = 900.0  # X's rate-limit windows for timelines and search are 15 minutes
RESERVE = 0.2  # a fifth of each window is never spent by polling
ADAPTIVE_MIN_SECONDS = 1.0  # even an unlimited endpoint is not polled in a tight loop

MENTIONS_LIMIT = 300
OWN_TIMELINE_LIMIT = 900
SEARCH_LIMIT = 450


@dataclass(frozen=True, slots=True)
class RateWindow:
    """An endpoint's x-rate-limit-* headers as last seen (None: not seen yet)."""

    limit: int | None
    remaining: int | None
    reset_at: float | None


def even_pace(limit: int) -> float:
    """Seconds between requests that spend `limit` requests, minus the reserve, in a window."""
    return max(ADAPTIVE_MIN_SECONDS, WINDOW_SECONDS / (max(1, limit) * (1 - RESERVE)))


def planned_interval(override: float | None, limit: int) -> float:
    """The interval a source is expected to keep (its silence is measured in it)."""
    return override if override is not None else even_pace(limit)


def next_poll_wait(
    override: float | None, rate: RateWindow | None, nominal_limit: int, now: float
) -> float:
    """The wait before the next round.

    Adaptive (`override` None): the window's remaining requests above the reserve, spread
    evenly until it resets; before any headers (or once the window has reset), the even pace
    of the documented limit. With an override, every `override` seconds. Either way, once the
    remaining requests are down to the reserve, nothing more until the window resets."""
    limit = (rate.limit if rate is not None else None) or nominal_limit
    reserve = limit * RESERVE
    if rate is None or rate.remaining is None or rate.reset_at is None or rate.reset_at <= now:
        return planned_interval(override, limit)
    until_reset = rate.reset_at - now
    spendable = rate.remaining - reserve
    if spendable < 1:
        return max(override or 0.0, until_reset + 1.0)
    if override is not None:
        return override
    return max(ADAPTIVE_MIN_SECONDS, until_reset / spendable)
