"""Retention benchmark: 1,000,000 posts flow through the store at the retention limit and Redis
memory stays flat, beside a baseline of the same flow without retention, measured in this run.

Each post goes the way the real paths write it, with the store's own code: ingest (dedupe mark,
sources set, inbox stream), delivery (case hash, card index, SLA clock, its day list, stream
entry deleted, due escalation steps fired), and for one post in three a reply (replies set,
audit entry). The retention is real Redis TTLs, made short (RETENTION_SECONDS for cases,
twice that for audit, a 1 s dedupe margin); the SLA day lists use a simulated clock in which
the retention lasts CASE_RETENTION_DAYS, so day keys roll over as they would in production.
Writes are batched in pipelines.

Memory is measured on a dedicated database: its key count (DBSIZE) and the server's
used_memory minus what it was before the run (other databases share the server).
The baseline (no expiry) runs BASELINE_POSTS posts only, so it cannot fill the machine's memory;
its figure at the same point of the flow is compared directly, and its size at 1,000,000 posts
is projected linearly (it only grows).

Run: `python benchmarks/retention.py` (Redis on 127.0.0.1:6379 database 11, flushed, or
EARSHOT_RETENTION_BENCH_REDIS_URL).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import redis
import structlog

from benchmarks._common import CHANNEL, Figure, print_table, sample_mention
from bot.domain.reply import normalize
from bot.pipeline.ingest import Ingest
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.cases import CaseStore
from bot.store.connection import connect
from bot.store.oncall import OncallStore
from bot.store.retention import DAY, Retention, bind_retention
from bot.store.sla import start_case_clock

REDIS_URL = os.environ.get("EARSHOT_RETENTION_BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
POSTS = int(os.environ.get("EARSHOT_RETENTION_BENCH_POSTS", "1000000"))
BASELINE_POSTS = min(POSTS, 100_000)
RETENTION_SECONDS = 15
CASE_RETENTION_DAYS = 180
BATCH = 500
SAMPLES = 10
FLAT_TARGET = 1.25  # the last sample may be at most 25% above the median of the second half
REPLY_EVERY = 3


def used_memory(client: redis.Redis) -> int:
    return int(cast(dict[str, Any], client.info("memory"))["used_memory"])


def flow_batch(client: redis.Redis, start: int, count: int, sim_clock: Callable[[], float]) -> None:
    """`count` posts from number `start` through ingest, delivery and (some) replies."""
    mentions = [sample_mention(n) for n in range(start, start + count)]
    Ingest(client).ingest("mentions", mentions, None)
    entries = cast(list[Any], client.xrange(keys.INBOX, count=count * 2))
    cases, audit = CaseStore(client), AuditLog(client)
    office = OncallStore(client).office()
    with client.pipeline(transaction=False) as pipe:
        for mention in mentions:
            ts = f"{1_700_000_000 + int(mention.post_id) % 10**9}.000100"
            cases.record_delivery(pipe, mention, CHANNEL, ts)
            start_case_clock(
                pipe,
                office,
                mention.post_id,
                mention.rules,
                sim_clock(),
                cases.retention.case_seconds,
            )
            if int(mention.post_id) % REPLY_EVERY == 0:
                text = f"Thanks {mention.author.name}, we are on it!"
                cases.queue_reply(pipe, mention.post_id, normalize(text))
                audit.queue(pipe, mention.post_id, "reply_sent", "U0BENCH", "Bench", text=text)
        if entries:
            pipe.xdel(keys.INBOX, *(entry_id for entry_id, _ in entries))
        # The timer loop: escalation steps now due fire and leave the set.
        pipe.zremrangebyscore(keys.TIMERS, "-inf", sim_clock())
        pipe.execute()


def run_flow(
    client: redis.Redis, retention: Retention, posts: int, label: str
) -> list[tuple[int, int, int, float]]:
    """Flow `posts` posts; returns (posts so far, keys, memory delta, seconds) samples."""
    client.flushdb()
    time.sleep(0.5)
    bind_retention(client, retention)
    base = used_memory(client)
    started = time.perf_counter()
    # Simulated time: the short real retention stands for CASE_RETENTION_DAYS.
    speed = CASE_RETENTION_DAYS * DAY / RETENTION_SECONDS
    epoch = time.time()

    def sim_clock() -> float:
        return epoch + (time.time() - epoch) * speed

    samples, every = [], max(BATCH, posts // SAMPLES)
    for start in range(0, posts, BATCH):
        count = min(BATCH, posts - start)
        flow_batch(client, start, count, sim_clock)
        done = start + count
        if done % every == 0 or done == posts:
            sample = (done, int(client.dbsize()), used_memory(client) - base,
                      time.perf_counter() - started)  # fmt: skip
            samples.append(sample)
            print(f"  {label}: {done:>9,} posts  {sample[1]:>9,} keys  "
                  f"{sample[2] / 2**20:8.1f} MB  {sample[3]:6.1f} s", flush=True)  # fmt: skip
    return samples


def at(samples: list[tuple[int, int, int, float]], posts: int) -> tuple[int, int, int, float]:
    return min(samples, key=lambda s: abs(s[0] - posts))


def main() -> int:
    # Ingest logs each batch at debug level: keep the figures readable.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    client = connect(REDIS_URL)
    client.ping()
    # The dedupe margin (a day in production) shrinks with the retention.
    kept = Retention(RETENTION_SECONDS, 2 * RETENTION_SECONDS, seen_margin_seconds=1)
    forever = Retention(10 * 365 * DAY, 10 * 365 * DAY)  # nothing expires during the run
    print(f"{POSTS:,} posts, retention {RETENTION_SECONDS} s (audit {2 * RETENTION_SECONDS} s); "
          f"baseline without retention: {BASELINE_POSTS:,} posts")  # fmt: skip
    baseline = run_flow(client, forever, BASELINE_POSTS, "baseline")
    flowing = run_flow(client, kept, POSTS, "retention")
    client.flushdb()

    second_half = sorted(s[2] for s in flowing if s[0] > POSTS // 2)
    median = second_half[len(second_half) // 2]
    last = flowing[-1]
    b_posts, b_keys, b_mem, _ = baseline[-1]
    _, r_keys, r_mem, _ = at(flowing, b_posts)
    per_post = b_mem / b_posts
    projected = per_post * POSTS
    rate = POSTS / last[3]
    figures = [
        Figure(
            "memory stays flat (last vs median of 2nd half)",
            f"{last[2] / 2**20:.1f} vs {median / 2**20:.1f} MB = {last[2] / max(median, 1):.2f}x",
            f"<= {FLAT_TARGET}x",
            last[2] <= FLAT_TARGET * median,
            f"keys {last[1]:,} at {last[0]:,} posts; {rate:,.0f} posts/s",
        ),
        Figure(
            f"memory at {b_posts:,} posts: retention / baseline",
            f"{r_mem / 2**20:.1f} / {b_mem / 2**20:.1f} MB = {r_mem / max(b_mem, 1):.2f}x",
            "< 1x",
            r_mem < b_mem,
            f"keys {r_keys:,} / {b_keys:,} = {r_keys / max(b_keys, 1):.2f}x",
        ),
        Figure(
            f"memory at {POSTS:,} posts: retention / baseline (projected)",
            f"{last[2] / 2**20:.1f} / {projected / 2**20:.0f} MB = {last[2] / projected:.3f}x",
            "< 1x",
            last[2] < projected,
            f"baseline grows {per_post:,.0f} bytes per post and never shrinks",
        ),
    ]
    print_table(figures)
    return 0 if all(f.passed for f in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
