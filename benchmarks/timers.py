"""Timer benchmark: 100,000 open cases with SLA timers in the real Redis (database 14, flushed).

Prints the time of one timer tick with nothing due and with a batch due, and the Redis memory
the timers take. Targets (issue 6): one tick <= 50 ms, timers <= 20 MB.

Run: `python benchmarks/timers.py` (Redis on 127.0.0.1:6379, or EARSHOT_TIMERS_REDIS_URL).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import Figure, bench_settings, percentile, print_table, sample_mention
from bot.pipeline.timers import TimerLoop
from bot.sandbox.slack_api import SlackFake
from bot.services import build_services
from bot.store import keys
from bot.store.cases import CaseStore
from bot.store.connection import connect
from bot.store.oncall import Office
from bot.store.sla import start_case_clock
from bot.store.timers import Timers

REDIS_URL = os.environ.get("EARSHOT_TIMERS_REDIS_URL", "redis://127.0.0.1:6379/14")
OPEN_CASES = 100_000
FIRST_ID = 1_960_000_000_000_000_000
DUE_BATCH = 100
TICKS = 50
CHUNK = 2_000
TICK_TARGET_MS = 50.0
MEMORY_TARGET_MB = 20.0


def used_memory(client: object) -> int:
    return int(client.info("memory")["used_memory"])  # type: ignore[attr-defined]


def populate(client: object, now: float) -> None:
    """100,000 open cases whose clocks started in the last hour: each has its first escalation
    step planned within the next hour (the default 1 h SLA, 24/7), none due yet."""
    office = Office()
    rng = random.Random(6)
    for first in range(0, OPEN_CASES, CHUNK):
        with client.pipeline(transaction=False) as pipe:  # type: ignore[attr-defined]
            for n in range(first, min(first + CHUNK, OPEN_CASES)):
                start = now - rng.uniform(1, 3599)
                post_id = str(FIRST_ID + n)
                start_case_clock(pipe, office, post_id, ("mentions",), start)
            pipe.execute()


def measure_ticks(loop: TimerLoop) -> list[float]:
    took = []
    for _ in range(TICKS):
        started = time.perf_counter()
        loop.tick()
        took.append((time.perf_counter() - started) * 1000)
    return took


def measure_bare(client: object, now: float) -> list[float]:
    """The baseline: a bare ZRANGEBYSCORE of what is due, on the same sorted set."""
    took = []
    for _ in range(TICKS):
        started = time.perf_counter()
        client.zrangebyscore(keys.TIMERS, "-inf", now, start=0, num=DUE_BATCH)  # type: ignore[attr-defined]
        took.append((time.perf_counter() - started) * 1000)
    return took


def add_due_cases(services: object, now: float) -> None:
    """DUE_BATCH more cases, delivered an hour ago: their first step is due now."""
    client = services.redis  # type: ignore[attr-defined]
    cases = CaseStore(client)
    with client.pipeline(transaction=True) as pipe:
        for n in range(DUE_BATCH):
            mention = sample_mention(n)
            cases.record_delivery(pipe, mention, "C0MENTIONS", f"{now - 3600:.6f}")
            start_case_clock(pipe, Office(), mention.post_id, mention.rules, now - 3601)
        pipe.execute()


def main() -> int:
    client = connect(REDIS_URL)
    client.flushdb()
    with SlackFake() as slack:
        slack.set_rate(0, 0)
        settings = bench_settings("http://127.0.0.1:9", slack.base_url, redis_url=REDIS_URL)
        services = build_services(settings, client)
        now = time.time()
        services.clock = lambda: now
        before = used_memory(client)
        started = time.perf_counter()
        populate(client, now)
        populate_s = time.perf_counter() - started
        after = used_memory(client)
        timers_bytes = int(client.memory_usage(keys.TIMERS, samples=0) or 0)
        days = client.keys(keys.sla_day("*"))
        index_bytes = sum(int(client.memory_usage(day, samples=0) or 0) for day in days)
        sample = [keys.sla(str(FIRST_ID + n)) for n in range(0, OPEN_CASES, 100)]
        per_clock = statistics.fmean(int(client.memory_usage(k, samples=0) or 0) for k in sample)
        assert Timers(client).pending() == OPEN_CASES

        idle = measure_ticks(TimerLoop(services))
        bare_idle = measure_bare(client, now)
        add_due_cases(services, now)
        calls_before = len(slack.calls_to("/api/"))
        started = time.perf_counter()
        fired = TimerLoop(services).tick()
        busy_ms = (time.perf_counter() - started) * 1000
        assert fired == DUE_BATCH, fired
        slack_calls = len(slack.calls_to("/api/")) - calls_before
        claim_only: list[float] = []
        bare_due: list[float] = []
        for _ in range(TICKS):  # the claim step alone, each time with a batch due
            Timers(client).cancel([])
            with client.pipeline(transaction=False) as pipe:
                for n in range(DUE_BATCH):
                    pipe.zadd(keys.TIMERS, {f"x:{n}": now - 1})
                pipe.execute()
            bare_due += measure_bare(client, now)[:1]
            tick_started = time.perf_counter()
            Timers(client).claim(now, 120, DUE_BATCH)
            claim_only.append((time.perf_counter() - tick_started) * 1000)
            client.delete(keys.TIMERS_INFLIGHT)
        posted = len(slack.messages("C0MENTIONS"))
    client.flushdb()

    mb = 1024 * 1024
    timers_mb = timers_bytes / mb
    bare_idle_p95, bare_due_p95 = percentile(bare_idle, 95), percentile(bare_due, 95)
    figures = [
        Figure(
            "tick, 100k open timers, none due (p95)",
            f"{percentile(idle, 95):.2f} ms = {percentile(idle, 95) / bare_idle_p95:.1f}x bare",
            f"<= {TICK_TARGET_MS:.0f} ms",
            percentile(idle, 95) <= TICK_TARGET_MS,
            f"median {statistics.median(idle):.2f} ms over {TICKS} ticks (incl. source watch)",
        ),
        Figure(
            "baseline: bare ZRANGEBYSCORE, none due (p95)",
            f"{bare_idle_p95:.2f} ms",
            "(baseline)",
            True,
            "the same sorted set, one round trip, no claim, no source watch",
        ),
        Figure(
            f"claim of {DUE_BATCH} due among 100k (p95)",
            f"{percentile(claim_only, 95):.2f} ms = "
            f"{percentile(claim_only, 95) / bare_due_p95:.1f}x bare",
            f"<= {TICK_TARGET_MS:.0f} ms",
            percentile(claim_only, 95) <= TICK_TARGET_MS,
            f"the Lua step that hands due timers to exactly one worker; a bare ZRANGEBYSCORE "
            f"of the {DUE_BATCH} due takes {bare_due_p95:.2f} ms (p95)",
        ),
        Figure(
            f"tick firing {DUE_BATCH} due pings",
            f"{busy_ms:.0f} ms",
            "(Slack-bound)",
            True,
            f"{busy_ms / DUE_BATCH:.1f} ms per ping, including its Slack HTTP call to the "
            f"sandbox ({slack_calls} calls); {posted} thread pings posted",
        ),
        Figure(
            "Redis memory: timer set (100k)",
            f"{timers_mb:.2f} MB",
            f"<= {MEMORY_TARGET_MB:.0f} MB",
            timers_mb <= MEMORY_TARGET_MB,
            f"{timers_bytes / OPEN_CASES:.0f} B per timer",
        ),
        Figure(
            "Redis memory: timers + SLA clocks + index",
            f"{(after - before) / mb:.2f} MB",
            "(reported)",
            True,
            f"per case: clock hash {per_clock:.0f} B, index {index_bytes / OPEN_CASES:.0f} B; "
            f"used_memory delta; populated in {populate_s:.1f} s",
        ),
    ]
    print(f"Timers benchmark: {OPEN_CASES:,} open cases, Redis {REDIS_URL}")
    print_table(figures)
    return 0 if all(f.passed for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
