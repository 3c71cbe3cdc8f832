"""The fenced delivery lock: a holder whose lock was taken over can neither post nor record."""

from __future__ import annotations

import time

import pytest
import redis

from bot.store import keys
from bot.store.lease import ItemLock, LockLost


def test_a_taken_over_lock_fences_out_its_old_holder(redis_client: redis.Redis) -> None:
    """w1 holds the lock and dies (no liveness key): w2 takes it with a new token; w1's intent
    write and its case-record WATCH both raise LockLost, and w1's release leaves w2's lock."""
    first = ItemLock(redis_client, "42", "w1", ttl_ms=60_000)
    assert first.take()
    second = ItemLock(redis_client, "42", "w2", ttl_ms=60_000)
    redis_client.set(keys.worker_alive("w1"), "1")
    assert not second.take()  # w1 is alive: hands off
    redis_client.delete(keys.worker_alive("w1"))
    assert second.take()
    with pytest.raises(LockLost):
        first.fenced_hset(keys.intent("42"), {"channel": "C1", "at": "1"}, 60)
    assert not redis_client.exists(keys.intent("42"))
    with redis_client.pipeline(transaction=True) as pipe, pytest.raises(LockLost):
        first.watch(pipe)
    first.release()
    assert redis_client.get(keys.delivery_lock("42")) == second.value
    second.fenced_hset(keys.intent("42"), {"channel": "C1", "at": "1"}, 60)
    assert redis_client.hget(keys.intent("42"), "channel") == "C1"
    second.release()
    assert not redis_client.exists(keys.delivery_lock("42"))


def test_the_lock_is_renewed_while_its_holder_waits(redis_client: redis.Redis) -> None:
    """A lock with a 300 ms TTL is still held after a second of waiting (renewed meanwhile),
    and another worker cannot take it even though its owner has no liveness key."""
    lock = ItemLock(redis_client, "43", "w1", ttl_ms=300)
    assert lock.take()
    time.sleep(1.0)
    assert redis_client.get(keys.delivery_lock("43")) == lock.value
    redis_client.set(keys.worker_alive("w1"), "1")
    assert not ItemLock(redis_client, "43", "w2", ttl_ms=300).take()
    lock.release()
