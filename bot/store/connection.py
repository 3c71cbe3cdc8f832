"""One way to open Redis from settings, with timeouts so a dead Redis never hangs a handler."""

from __future__ import annotations

from typing import cast

import redis


def connect(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=3,
        socket_timeout=10,
        health_check_interval=30,
    )


def read_hash(client: redis.Redis, key: str) -> dict[str, str]:
    """HGETALL typed for our decode_responses=True clients."""
    return cast(dict[str, str], client.hgetall(key))


def redis_answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
