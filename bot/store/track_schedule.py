"""The /track poll schedule in Redis: which rules are due, claims (a lease per rule), what each
poll did (matches, estimate, status), and X's shared search hold.

A poller finishing late never revives a rule someone paused or removed meanwhile: every write
checks the rule is still there and still scheduled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis

from bot.domain.track_cost import MAX_WINDOW_SECONDS, monthly_cost, posts_per_day
from bot.domain.track_rule import TrackRule
from bot.store import keys
from bot.store.tracks import redis_number, rule_from_hash

POLL_FIELDS = (
    "id",
    "query",
    "include_retweets",
    "include_own",
    "status",
    "active_since",
    "failures",
    "quiet_rounds",
    "created_at",
)
MAX_HITS_KEPT = 200_000  # matches kept per rule; a firehose is paused by the budget long before

# KEYS: due; ARGV: now, limit, claimed_until. Claiming moves a rule's due time forward, so
# another worker does not poll it meanwhile; if this worker dies, the rule falls due again.
_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do redis.call('ZADD', KEYS[1], ARGV[3], id) end
return ids
"""

# KEYS: rule, due, hits; ARGV: id, now, next_at, count, quiet_rounds, window_start,
# dollars_per_match. The estimate is what the rule matched in its window, priced for a month.
_POLLED = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
local matched = redis.call('ZCOUNT', KEYS[3], ARGV[6], '+inf')
redis.call('HSET', KEYS[1], 'last_poll_at', ARGV[2], 'last_count', ARGV[4],
  'quiet_rounds', ARGV[5], 'failures', '0',
  'monthly_estimate', string.format('%.6f', matched * tonumber(ARGV[7])))
redis.call('HINCRBY', KEYS[1], 'posts_total', ARGV[4])
if status == 'erroring' then redis.call('HSET', KEYS[1], 'status', 'active') end
if status ~= 'paused' then redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1]) end
return 1
"""

# KEYS: rule, due; ARGV: id, now, next_at, error, erroring_now ("1"/"0")
_FAILED = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
redis.call('HSET', KEYS[1], 'last_error', ARGV[4], 'last_error_at', ARGV[2])
if status == 'active' and (ARGV[5] == '1' or failures >= 2) then
  redis.call('HSET', KEYS[1], 'status', 'erroring')
end
if status ~= 'paused' then redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1]) end
return failures
"""


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """What one poll of one rule did, for the schedule and the rule's own record."""

    rule_id: str
    next_at: float
    active_since: float = 0.0
    post_ids: tuple[str, ...] = ()  # what it matched (every one a billed read)
    quiet_rounds: int = 0
    error: str | None = None
    erroring_now: bool = False
    deferred: bool = False  # not polled (X said wait): only the schedule moves


class TrackSchedule:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._claim = client.register_script(_CLAIM)
        self._polled = client.register_script(_POLLED)
        self._failed = client.register_script(_FAILED)

    def for_polling(self, rule_ids: Sequence[str]) -> dict[str, TrackRule]:
        """The rules as a poll needs them (query, opt-outs, window, counters): fewer fields
        read than get_many, which matters when hundreds are polled a round."""
        with self.client.pipeline(transaction=False) as pipe:
            for rule_id in rule_ids:
                pipe.hmget(keys.track_rule(rule_id), POLL_FIELDS)
            rows: list[Any] = pipe.execute()
        found = (rule_from_hash(_present(row)) for row in rows)
        return {rule.id: rule for rule in found if rule is not None}

    def claim_due(self, now: float, limit: int, hold_seconds: float) -> list[str]:
        ids = self._claim(
            keys=[keys.TRACK_DUE], args=[redis_number(now), limit, redis_number(now + hold_seconds)]
        )
        return [str(rule_id) for rule_id in ids]

    def next_due(self) -> float | None:
        first: list[tuple[str, float]] = cast(
            list[tuple[str, float]], self.client.zrange(keys.TRACK_DUE, 0, 0, withscores=True)
        )
        return float(first[0][1]) if first else None

    def active_count(self) -> int:
        return int(self.client.zcard(keys.TRACK_DUE))

    def record(self, outcomes: Sequence[PollOutcome], now: float) -> None:
        """Write what a round of polls did (matches, estimate, schedule, status): one round
        trip for the whole batch."""
        with self.client.pipeline(transaction=False) as pipe:
            for out in outcomes:
                self._record_one(pipe, out, now)
            pipe.execute()

    def _record_one(self, pipe: redis.client.Pipeline, out: PollOutcome, now: float) -> None:
        rule_keys = [keys.track_rule(out.rule_id), keys.TRACK_DUE]
        if out.deferred:
            pipe.zadd(keys.TRACK_DUE, {out.rule_id: out.next_at}, xx=True)
        elif out.error is None:
            hits = keys.track_hits(out.rule_id)
            if out.post_ids:
                pipe.zadd(hits, dict.fromkeys(out.post_ids, now), nx=True)
                pipe.zremrangebyscore(hits, "-inf", now - MAX_WINDOW_SECONDS)
                pipe.zremrangebyrank(hits, 0, -(MAX_HITS_KEPT + 1))
                pipe.expire(hits, int(MAX_WINDOW_SECONDS) + 86_400)  # a removed rule's go too
            window_start = max(now - MAX_WINDOW_SECONDS, out.active_since)
            per_match = monthly_cost(posts_per_day(1, now - out.active_since))
            args: list[str | int] = [out.rule_id, redis_number(now), redis_number(out.next_at)]
            args += [
                len(out.post_ids),
                out.quiet_rounds,
                redis_number(window_start),
                f"{per_match:.9f}",
            ]
            self._polled(keys=[*rule_keys, hits], args=args, client=pipe)
        else:
            args = [
                out.rule_id,
                redis_number(now),
                redis_number(out.next_at),
                out.error[:500],
                "1" if out.erroring_now else "0",
            ]
            self._failed(keys=rule_keys, args=args, client=pipe)

    def forget_due(self, rule_ids: Iterable[str]) -> None:
        """Drop schedule entries whose rule no longer exists."""
        ids = list(rule_ids)
        if ids:
            self.client.zrem(keys.TRACK_DUE, *ids)

    def checkpoints(self, rule_ids: Sequence[str]) -> dict[str, str | None]:
        values = self.client.mget([keys.checkpoint(f"track:{rule_id}") for rule_id in rule_ids])
        return {
            rule_id: (str(v) if v else None) for rule_id, v in zip(rule_ids, values, strict=True)
        }

    # -- search rate limit, shared by every worker ----------------------------------------

    def hold_until(self, until: float) -> None:
        self.client.set(keys.TRACK_HOLD, redis_number(until), pxat=int(until * 1000) + 1)

    def held_until(self) -> float | None:
        value = self.client.get(keys.TRACK_HOLD)
        return float(str(value)) if value else None


def _present(row: Sequence[str | None]) -> dict[str, str]:
    return {name: value for name, value in zip(POLL_FIELDS, row, strict=True) if value is not None}
