"""What /track rules cost on pay-per-use X, the budget cap, and how often each rule is polled.

Prices from contracts/x/docs/pricing-pay-per-use.mdx: every post a search returns is a billed
read at $0.005; the mentions timeline of our own account is an Owned Read at $0.001. A post read
twice in one UTC day is billed once, so these figures are an upper bound. Direct messages cost
$0.010 per DM event read and $0.015 per DM sent; they cannot be paused, so they come off the
budget before any rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.poll_pace import RESERVE, RateWindow
from bot.domain.track_rule import Priority, TrackRule

POST_READ_USD = 0.005
OWNED_READ_USD = 0.001
DM_EVENT_READ_USD = 0.010  # each DM event GET /2/dm_events returns
DM_SEND_USD = 0.015  # each DM sent
DAY = 86_400.0
MONTH_DAYS = 30.0
# A rule's first minutes say little; extrapolating them to a month needs a floor on the window.
MIN_WINDOW_SECONDS = 3_600.0
MAX_WINDOW_SECONDS = 7 * DAY

FULL_PAGE = 100
MIN_INTERVAL_FACTOR = 0.25
MAX_INTERVAL_FACTOR = 4.0
RATE_HEADROOM = 1 - RESERVE  # leave a fifth of X's window for /track test and retries


def monthly_cost(posts_per_day: float, *, owned: bool = False) -> float:
    """Dollars a month for this many billed reads a day."""
    return max(0.0, posts_per_day) * MONTH_DAYS * (OWNED_READ_USD if owned else POST_READ_USD)


def dm_monthly_cost(reads_per_day: float, sends_per_day: float) -> float:
    """Dollars a month for direct messages at this daily volume (read events and sends)."""
    daily = max(0.0, reads_per_day) * DM_EVENT_READ_USD + max(0.0, sends_per_day) * DM_SEND_USD
    return daily * MONTH_DAYS


def posts_per_day(posts: int, window_seconds: float) -> float:
    """Observed volume over a window, the window floored so a first burst is not a trend."""
    window = min(MAX_WINDOW_SECONDS, max(MIN_WINDOW_SECONDS, window_seconds))
    return posts * DAY / window


def sample_rate(count: int, span_seconds: float, *, full_page: bool, asked_seconds: float) -> float:
    """Posts a day from one search page: a full page covers only `span_seconds` (newest to
    oldest post returned), a partial one is everything in the `asked_seconds` searched."""
    if full_page and span_seconds > 0:
        return count * DAY / max(span_seconds, 1.0)
    return count * DAY / max(asked_seconds, 1.0)


@dataclass(frozen=True, slots=True)
class BudgetVerdict:
    """Which rules fit under the cap (kept) and which would break it (to pause)."""

    kept: tuple[TrackRule, ...]
    over: tuple[TrackRule, ...]
    total_kept: float


def apply_budget(
    rules: Iterable[TrackRule], budget: float | None, grew: frozenset[str] = frozenset()
) -> BudgetVerdict:
    """Keep rules while the total estimated monthly cost stays within `budget`; each rule that
    would break it is to be paused. Rules whose volume just grew (`grew`) come last, so the rule
    that pushes the total over is the one paused; otherwise high priority first, then oldest.
    A cheaper rule after one that did not fit may still fit."""
    ordered = sorted(
        rules,
        key=lambda rule: (rule.id in grew, rule.priority is not Priority.HIGH, rule.number),
    )
    if budget is None:
        return BudgetVerdict(tuple(ordered), (), sum(r.monthly_estimate for r in ordered))
    kept: list[TrackRule] = []
    over: list[TrackRule] = []
    total = 0.0
    for rule in ordered:
        if total + rule.monthly_estimate <= budget + 1e-9:
            kept.append(rule)
            total += rule.monthly_estimate
        else:
            over.append(rule)
    return BudgetVerdict(tuple(kept), tuple(over), total)


def next_interval(
    base: float,
    *,
    last_count: int,
    quiet_rounds: int,
    rate: RateWindow | None,
    active_rules: int,
    now: float,
) -> float:
    """Seconds until a rule is polled again. Busy rules sooner (a full page means posts are
    waiting), quiet ones gradually later; never faster than X's remaining requests allow
    when spread over every active rule until the window resets."""
    if last_count >= FULL_PAGE:
        factor = MIN_INTERVAL_FACTOR
    elif last_count >= FULL_PAGE // 10:
        factor = 0.5
    elif last_count > 0:
        factor = 1.0
    else:
        factor = min(MAX_INTERVAL_FACTOR, 1.0 + 0.25 * quiet_rounds)
    interval = base * factor
    if rate is not None and rate.remaining is not None and rate.reset_at is not None:
        until_reset = max(0.0, rate.reset_at - now)
        usable = rate.remaining * RATE_HEADROOM
        if usable < 1:
            return max(interval, until_reset + 1.0)
        interval = max(interval, until_reset * max(1, active_rules) / usable)
    return interval


def error_backoff(base: float, failures: int, *, permanent: bool) -> float:
    """Wait after a failed poll: doubling from the base interval, capped at an hour (a query X
    refuses is retried too, slowly: X may start accepting it, and the person sees the error)."""
    start = max(base, 60.0) if permanent else base
    return float(min(3_600.0, start * 2.0 ** min(max(failures - 1, 0), 12)))
