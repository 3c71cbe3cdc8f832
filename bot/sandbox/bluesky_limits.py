"""Rate limits of the Bluesky fake (contracts/bluesky/docs/bsky-docs__advanced-guides-rate-limits
.md; KEY-FACTS "Rate limits"; src: packages/xrpc-server/src/rate-limiter-http.ts).

Named limits, each with one or more fixed windows:
  "global"                           3000 requests per 5 minutes per IP, every XRPC method
  "com.atproto.server.createSession" 30 per 5 minutes and 300 per day, per identifier
  "writes"                           record-write points per DID: 5000 per hour and 35000 per
                                     day; createRecord costs 3, deleteRecord 1 (an update, 2, is
                                     a method the fake does not serve)
  any other NSID                     none, until a test sets one (per DID, or per IP)

Every response shows the window nearest its end in `RateLimit-Limit`, `-Remaining`, `-Reset`
(epoch seconds) and `-Policy` ("<limit>;w=<seconds>"). A request that a window cannot afford is
refused with 429 RateLimitExceeded and `Retry-After` (seconds), and counted in no window.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from bot.sandbox.bluesky_rules import XrpcError

GLOBAL = "global"
WRITES = "writes"
CREATE_SESSION = "com.atproto.server.createSession"
DAY = 86400.0
WRITE_POINTS = {"com.atproto.repo.createRecord": 3, "com.atproto.repo.deleteRecord": 1}
DEFAULT_LIMITS: dict[str, tuple[tuple[int, float], ...]] = {
    GLOBAL: ((3000, 300.0),),
    CREATE_SESSION: ((30, 300.0), (300, DAY)),
    WRITES: ((5000, 3600.0), (35000, DAY)),
}


@dataclass(frozen=True)
class Charge:
    """What one request costs one named limit, for one key (an IP, a DID, an identifier)."""

    name: str
    key: str
    points: int = 1


@dataclass
class _Window:
    limit: int
    span: float
    started: float
    used: int = 0

    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class RateLimits:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.limits: dict[str, tuple[tuple[int, float], ...]] = dict(DEFAULT_LIMITS)
        self._windows: dict[tuple[str, str, float], _Window] = {}

    def set(self, name: str, limit: int, window_seconds: float) -> None:
        """Replace every window of `name` with this one (and start it afresh)."""
        if limit < 0 or window_seconds <= 0:
            raise ValueError("limit must be >= 0 and window_seconds > 0")
        self.limits[name] = ((limit, window_seconds),)
        self._windows = {k: w for k, w in self._windows.items() if k[0] != name}

    def clear(self) -> None:
        self.limits = dict(DEFAULT_LIMITS)
        self._windows.clear()

    def charges(self, nsid: str, caller: str | None, identifier: str | None) -> list[Charge]:
        """The limits a call of `nsid` counts in; `caller` is the DID of its access token."""
        found = [Charge(GLOBAL, "ip")]
        if nsid == CREATE_SESSION:
            found.append(Charge(nsid, (identifier or "").lower()))
        elif nsid in self.limits and nsid != GLOBAL:
            found.append(Charge(nsid, caller or "ip"))
        if nsid in WRITE_POINTS and caller is not None:
            found.append(Charge(WRITES, caller, WRITE_POINTS[nsid]))
        return found

    def take(self, charges: list[Charge]) -> None:
        """Count the call in every window, or raise the 429 of the first that cannot afford it."""
        counted = [(charge, window) for charge in charges for window in self._of(charge)]
        for charge, window in counted:
            if window.used + charge.points > window.limit:
                error = XrpcError(429)
                retry = max(math.ceil(window.started + window.span - self._clock()), 1)
                error.headers.update({**_headers(window), "Retry-After": str(retry)})
                raise error
        for charge, window in counted:
            window.used += charge.points

    def headers(self, charges: list[Charge]) -> dict[str, str]:
        """The RateLimit-* headers of the tightest window (fewest left, then smallest)."""
        windows = [window for charge in charges for window in self._of(charge)]
        if not windows:
            return {}
        return _headers(min(windows, key=lambda w: (w.remaining(), w.limit)))

    def _of(self, charge: Charge) -> list[_Window]:
        now = self._clock()
        found = []
        for limit, span in self.limits.get(charge.name, ()):
            key = (charge.name, charge.key, span)
            window = self._windows.get(key)
            if window is None or now >= window.started + window.span:
                window = self._windows[key] = _Window(limit, span, now)
            found.append(window)
        return found


def _headers(window: _Window) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(window.limit),
        "RateLimit-Remaining": str(window.remaining()),
        "RateLimit-Reset": str(math.ceil(window.started + window.span)),
        "RateLimit-Policy": f"{window.limit};w={int(window.span)}",
    }
