"""When each source last polled successfully, and the open "mentions may be missing" alert.

Opening and closing an alert are single atomic steps, so with any number of workers watching,
each outage is announced once and its recovery once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import redis

from bot.domain.track_rule import TRACK_PREFIX
from bot.store import keys

RECORD_TTL_SECONDS = 30 * 86_400

# KEYS: alert, open set. ARGV: alert JSON, source. Opens the alert unless one is open; 1 when we
# opened it. The set lets a watcher find alerts of sources that are no longer watched.
_OPEN = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('SADD', KEYS[2], ARGV[2])
return 1
"""
# KEYS: alert, open set. ARGV: source. Closes the alert and returns what it said (nil when none).
_CLOSE = """
local alert = redis.call('GET', KEYS[1])
if alert then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], ARGV[1])
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


@dataclass(frozen=True, slots=True)
class PollRecord:
    at: float  # the last successful poll
    interval: float | None  # how long the poller meant to wait before the next one


def record_successful_poll(
    client: redis.Redis, source: str, at: float, interval: float | None = None
) -> None:
    record_successful_polls(client, {source: (at, interval)})


def record_successful_polls(
    client: redis.Redis, polls: dict[str, tuple[float, float | None]]
) -> None:
    """One round trip for a whole round of /track polls. A rule's record expires, so a removed
    rule's goes by itself (a live rule writes it far more often; one that fails that long is
    measured from when it became active instead)."""
    if not polls:
        return
    with client.pipeline(transaction=False) as pipe:
        for source, (at, interval) in polls.items():
            value = repr(at) if interval is None else f"{at!r} {interval!r}"
            keep = max(RECORD_TTL_SECONDS, int((interval or 0) * 10))
            expiring = source.startswith(TRACK_PREFIX)
            pipe.set(keys.last_poll(source), value, ex=keep if expiring else None)
        pipe.execute()


def poll_records(client: redis.Redis, sources: list[str]) -> dict[str, PollRecord]:
    if not sources:
        return {}
    values = client.mget([keys.last_poll(source) for source in sources])
    found = {}
    for source, raw in zip(sources, values, strict=True):
        if raw:
            at, _, interval = str(raw).partition(" ")
            found[source] = PollRecord(float(at), float(interval) if interval else None)
    return found


def last_successful_poll(client: redis.Redis, source: str) -> float | None:
    record = poll_records(client, [source]).get(source)
    return record.at if record else None


def open_alert(client: redis.Redis, source: str, alert: SourceAlert) -> bool:
    """Record the alert; True only for the one caller that opened it."""
    alert_keys = (keys.source_alert(source), keys.SOURCE_ALERTS)
    return bool(client.eval(_OPEN, 2, *alert_keys, alert.to_json(), source))


def close_alert(client: redis.Redis, source: str) -> SourceAlert | None:
    """Close the open alert; only the one caller that closed it gets it back."""
    raw = client.eval(_CLOSE, 2, keys.source_alert(source), keys.SOURCE_ALERTS, source)
    return SourceAlert.from_json(str(raw)) if raw else None


def open_alert_sources(client: redis.Redis) -> set[str]:
    return {str(source) for source in client.smembers(keys.SOURCE_ALERTS)}


def current_alert(client: redis.Redis, source: str) -> SourceAlert | None:
    raw = client.get(keys.source_alert(source))
    return SourceAlert.from_json(str(raw)) if raw else None
