"""Spike figures in Redis: per-minute counts of each scope, its hourly history, its storm state.

Counting is one Lua step per ingested batch: a HyperLogLog of post ids per minute (a post
recorded twice counts once; 12 kB at most per minute, however big the flood), the words of
posts that were new to it, and a few recent post ids as samples. Minute keys live 3 hours; the
watcher folds finished hours into a per-scope hash of hourly counts kept for 8 weeks. Counts
are HyperLogLog estimates: exact for small numbers, within about 1% for large ones.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, cast

import redis

from bot.domain.mention import Mention
from bot.domain.spike import (
    HOUR,
    HOURS_PER_WEEK,
    WEEKS_KEPT,
    WINDOW_SECONDS,
    Owed,
    Phase,
    Sensitivity,
    StormState,
    history_hours,
    hour_index,
    post_words,
)
from bot.store import keys
from bot.store.lease import Lease

MINUTE_TTL_SECONDS = 4 * HOUR  # minute keys outlive the two hours (and more) a rollup reads
ROLLUP_HOURS = 2  # a rollup never reaches further back than this (the minute keys are gone)
ROLLUP_DELAY_SECONDS = 600  # an hour is folded 10 minutes after it ends: late polls land first
ACTIVE_SECONDS = 3 * HOUR  # a scope is checked while it recorded mentions this recently
KEEP_SECONDS = (WEEKS_KEPT + 1) * HOURS_PER_WEEK * HOUR  # history, meta and storm state
WORDS_PER_MINUTE = 200  # the most used words kept per minute
SAMPLES_KEPT = 20
MINUTE = 60

# KEYS: active, meta, samples, then per post its minute's HyperLogLog and words zset.
# ARGV: scope, now, minute ttl, words cap, samples cap, keep, then per post: id, created, n,
# n words. Posts made before the scope first recorded are a first poll's backlog, not a rate.
_RECORD = """
redis.call('HSETNX', KEYS[2], 'first', ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[6])
local first = tonumber(redis.call('HGET', KEYS[2], 'first'))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local at, counted, touched = 7, 0, {}
for i = 1, (#KEYS - 3) / 2 do
  local id, created, n = ARGV[at], tonumber(ARGV[at + 1]), tonumber(ARGV[at + 2])
  if created >= first then
    local hll, words = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
    if redis.call('PFADD', hll, id) == 1 then
      for w = 1, n do redis.call('ZINCRBY', words, 1, ARGV[at + 2 + w]) end
      touched[words] = true
    end
    redis.call('EXPIRE', hll, ARGV[3])
    redis.call('ZADD', KEYS[3], created, id)
    counted = counted + 1
  end
  at = at + 3 + n
end
for words in pairs(touched) do
  redis.call('ZREMRANGEBYRANK', words, 0, -(tonumber(ARGV[4]) + 1))
  redis.call('EXPIRE', words, ARGV[3])
end
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -(tonumber(ARGV[5]) + 1))
redis.call('EXPIRE', KEYS[3], ARGV[3])
return counted
"""

# KEYS: state. ARGV: version read, state JSON, owed, keep. 1 when written (nobody moved it since).
_SAVE = """
if (redis.call('HGET', KEYS[1], 'v') or '0') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1]) + 1, 'state', ARGV[2], 'owed', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
# KEYS: state. ARGV: the owed message delivered. Clears it unless something else is owed now.
_SETTLE = """
if redis.call('HGET', KEYS[1], 'owed') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'owed', '')
redis.call('HINCRBY', KEYS[1], 'v', 1)
return 1
"""


class SpikeCounter:
    """What ingest calls after each batch with the mentions that were new."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._record = client.register_script(_RECORD)

    def record(self, source: str, mentions: Sequence[Mention], now: float) -> int:
        """Count `mentions` for scope `source` in the minute each was made (never later than
        `now`); returns how many were counted. Posts too old to matter and DMs are left out."""
        oldest = now - ROLLUP_HOURS * HOUR
        posts = [m for m in mentions if not m.is_dm and m.created_at.timestamp() >= oldest]
        if not posts:
            return 0
        post_keys: list[str] = []
        post_args: list[str | int] = []
        for mention in posts:
            created = min(mention.created_at.timestamp(), now)
            minute = int(created // MINUTE)
            words = post_words(mention.text)
            post_keys += [keys.spike_minute(source, minute), keys.spike_words(source, minute)]
            post_args += [mention.post_id, f"{created:.3f}", len(words), *words]
        common = [keys.SPIKE_ACTIVE, keys.spike_meta(source), keys.spike_samples(source)]
        limits = [MINUTE_TTL_SECONDS, WORDS_PER_MINUTE, SAMPLES_KEPT, KEEP_SECONDS]
        counted = self._record(
            keys=[*common, *post_keys], args=[source, f"{now:.3f}", *limits, *post_args]
        )
        return int(counted)


def spike_sensitivity(client: redis.Redis, scope: str) -> Sensitivity:
    """How readily the scope alerts (normal unless someone chose otherwise)."""
    return spike_sensitivities(client, [scope])[scope]


def set_spike_sensitivity(client: redis.Redis, scope: str, sensitivity: Sensitivity) -> None:
    if sensitivity is Sensitivity.NORMAL:
        client.hdel(keys.SPIKE_SENSITIVITY, scope)
    else:
        client.hset(keys.SPIKE_SENSITIVITY, scope, sensitivity.value)


def spike_sensitivities(client: redis.Redis, scopes: Sequence[str]) -> dict[str, Sensitivity]:
    if not scopes:
        return {}
    raw = cast(list[str | None], client.hmget(keys.SPIKE_SENSITIVITY, list(scopes)))
    known = {s.value: s for s in Sensitivity}
    return {
        scope: known.get(value or "", Sensitivity.NORMAL)
        for scope, value in zip(scopes, raw, strict=True)
    }


def window(now: float) -> range:
    """The epoch minutes of the last 15 minutes (this minute included)."""
    last = int(now // MINUTE)
    return range(last - WINDOW_SECONDS // MINUTE + 1, last + 1)


class SpikeStore:
    """What the watcher reads and writes: active scopes, counts, history, storm states."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._save = client.register_script(_SAVE)
        self._settle = client.register_script(_SETTLE)

    def active_scopes(self, now: float) -> list[str]:
        """Scopes that recorded mentions lately (the others are forgotten by this set)."""
        with self.client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(keys.SPIKE_ACTIVE, "-inf", f"({now - ACTIVE_SECONDS:.3f}")
            pipe.zrange(keys.SPIKE_ACTIVE, 0, -1)
            _, scopes = pipe.execute()
        return sorted(str(scope) for scope in scopes)

    def readings(self, scopes: Sequence[str], now: float) -> dict[str, tuple[int, int, StormState]]:
        """Scope -> (mentions in the last 15 minutes, state version, state): one round trip."""
        with self.client.pipeline(transaction=False) as pipe:
            for scope in scopes:
                pipe.pfcount(*(keys.spike_minute(scope, minute) for minute in window(now)))
                pipe.hmget(keys.spike_state(scope), ["v", "state", "owed"])
            raw: list[Any] = pipe.execute()
        found = {}
        for index, scope in enumerate(scopes):
            version, state, owed = raw[2 * index + 1]
            found[scope] = (int(raw[2 * index]), int(version or 0), _state(state, owed))
        return found

    def history(self, scope: str, now: float) -> tuple[dict[int, int], int | None]:
        """The hourly counts the baseline reads, and the hour the scope first recorded in."""
        hours = history_hours(now)
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hmget(keys.spike_hours(scope), [str(hour) for hour in hours])
            pipe.hget(keys.spike_meta(scope), "first")
            counts, first = pipe.execute()
        found = {hour: int(count) for hour, count in zip(hours, counts, strict=True) if count}
        return found, hour_index(float(first)) if first else None

    def rollup(self, scopes: Sequence[str], now: float) -> None:
        """Fold each finished hour's minute counts into the scope's hourly history (writing the
        same figure twice is harmless, so workers may race), and drop hours past 8 weeks."""
        current = hour_index(now - ROLLUP_DELAY_SECONDS)
        with self.client.pipeline(transaction=False) as pipe:
            for scope in scopes:
                pipe.hmget(keys.spike_meta(scope), ["first", "rolled"])
            metas: list[Any] = pipe.execute()
        for scope, (first, rolled) in zip(scopes, metas, strict=True):
            if first is None:
                continue
            start = int(rolled) + 1 if rolled else hour_index(float(first))
            if start < current:
                self._fold(scope, range(max(start, current - ROLLUP_HOURS), current))

    def _fold(self, scope: str, hours: range) -> None:
        with self.client.pipeline(transaction=False) as pipe:
            for hour in hours:
                first_minute = hour * HOUR // MINUTE
                pipe.pfcount(*(keys.spike_minute(scope, first_minute + m) for m in range(60)))
            pipe.hkeys(keys.spike_hours(scope))
            *counts, stored = pipe.execute()
        stale = [h for h in stored if int(h) < hours.stop - WEEKS_KEPT * HOURS_PER_WEEK - 24]
        with self.client.pipeline(transaction=False) as pipe:
            filled: dict[Any, Any] = {h: c for h, c in zip(hours, counts, strict=True) if c}
            if filled:
                pipe.hset(keys.spike_hours(scope), mapping=filled)
            if stale:
                pipe.hdel(keys.spike_hours(scope), *stale)
            pipe.expire(keys.spike_hours(scope), KEEP_SECONDS)
            pipe.hset(keys.spike_meta(scope), "rolled", hours.stop - 1)
            pipe.execute()

    def word_scores(self, scope: str, now: float, limit: int = 20) -> list[tuple[str, float]]:
        """The most used words of the scope's last 15 minutes."""
        minutes = [keys.spike_words(scope, minute) for minute in window(now)]
        merged = self.client.zunion(minutes, withscores=True)
        ranked = sorted(cast(list[tuple[str, float]], merged), key=lambda pair: -pair[1])
        return ranked[:limit]

    def samples(self, scope: str, now: float, count: int = 3) -> list[str]:
        """The most recent post ids of the scope's last 15 minutes."""
        found = self.client.zrevrangebyscore(
            keys.spike_samples(scope), "+inf", now - WINDOW_SECONDS, start=0, num=count
        )
        return [str(post_id) for post_id in cast(list[str], found)]

    # -- storm state and its messages ------------------------------------------------------

    def save_state(self, scope: str, version: int, state: StormState) -> bool:
        """Write `state` if the stored one is still at `version`: of several workers that
        decided from the same state, exactly one moves it."""
        body = {name: value for name, value in asdict(state).items() if name != "owed"}
        owed = f"{state.owed.value}:{state.storm}" if state.owed is not Owed.NOTHING else ""
        payload = json.dumps(body, separators=(",", ":"))
        args: list[str | int] = [version, payload, owed, KEEP_SECONDS]
        return bool(self._save(keys=[keys.spike_state(scope)], args=args))

    def settle(self, scope: str, state: StormState) -> None:
        """The owed message of `state` went out everywhere: owe nothing more."""
        owed = f"{state.owed.value}:{state.storm}"
        self._settle(keys=[keys.spike_state(scope)], args=[owed])

    def claim_message(self, key: str, token: str, lease_seconds: float) -> str:
        """ "claimed" (ours to send), "done" (sent already) or "busy" (someone is sending)."""
        if self.client.set(key, token, nx=True, px=int(lease_seconds * 1000)):
            return "claimed"
        return "done" if self.client.get(key) == "done" else "busy"

    def message_done(self, key: str, keep_seconds: int) -> None:
        self.client.set(key, "done", ex=keep_seconds)

    def message_failed(self, key: str, token: str) -> None:
        """Let go of a message claim that is still ours (its post failed): a lease's release."""
        Lease(self.client, key, token, ttl_ms=0).release()

    def message_sent(self, key: str) -> bool:
        return self.client.get(key) == "done"


def _state(raw: str | None, owed: str | None) -> StormState:
    if not raw:
        return StormState()
    data: dict[str, Any] = json.loads(raw)
    kind, _, storm = (owed or "").partition(":")
    storm_id = int(data.get("storm", 0))
    return StormState(
        phase=Phase(data.get("phase", Phase.QUIET.value)),
        storm=storm_id,
        started_at=float(data.get("started_at", 0.0)),
        peak=int(data.get("peak", 0)),
        calm_since=_maybe_float(data.get("calm_since")),
        ended_at=_maybe_float(data.get("ended_at")),
        last_peak=int(data.get("last_peak", 0)),
        announced=bool(data.get("announced", False)),
        owed=Owed(kind) if kind and storm == str(storm_id) else Owed.NOTHING,
    )


def _maybe_float(value: object) -> float | None:
    return float(str(value)) if value is not None else None
