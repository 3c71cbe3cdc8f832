"""The durable timer set on real Redis: atomic claims, leases, rescheduling, cancellation."""

from __future__ import annotations

import threading

import fakeredis
import redis

from bot.store import keys
from bot.store.timers import Timers

NOW = 1_800_000_000.0


def test_due_members_are_claimed_once_in_due_order(redis_client: redis.Redis) -> None:
    """Only what is due is handed out, earliest first, and never twice."""
    timers = Timers(redis_client)
    for n, due in enumerate((NOW - 5, NOW - 10, NOW, NOW + 1)):
        timers.schedule(f"h:t{n}", due)
    assert timers.claim(NOW, 60) == ["h:t1", "h:t0", "h:t2"]
    assert timers.claim(NOW, 60) == []
    assert timers.claim(NOW + 1, 60) == ["h:t3"]


def test_a_dead_workers_claim_comes_back_after_its_lease(redis_client: redis.Redis) -> None:
    """A claimed member that is never finished is handed out again once the lease expires,
    and a finished one never is."""
    timers = Timers(redis_client)
    timers.schedule("h:lost", NOW)
    timers.schedule("h:done", NOW)
    assert sorted(timers.claim(NOW, 60)) == ["h:done", "h:lost"]
    assert timers.finish("h:done")
    assert timers.claim(NOW + 59, 60) == []
    assert timers.claim(NOW + 60, 60) == ["h:lost"]
    assert timers.pending() == 1


def test_finish_plans_the_next_one_unless_cancelled_meanwhile(redis_client: redis.Redis) -> None:
    """Finishing may plan a follow-up in the same step; a member cancelled while in flight
    plans nothing."""
    timers = Timers(redis_client)
    timers.schedule("h:a", NOW)
    timers.schedule("h:b", NOW)
    timers.claim(NOW, 60)
    assert timers.finish("h:a", ("h:a", NOW + 600))
    timers.cancel(["h:b"])
    assert not timers.finish("h:b", ("h:b", NOW + 600))
    assert (timers.due_at("h:a"), timers.due_at("h:b")) == (NOW + 600, None)


def test_planned_again_while_in_flight_fires_after_the_first_and_sooner_wins(
    redis_client: redis.Redis,
) -> None:
    """A member planned again while in flight is not handed to a second worker at the same
    time; when the first finishes, the sooner of the two planned times is kept."""
    timers = Timers(redis_client)
    timers.schedule("h:team", NOW)
    assert timers.claim(NOW, 60) == ["h:team"]
    timers.schedule("h:team", NOW)  # e.g. the rotation was edited meanwhile
    assert timers.claim(NOW, 60) == []
    timers.finish("h:team", ("h:team", NOW + 3600))
    assert timers.due_at("h:team") == NOW + 60
    assert timers.claim(NOW + 60, 60) == ["h:team"]


def test_eight_workers_racing_share_the_members_without_overlap(
    redis_client: redis.Redis,
) -> None:
    """2,000 due members, eight threads claiming in small batches on their own connections:
    every member is handed out exactly once."""
    redis_client.zadd(keys.TIMERS, {f"s:{n}:0": NOW for n in range(2000)})
    taken: list[list[str]] = [[] for _ in range(8)]
    gate = threading.Barrier(8)

    def worker(slot: int) -> None:
        own = Timers(redis.Redis.from_url(_url(redis_client), decode_responses=True))
        gate.wait()
        while batch := own.claim(NOW, 60, limit=7):
            taken[slot] += batch

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [member for batch in taken for member in batch]
    assert len(every) == len(set(every)) == 2000
    assert sum(1 for batch in taken if batch) > 1


def test_the_scripts_also_run_on_the_embedded_redis_of_the_demo() -> None:
    """`earshot demo` without a Redis uses fakeredis: claims and finishes work there too."""
    client = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    timers = Timers(client)
    timers.schedule("h:x", NOW)
    assert timers.claim(NOW, 60) == ["h:x"]
    assert timers.finish("h:x", ("h:x", NOW + 5))
    assert timers.due_at("h:x") == NOW + 5


def _url(client: redis.Redis) -> str:
    kwargs = client.connection_pool.connection_kwargs
    return f"redis://{kwargs['host']}:{kwargs['port']}/{kwargs['db']}"
