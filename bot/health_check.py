"""`earshot health`: one line and exit 0 when Redis answers and the worker's heartbeat is fresh,
exit 1 (with why) otherwise. Compose healthchecks and Kubernetes liveness probes run it."""

from __future__ import annotations

import time

import redis

from bot.config import Settings
from bot.store.connection import connect, redis_answers
from bot.store.heartbeat import newest_heartbeat, this_host, worker_problem


def run_health_check(settings: Settings, *, any_host: bool = False) -> int:
    ok, line = health_line(connect(settings.redis_url), None if any_host else this_host())
    print(f"earshot: {line}")
    return 0 if ok else 1


def health_line(
    client: redis.Redis, host: str | None, now: float | None = None
) -> tuple[bool, str]:
    if not redis_answers(client):
        return False, "Redis does not answer at REDIS_URL"
    now = time.time() if now is None else now
    try:
        problem = worker_problem(client, now, host)
        beat = newest_heartbeat(client, host)
    except redis.RedisError as error:
        return False, f"Redis failed while reading heartbeats ({type(error).__name__})"
    if problem is not None or beat is None:
        return False, problem or "no worker heartbeat"
    return True, f"ok: worker {beat.consumer} beat {now - beat.at:.1f} s ago"
