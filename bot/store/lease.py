"""Leases in Redis: only one worker polls a source, and a dead worker's locks can be taken over."""

from __future__ import annotations

import redis

from bot.store import keys

# Renew only if we still hold it: a lease that expired and was taken stays with its new owner.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# Take the lock if free, or if its owner's liveness key is gone (the owner died mid-item).
_TAKE_FROM_DEAD = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if owner and redis.call('EXISTS', ARGV[3] .. owner) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Lease:
    """A named lease held by `owner` for `ttl_ms`; acquire() also renews one we already hold."""

    def __init__(self, client: redis.Redis, key: str, owner: str, ttl_ms: int) -> None:
        self.client, self.key, self.owner, self.ttl_ms = client, key, owner, ttl_ms

    def acquire(self) -> bool:
        if self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms):
            return True
        return bool(self.client.eval(_RENEW, 1, self.key, self.owner, self.ttl_ms))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.owner)


def take_item_lock(client: redis.Redis, post_id: str, consumer: str, ttl_ms: int) -> bool:
    """Lock one item for delivery; a lock whose owner no longer heartbeats is taken over."""
    alive_prefix = keys.worker_alive("")
    return bool(
        client.eval(_TAKE_FROM_DEAD, 1, keys.delivery_lock(post_id), consumer, ttl_ms, alive_prefix)
    )


def release_item_lock(client: redis.Redis, post_id: str, consumer: str) -> None:
    client.eval(_RELEASE, 1, keys.delivery_lock(post_id), consumer)
