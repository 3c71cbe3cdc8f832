"""/track rules in Redis: create (no duplicates), read, pause/resume/remove, and the poll schedule.

Every change is one Lua step, so a rule is never half-written, a bad command never touches one,
and a poller finishing late never revives a rule someone paused or removed meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, cast

import redis
import structlog

from bot.domain.track_rule import Priority, RuleStatus, TrackRule
from bot.store import keys

log = structlog.get_logger()


# KEYS: rule, ids, signatures, due; ARGV: id, signature, number, due_at, field, value, ...
_CREATE = """
local existing = redis.call('HGET', KEYS[3], ARGV[2])
if existing and redis.call('ZSCORE', KEYS[2], existing) then return existing end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
return ''
"""

# KEYS: rule, ids, signatures, due, hits, checkpoint; ARGV: id
_REMOVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local fields = redis.call('HGETALL', KEYS[1])
local signature = redis.call('HGET', KEYS[1], 'signature')
if signature and redis.call('HGET', KEYS[3], signature) == ARGV[1] then
  redis.call('HDEL', KEYS[3], signature)
end
redis.call('DEL', KEYS[1], KEYS[5], KEYS[6])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return fields
"""

# KEYS: rule, due; ARGV: id, reason. Returns the status before, nil if there is no such rule.
_PAUSE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return nil end
if status ~= 'paused' then
  redis.call('HSET', KEYS[1], 'status', 'paused', 'status_reason', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[1])
end
return status
"""

# KEYS: rule, due, checkpoint; ARGV: id, now. A resumed rule starts at "now": what was said
# while it was paused is not read (that is what pausing for the budget is for).
_RESUME = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return nil end
if status == 'paused' then
  redis.call('HSET', KEYS[1], 'status', 'active', 'status_reason', '', 'active_since', ARGV[2],
    'failures', '0', 'quiet_rounds', '0', 'last_count', '0')
  redis.call('DEL', KEYS[3])
  redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
end
return status
"""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """The query is already tracked by `existing`."""

    existing: TrackRule | None
    rule_id: str


class TrackStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._create = client.register_script(_CREATE)
        self._remove = client.register_script(_REMOVE)
        self._pause = client.register_script(_PAUSE)
        self._resume = client.register_script(_RESUME)

    # -- rules ------------------------------------------------------------------------

    def add(self, rule: TrackRule, signature: str) -> TrackRule | Duplicate:
        """Store a new rule under a fresh id (the one in `rule` is replaced), or say which rule
        already tracks the same query."""
        number = int(self.client.incr(keys.TRACK_SEQ))
        stored = _with_id(rule, f"t{number}")
        fields = [item for pair in _to_hash(stored, signature).items() for item in pair]
        existing = str(
            self._create(
                keys=[
                    keys.track_rule(stored.id),
                    keys.TRACK_IDS,
                    keys.TRACK_SIGNATURES,
                    keys.TRACK_DUE,
                ],
                args=[stored.id, signature, number, redis_number(rule.created_at), *fields],
            )
        )
        if existing:
            return Duplicate(self.get(existing), existing)
        log.info("track_rule_added", rule=stored.id, by=rule.created_by)
        return stored

    def get(self, rule_id: str) -> TrackRule | None:
        return rule_from_hash(cast(dict[str, str], self.client.hgetall(keys.track_rule(rule_id))))

    def get_many(self, rule_ids: Iterable[str]) -> dict[str, TrackRule]:
        ids = list(rule_ids)
        with self.client.pipeline(transaction=False) as pipe:
            for rule_id in ids:
                pipe.hgetall(keys.track_rule(rule_id))
            raw: list[Any] = pipe.execute()
        rules = (rule_from_hash(fields) for fields in raw)
        return {rule.id: rule for rule in rules if rule is not None}

    def all(self) -> list[TrackRule]:
        """Every rule, oldest first."""
        ids = cast(list[str], self.client.zrange(keys.TRACK_IDS, 0, -1))
        found = self.get_many(ids)
        return [found[rule_id] for rule_id in ids if rule_id in found]

    def remove(self, rule_id: str) -> TrackRule | None:
        raw = self._remove(
            keys=[
                keys.track_rule(rule_id),
                keys.TRACK_IDS,
                keys.TRACK_SIGNATURES,
                keys.TRACK_DUE,
                keys.track_hits(rule_id),
                keys.checkpoint(f"track:{rule_id}"),
            ],
            args=[rule_id],
        )
        if not raw:
            return None
        pairs = [str(item) for item in raw]
        return rule_from_hash(dict(zip(pairs[::2], pairs[1::2], strict=True)))

    def pause(self, rule_id: str, reason: str) -> RuleStatus | None:
        """Pause; returns the status it had (None: no such rule)."""
        before = self._pause(
            keys=[keys.track_rule(rule_id), keys.TRACK_DUE], args=[rule_id, reason]
        )
        return RuleStatus(str(before)) if before else None

    def resume(self, rule_id: str, now: float) -> RuleStatus | None:
        before = self._resume(
            keys=[keys.track_rule(rule_id), keys.TRACK_DUE, keys.checkpoint(f"track:{rule_id}")],
            args=[rule_id, redis_number(now)],
        )
        return RuleStatus(str(before)) if before else None


def redis_number(value: float) -> str:
    return f"{value:.3f}"


def _with_id(rule: TrackRule, rule_id: str) -> TrackRule:
    return replace(rule, id=rule_id, active_since=rule.active_since or rule.created_at)


def _to_hash(rule: TrackRule, signature: str) -> dict[str, str]:
    return {
        "id": rule.id,
        "query": rule.query,
        "created_by": rule.created_by,
        "created_at": redis_number(rule.created_at),
        "channel": rule.channel or "",
        "priority": rule.priority.value,
        "name": rule.name or "",
        "include_retweets": "1" if rule.include_retweets else "0",
        "include_own": "1" if rule.include_own else "0",
        "status": rule.status.value,
        "status_reason": rule.status_reason or "",
        "active_since": redis_number(rule.active_since),
        "signature": signature,
        "posts_total": "0",
        "monthly_estimate": "0",
        "failures": "0",
        "quiet_rounds": "0",
        "last_count": "0",
    }


def rule_from_hash(fields: Mapping[str, str]) -> TrackRule | None:
    """A stored rule; None for an absent or unreadable one (logged, never raised)."""
    if not fields:
        return None
    try:
        return TrackRule(
            id=fields["id"],
            query=fields["query"],
            created_by=fields.get("created_by", ""),
            created_at=float(fields.get("created_at") or 0),
            channel=fields.get("channel") or None,
            priority=Priority(fields.get("priority") or "normal"),
            name=fields.get("name") or None,
            include_retweets=fields.get("include_retweets") == "1",
            include_own=fields.get("include_own") == "1",
            status=RuleStatus(fields.get("status") or "active"),
            status_reason=fields.get("status_reason") or None,
            last_error=fields.get("last_error") or None,
            last_error_at=_float_or_none(fields.get("last_error_at")),
            last_poll_at=_float_or_none(fields.get("last_poll_at")),
            active_since=float(fields.get("active_since") or 0),
            posts_total=int(fields.get("posts_total") or 0),
            monthly_estimate=float(fields.get("monthly_estimate") or 0),
            failures=int(fields.get("failures") or 0),
            quiet_rounds=int(fields.get("quiet_rounds") or 0),
            last_count=int(fields.get("last_count") or 0),
        )
    except (KeyError, ValueError) as error:
        log.error("track_rule_unreadable", rule=fields.get("id"), error=repr(error))
        return None


def _float_or_none(value: str | None) -> float | None:
    return float(value) if value else None
