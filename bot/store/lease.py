"""Leases in Redis: only one worker polls a source, and a dead worker's locks can be taken over."""

from __future__ import annotations

import threading

import redis

from bot.store import keys

# Renew only if we still hold it: a lease that expired and was taken stays with its new owner.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""

# KEYS: lock, fence counter. ARGV: consumer, ttl_ms, alive-key prefix. Takes the lock if free, if
# an earlier lock of ours was left behind, or if its owner's liveness key is gone (it died
# mid-item). The value is "consumer|token": the token fences out every earlier holder.
_TAKE = """
local owner = redis.call('GET', KEYS[1])
if owner then
  local holder = string.match(owner, '^(.*)|%d+$') or owner
  if holder ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. holder) == 1 then return nil end
end
local value = ARGV[1] .. '|' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return value
"""

# KEYS: lock, intent. ARGV: value, ttl_ms, intent ttl (s), field, value, ... The fence before a
# post: only the holder of this very lock writes the intent, and its lock is renewed with it.
_FENCED_HSET = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
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


class LockLost(Exception):
    """Another worker holds the item now (ours expired): it must not be posted or recorded."""


class ItemLock:
    """The delivery lock of one post, fenced: every take gets a new token, and each step that
    must not happen twice (the intent before chat.postMessage, the case record) first checks,
    atomically, that the lock still carries our token. A thread renews it while we wait on
    Slack (pacing, 429 Retry-After), so a slow Slack never lets a second worker in."""

    def __init__(self, client: redis.Redis, post_id: str, consumer: str, ttl_ms: int) -> None:
        self.client, self.consumer, self.ttl_ms = client, consumer, ttl_ms
        self.key = keys.delivery_lock(post_id)
        self.value: str | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def take(self) -> bool:
        alive_prefix = keys.worker_alive("")
        taken = self.client.eval(
            _TAKE, 2, self.key, keys.FENCE, self.consumer, self.ttl_ms, alive_prefix
        )
        self.value = str(taken) if taken else None
        if self.value is not None:
            self._stop.clear()
            self._renewer = threading.Thread(target=self._keep, name="lock-renewer", daemon=True)
            self._renewer.start()
        return self.value is not None

    def renew(self) -> bool:
        if self.value is None:
            return False
        return bool(self.client.eval(_RENEW, 1, self.key, self.value, self.ttl_ms))

    def fenced_hset(self, key: str, mapping: dict[str, str], ttl_seconds: int) -> None:
        """HSET `key` only while the lock is ours (else LockLost), renewing the lock."""
        fields = [item for pair in mapping.items() for item in pair]
        args: list[str | int] = [self.value or "", self.ttl_ms, ttl_seconds, *fields]
        if not self.client.eval(_FENCED_HSET, 2, self.key, key, *args):
            raise LockLost(self.key)

    def watch(self, pipe: redis.client.Pipeline) -> None:
        """WATCH the lock on `pipe` and check it is ours: the MULTI that follows fails (a
        WatchError) if anyone takes the lock before it commits."""
        pipe.watch(self.key)  # type: ignore[no-untyped-call]
        if pipe.get(self.key) != self.value:
            pipe.reset()
            raise LockLost(self.key)

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
            self._renewer = None
        if self.value is not None:
            self.client.eval(_RELEASE, 1, self.key, self.value)
            self.value = None

    def _keep(self) -> None:
        while not self._stop.wait(self.ttl_ms / 3000):
            try:
                if not self.renew():
                    return  # taken over: the fence stops us before any post or record
            except redis.RedisError:
                continue  # Redis blinked: try again; the lock still has two thirds of its TTL
