"""Durable timers: due times in a Redis sorted set, claimed atomically by any number of workers.

A claim moves due members to an in-flight set whose score is a lease expiry, in one script, so
two workers never get the same member. A worker that finishes removes the member (and may plan
the next one) in one step; a worker that dies leaves it in flight, and once the lease runs out
the next claim hands it out again: a restart loses no timer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

import redis

from bot.store import keys

# KEYS: due, inflight. ARGV: now, lease expiry, max count.
# Expired leases first (their worker died), then what is due; each moves to in-flight. A due
# member that is also in flight (planned again while being fired) waits for that lease.
_CLAIM = """
local taken = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(expired) do
  redis.call('ZADD', KEYS[2], ARGV[2], member)
  taken[#taken + 1] = member
end
local room = tonumber(ARGV[3]) - #taken
if room > 0 then
  local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, room)
  for _, member in ipairs(due) do
    if redis.call('ZSCORE', KEYS[2], member) then
      redis.call('ZADD', KEYS[1], ARGV[2], member)
    else
      redis.call('ZREM', KEYS[1], member)
      redis.call('ZADD', KEYS[2], ARGV[2], member)
      taken[#taken + 1] = member
    end
  end
end
return taken
"""

# KEYS: due, inflight. ARGV: member, [next member, next due]. LT: a time planned meanwhile
# that is sooner (e.g. a rotation changed while its handoff was being fired) is kept.
_FINISH = """
local held = redis.call('ZREM', KEYS[2], ARGV[1])
if held == 1 and ARGV[2] then
  redis.call('ZADD', KEYS[1], 'LT', ARGV[3], ARGV[2])
end
return held
"""


class Timers:
    """Members are "<kind>:<id>[:<step>]"; what they mean is up to the code that fires them."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._claim = client.register_script(_CLAIM)
        self._finish = client.register_script(_FINISH)

    def schedule(self, member: str, due: float, pipe: redis.client.Pipeline | None = None) -> None:
        """Plan (or move) `member` to fire at `due`."""
        target: Any = pipe if pipe is not None else self.client
        target.zadd(keys.TIMERS, {member: due})

    def cancel(self, members: Iterable[str], pipe: redis.client.Pipeline | None = None) -> None:
        names = list(members)
        if not names:
            return
        target: Any = pipe if pipe is not None else self.client
        target.zrem(keys.TIMERS, *names)
        target.zrem(keys.TIMERS_INFLIGHT, *names)

    def claim(self, now: float, lease_seconds: float, limit: int = 100) -> list[str]:
        """Members due at `now` (and ones whose worker's lease ran out), now leased to us."""
        args: list[str | int] = [repr(now), repr(now + lease_seconds), limit]
        return [str(m) for m in cast(list[Any], self._claim(keys=_KEYS, args=args))]

    def finish(self, member: str, then: tuple[str, float] | None = None) -> bool:
        """Done with `member`; optionally plan `then` (member, due) in the same step. False when
        the member was no longer ours (cancelled meanwhile): nothing is planned then."""
        args: list[str] = [member, then[0], repr(then[1])] if then else [member]
        return bool(self._finish(keys=_KEYS, args=args))

    def retry(self, member: str, at: float) -> None:
        """Give a claimed member back, due again at `at` (e.g. Slack rate limited us)."""
        self.finish(member, (member, at))

    def due_at(self, member: str) -> float | None:
        score = self.client.zscore(keys.TIMERS, member)
        return None if score is None else float(score)

    def pending(self) -> int:
        return int(self.client.zcard(keys.TIMERS)) + int(self.client.zcard(keys.TIMERS_INFLIGHT))


_KEYS = [keys.TIMERS, keys.TIMERS_INFLIGHT]
