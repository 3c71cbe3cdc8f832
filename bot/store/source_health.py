"""When each source last polled successfully, and the open "mentions may be missing" alert.

Opening and closing an alert are single atomic steps, so with any number of workers watching,
each outage is announced once and its recovery once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from bot.store import keys

# KEYS: alert. ARGV: alert JSON. Opens the alert unless one is open; 1 when we opened it.
_OPEN = "return redis.call('SET', KEYS[1], ARGV[1], 'NX') and 1 or 0"
# KEYS: alert. Closes the alert and returns what it said (nil when none was open).
_CLOSE = """
local alert = redis.call('GET', KEYS[1])
if alert then redis.call('DEL', KEYS[1]) end
return alert
"""


@dataclass(frozen=True, slots=True)
class SourceAlert:
    since: float  # when mentions may have started to go missing
    reason: str
    ingested_before: int  # the mentions_ingested counter when the alert opened

    def to_json(self) -> str:
        return json.dumps(
            {"since": self.since, "reason": self.reason, "ingested": self.ingested_before}
        )

    @classmethod
    def from_json(cls, raw: str) -> SourceAlert:
        data: dict[str, Any] = json.loads(raw)
        return cls(float(data["since"]), str(data["reason"]), int(data["ingested"]))


def record_successful_poll(client: redis.Redis, source: str, at: float) -> None:
    client.set(keys.last_poll(source), repr(at))


def last_successful_poll(client: redis.Redis, source: str) -> float | None:
    raw = client.get(keys.last_poll(source))
    return float(str(raw)) if raw else None


def open_alert(client: redis.Redis, source: str, alert: SourceAlert) -> bool:
    """Record the alert; True only for the one caller that opened it."""
    return bool(client.eval(_OPEN, 1, keys.source_alert(source), alert.to_json()))


def close_alert(client: redis.Redis, source: str) -> SourceAlert | None:
    """Close the open alert; only the one caller that closed it gets it back."""
    raw = client.eval(_CLOSE, 1, keys.source_alert(source))
    return SourceAlert.from_json(str(raw)) if raw else None


def current_alert(client: redis.Redis, source: str) -> SourceAlert | None:
    raw = client.get(keys.source_alert(source))
    return SourceAlert.from_json(str(raw)) if raw else None
