"""Rate limits of the Mastodon fake (contracts/mastodon/docs/api-rate-limits.md; KEY-FACTS "Rate
limits"; srv: config/initializers/rack_attack.rb and app/lib/rate_limiter.rb).

Named limits, each a fixed window aligned on the epoch (as Rack::Attack and RateLimiter count):
  "token"      300 requests per 5 minutes per access token, every /api call
  "user"       1500 per 5 minutes per account, every /api call
  "ip"         300 per 5 minutes per IP, calls without a valid token
  "paging"     300 per 15 minutes per account (or IP), calls with max_id/since_id/min_id/page
  "deletes"    30 per 30 minutes per account: DELETE /api/v1/statuses/:id, POST .../unreblog
  "statuses"   300 per 3 hours per account: statuses created (posts and boosts)

Every /api response carries `X-RateLimit-Limit`, `-Remaining` and `-Reset` (ISO 8601, the end
of the window) of the window closest to being exhausted. Past a limit the answer is 429
`{"error": "Too many requests"}` with Remaining 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.sandbox.mastodon_rules import TOO_MANY, ApiError

STATUSES = "statuses"
DEFAULT_LIMITS: dict[str, tuple[int, float]] = {
    "token": (300, 300.0),
    "user": (1500, 300.0),
    "ip": (300, 300.0),
    "paging": (300, 900.0),
    "deletes": (30, 1800.0),
    STATUSES: (300, 10800.0),
}


@dataclass(frozen=True)
class Charge:
    """One request counted in the named limit, for one key (a token, an account, an IP)."""

    name: str
    key: str


@dataclass(frozen=True)
class State:
    limit: int
    used: int
    reset: float

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)

    def headers(self) -> dict[str, str]:
        reset = datetime.fromtimestamp(self.reset, UTC).isoformat(timespec="microseconds")
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": reset.replace("+00:00", "Z"),
        }


class RateLimits:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.limits = dict(DEFAULT_LIMITS)
        self._counts: dict[tuple[str, str, int], int] = {}

    def set(self, name: str, limit: int, period_seconds: float | None = None) -> None:
        """Replace limit `name` (its period kept unless given) and start it afresh."""
        if name not in self.limits:
            raise KeyError(f"no rate limit {name!r}; one of {sorted(self.limits)}")
        period = self.limits[name][1] if period_seconds is None else period_seconds
        if limit < 0 or period <= 0:
            raise ValueError("limit must be >= 0 and period_seconds > 0")
        self.limits[name] = (limit, period)
        self._counts = {k: n for k, n in self._counts.items() if k[0] != name}

    def clear(self) -> None:
        self.limits = dict(DEFAULT_LIMITS)
        self._counts.clear()

    def take(self, charges: list[Charge]) -> list[State]:
        """Count the request in every window (Rack::Attack counts refused ones too); raise
        the 429 of the first window it overflows."""
        states = [self._count(charge) for charge in charges]
        for state in states:
            if state.used > state.limit:
                error = ApiError(429, TOO_MANY)
                error.headers.update(State(state.limit, state.limit, state.reset).headers())
                raise error
        return states

    def take_status(self, account_id: str) -> State:
        """RateLimiter#record!: refused (nothing counted) once the window is full."""
        state = self.peek(Charge(STATUSES, account_id))
        if state.used >= state.limit:
            error = ApiError(429, TOO_MANY)
            error.headers.update(State(state.limit, state.limit, state.reset).headers())
            raise error
        return self._count(Charge(STATUSES, account_id))

    def peek(self, charge: Charge) -> State:
        limit, period = self.limits[charge.name]
        bucket = int(self._clock() // period)
        used = self._counts.get((charge.name, charge.key, bucket), 0)
        return State(limit, used, (bucket + 1) * period)

    def _count(self, charge: Charge) -> State:
        limit, period = self.limits[charge.name]
        bucket = int(self._clock() // period)
        key = (charge.name, charge.key, bucket)
        self._counts[key] = self._counts.get(key, 0) + 1
        return State(limit, self._counts[key], (bucket + 1) * period)


def tightest(states: list[State]) -> dict[str, str]:
    """The headers of the window closest to being exhausted."""
    if not states:
        return {}
    return min(states, key=lambda s: (s.remaining, s.limit)).headers()
