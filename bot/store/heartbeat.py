"""Worker heartbeats: each worker says "alive" every second; /healthz and `earshot health` read
how long ago the newest one came, so a dead or wedged worker fleet is seen from outside."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import cast

import redis

from bot.store import keys

HEARTBEAT_SECONDS = 1.0
STALE_BEATS = 3  # missed heartbeats before a worker counts as gone
ALIVE_TTL_MS = 5000  # the per-worker liveness key delivery locks are taken over by
FORGET_AFTER_SECONDS = 86_400.0  # a worker silent this long leaves the list


@dataclass(frozen=True, slots=True)
class Beat:
    consumer: str
    at: float


def record_heartbeat(client: redis.Redis, consumer: str, at: float) -> None:
    with client.pipeline(transaction=False) as pipe:
        pipe.set(keys.worker_alive(consumer), "1", px=ALIVE_TTL_MS)
        pipe.zadd(keys.WORKERS, {consumer: at})
        pipe.zremrangebyscore(keys.WORKERS, "-inf", at - FORGET_AFTER_SECONDS)
        pipe.execute()


def forget_worker(client: redis.Redis, consumer: str) -> None:
    """A worker that stops cleanly says so at once (its absence is then no surprise to wait)."""
    with client.pipeline(transaction=False) as pipe:
        pipe.delete(keys.worker_alive(consumer))
        pipe.zrem(keys.WORKERS, consumer)
        pipe.execute()


def newest_heartbeat(client: redis.Redis, host: str | None = None) -> Beat | None:
    """The most recent beat of any worker, or of a worker on `host` (consumers start with it)."""
    rows = cast(list[tuple[str, float]], client.zrange(keys.WORKERS, 0, -1, withscores=True))
    if host is not None:
        rows = [row for row in rows if row[0].startswith(f"{host}-")]
    if not rows:
        return None
    consumer, at = max(rows, key=lambda row: row[1])
    return Beat(str(consumer), float(at))


def worker_problem(client: redis.Redis, now: float, host: str | None = None) -> str | None:
    """Why the worker counts as stale (no beat for STALE_BEATS intervals), or None when fresh."""
    beat = newest_heartbeat(client, host)
    where = f" on {host}" if host else ""
    if beat is None:
        return f"no worker{where} has sent a heartbeat: is `earshot worker` running?"
    silent = now - beat.at
    if silent > STALE_BEATS * HEARTBEAT_SECONDS:
        return f"no worker heartbeat{where} for {silent:.0f} s (last from {beat.consumer})"
    return None


def this_host() -> str:
    return socket.gethostname()
