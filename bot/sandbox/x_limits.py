"""Rate-limit windows of the X fake (limits from x_rules, after contracts/x/docs/rate-limits.mdx).

Every endpoint counts a 15-minute window per principal (the app's Bearer token, or one user
token), shown in `x-rate-limit-limit`, `-remaining` and `-reset` (Unix seconds). An endpoint of
DAILY_LIMITS also counts 24-hour windows, one per user and one for the app (all its users
together), shown as X shows them on its 24-hour-capped endpoints (the headers are not in the
contract docs; client libraries such as node-twitter-api-v2 read them):
`x-user-limit-24hour-limit`, `-remaining`, `-reset` and `x-app-limit-24hour-limit`,
`-remaining`, `-reset`. A request that any window refuses is answered 429 and counted in none,
so when a 24-hour cap refuses, `x-rate-limit-remaining` may still be above 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.x_rules import DAILY_LIMITS, DAY_SECONDS, RATE_LIMITS, WINDOW_SECONDS

_DAILY = "24h:"  # key prefix of the 24-hour windows ("24h:app" is the app's)


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass(frozen=True)
class _Counted:
    prefix: str  # of the three headers that show the window
    limit: int
    span: float
    window: _Window


class RateLimits:
    """The windows of every (endpoint, principal), with limits from RATE_LIMITS and DAILY_LIMITS
    or the overrides tests set."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._windows: dict[tuple[str, str], _Window] = {}
        self.overrides: dict[str, tuple[int, float]] = {}
        self.daily_overrides: dict[str, tuple[int | None, int | None]] = {}  # (app, user)

    def needs_user(self, endpoint: str) -> bool:
        return RATE_LIMITS[endpoint][0] is None

    def set_limit(self, endpoint: str, limit: int, window: float = WINDOW_SECONDS) -> None:
        """Replace the 15-minute window of `endpoint` (its 24-hour windows stay as they are)."""
        if endpoint not in RATE_LIMITS:
            raise ValueError(f"unknown endpoint {endpoint!r}; known: {sorted(RATE_LIMITS)}")
        self.overrides[endpoint] = (limit, window)
        self._drop(endpoint, daily=False)

    def set_daily_limit(
        self, endpoint: str, *, user: int | None = None, app: int | None = None
    ) -> None:
        """Replace the 24-hour cap per user and/or per app (None: as documented) and reopen them."""
        if endpoint not in DAILY_LIMITS:
            raise ValueError(f"no 24-hour cap on {endpoint!r}; capped: {sorted(DAILY_LIMITS)}")
        documented_app, documented_user = DAILY_LIMITS[endpoint]
        self.daily_overrides[endpoint] = (
            documented_app if app is None else app,
            documented_user if user is None else user,
        )
        self._drop(endpoint, daily=True)

    def clear(self) -> None:
        self._windows.clear()
        self.overrides.clear()
        self.daily_overrides.clear()

    def take(self, endpoint: str, principal: str, app_only: bool) -> bool:
        """Count one request in every window of the endpoint; False (count nothing) when one of
        them is used up: the caller answers 429."""
        counted = self._counted(endpoint, principal, app_only)
        if any(c.window.used >= c.limit for c in counted):
            return False
        for c in counted:
            c.window.used += 1
        return True

    def headers(self, endpoint: str, principal: str, app_only: bool) -> dict[str, str]:
        headers: dict[str, str] = {}
        for c in self._counted(endpoint, principal, app_only):
            headers[f"{c.prefix}-limit"] = str(c.limit)
            headers[f"{c.prefix}-remaining"] = str(max(c.limit - c.window.used, 0))
            headers[f"{c.prefix}-reset"] = str(math.ceil(c.window.started + c.span))
        return headers

    def _counted(self, endpoint: str, principal: str, app_only: bool) -> list[_Counted]:
        limit, span = self._limit(endpoint, app_only)
        counted = [_Counted("x-rate-limit", limit, span, self._window(endpoint, principal, span))]
        app, user = self.daily_overrides.get(endpoint, DAILY_LIMITS.get(endpoint, (None, None)))
        if user is not None and not app_only:
            key = _DAILY + principal
            window = self._window(endpoint, key, DAY_SECONDS)
            counted.append(_Counted("x-user-limit-24hour", user, DAY_SECONDS, window))
        if app is not None:
            window = self._window(endpoint, _DAILY + "app", DAY_SECONDS)
            counted.append(_Counted("x-app-limit-24hour", app, DAY_SECONDS, window))
        return counted

    def _limit(self, endpoint: str, app_only: bool) -> tuple[int, float]:
        if endpoint in self.overrides:
            return self.overrides[endpoint]
        per_app, per_user = RATE_LIMITS[endpoint]
        return (per_app if app_only and per_app is not None else per_user), WINDOW_SECONDS

    def _window(self, endpoint: str, key: str, span: float) -> _Window:
        now = self._clock()
        window = self._windows.get((endpoint, key))
        if window is None or now >= window.started + span:
            window = self._windows[(endpoint, key)] = _Window(now)
        return window

    def _drop(self, endpoint: str, *, daily: bool) -> None:
        for key in [k for k in self._windows if k[0] == endpoint]:
            if key[1].startswith(_DAILY) == daily:
                del self._windows[key]
