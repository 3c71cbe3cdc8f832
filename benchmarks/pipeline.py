"""Pipeline figures of issue 3, printed as a table: `python benchmarks/pipeline.py`.

Uses Redis database 12 (EARSHOT_PIPELINE_BENCH_REDIS_URL to change it) and FLUSHES it; the X
and Slack sandbox fakes run in this process. How each figure is measured:

a. Ingest throughput: `Ingest.ingest` of fresh 100-post pages (the poller's page size) into the
   stream, one Python thread, real Redis; posts/s over 20,000 posts (all `Ingest.ingest` does once
   the X page is parsed: dedupe key, sources set, stream entry, checkpoint).
b. Delivery overhead per card: cards go through `step` of the Deliverer that `Worker` builds
   (pacing off, Slack fake rate unlimited). Per card: wall time of `Deliverer.deliver` minus the
   time spent in slack_sdk's HTTP exchange (`TimedWebClient`: connect, send, Slack's
   processing, read), plus the card's share of the batch read (XAUTOCLAIM + XREADGROUP of its
   `step`). What remains is our code and our Redis round trips, which is what the figure is
   about; 2,000 cards after 200 warm-up ones.
c. Worker RSS: a separate process (spawned, so it inherits nothing) runs the real `Worker` with
   all its loops (poll interval 0.05 s, pacing off) through 500 rounds of 100 new mentions on the
   X fake, 50,000 cards in all; psutil RSS at the end. The fakes live here, so their memory is not
   counted; they are reset between rounds so they stay fast.
d. Redis memory per stored case: MEMORY USAGE (SAMPLES 0) of every key that grows with the cases
   (case hash, dedupe `seen` key, and whatever else the pipeline keeps per post: sources set,
   card index, SLA records...) over the 50,000 cases of (c), divided by their number; the note
   gives case+seen alone and each kind. Global keys (stream, metrics, leases...) are left out.
e. Mention-to-card latency: the real `python -m bot worker` process, 1 s poll interval, default
   pacing (1 card/s per channel) and the Slack fake's default limits; 60 mentions added at
   random moments, once over 300 s (0.2/s: a busy account) and once over 75 s (0.8/s: close to
   Slack's 1 message/s per channel, so cards queue). Latency = the card's ts (the fake's wall
   clock when it stored the message) minus the wall clock just before `add_post`; the note
   splits it into "until ingested" (waiting for the poll) and "ingested to card" (delivery).

Each figure is printed beside a baseline measured in the same run, as a ratio: (a) a bare
pipelined SET NX + XADD per post, (b) a bare XREADGROUP + XACK/XDEL loop, (e) strict pacing (the
same arrival moments through an ideal worker: seen at the next 1 s poll, one card per mention at
most 1/s per channel, no processing time).
"""

from __future__ import annotations

import logging
import multiprocessing
import random
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import psutil
import redis
from _common import (
    CHANNEL,
    REDIS_URL,
    Figure,
    TimedWebClient,
    add_sample_post,
    bench_settings,
    percentile,
    print_table,
    sample_mention,
    spawn_worker,
    strict_pacing,
    wait_for,
)

from bot.domain.mention import Mention
from bot.logging import configure_logging
from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.pipeline.worker import Worker
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import build_services
from bot.store import keys

RSS_ROUNDS, RSS_PAGE = 500, 100
MiB = 1024 * 1024


def ingest_throughput(client: redis.Redis) -> list[Figure]:
    client.flushdb()
    ingest = Ingest(client)
    pages = [[sample_mention(p * 100 + i) for i in range(100)] for p in range(200)]
    ingest.ingest(MENTIONS, [sample_mention(10**6)], None)  # load the script
    started = time.perf_counter()
    for page in pages:
        ingest.ingest(MENTIONS, page, page[0].post_id)
    rate = 20_000 / (time.perf_counter() - started)
    assert client.xlen(keys.INBOX) == 20_001
    bare = bare_ingest(client, pages)
    return [
        Figure(
            "a. ingest throughput",
            f"{rate:,.0f} posts/s = {rate / bare:.2f}x bare",
            ">= 2,000 posts/s",
            rate >= 2000,
        ),
        Figure(
            "a. baseline: bare SET NX + XADD",
            f"{bare:,.0f} posts/s",
            "(baseline)",
            True,
            "the same pages, one pipeline each: a dedupe key and a stream entry per post, no "
            "sources set, no checkpoint, not atomic",
        ),
    ]


def bare_ingest(client: redis.Redis, pages: list[list[Mention]]) -> float:
    """Posts/s of the least an ingest must do, on fresh ids and a fresh stream."""
    client.flushdb()
    started = time.perf_counter()
    for page in pages:
        with client.pipeline(transaction=False) as pipe:
            for mention in page:
                pipe.set(keys.seen(mention.post_id), "1", nx=True, ex=3600)
                pipe.xadd(keys.INBOX, {"mention": mention.to_json()})
            pipe.execute()
    rate = 20_000 / (time.perf_counter() - started)
    client.flushdb()
    return rate


def bare_delivery(client: redis.Redis) -> list[float]:
    """Per-item ms of a bare XREADGROUP + XACK/XDEL loop over 2,000 items (no Slack, no case)."""
    client.flushdb()
    with client.pipeline(transaction=False) as pipe:
        for n in range(2_000):
            pipe.xadd(keys.INBOX, {"mention": sample_mention(n).to_json()})
        pipe.execute()
    client.xgroup_create(keys.INBOX, "bare", id="0")
    per_item: list[float] = []
    while True:
        started = time.perf_counter()
        read: Any = client.xreadgroup("bare", "c", {keys.INBOX: ">"}, count=10, block=1)
        if not read:
            break
        entries = read[0][1]
        for entry_id, fields in entries:
            Mention.from_json(fields["mention"])
            with client.pipeline(transaction=True) as pipe:
                pipe.xack(keys.INBOX, "bare", entry_id)
                pipe.xdel(keys.INBOX, entry_id)
                pipe.execute()
        per_item += [(time.perf_counter() - started) * 1000 / len(entries)] * len(entries)
    client.flushdb()
    return per_item


def delivery_overhead(client: redis.Redis, x: XFake, slack: SlackFake) -> list[Figure]:
    client.flushdb()
    slack.set_rate(0, 0)
    settings = bench_settings(x.base_url, slack.base_url)  # pacing off
    # The worker's own Deliverer (routing, record hooks...), with the timing Slack client.
    deliverer = Worker(build_services(settings, client)).deliverer
    web = TimedWebClient(token="xoxb-sandbox", base_url=settings.slack_api_base_url, timeout=10)
    deliverer.slack = web
    deliverer.ensure_group()
    Ingest(client).ingest(MENTIONS, [sample_mention(n) for n in range(2_200)], None)
    per_card: list[float] = []
    deliver = deliverer.deliver

    def timed_deliver(entry_id: str, fields: dict[str, str]) -> None:
        http_before, started = web.http_seconds, time.perf_counter()
        deliver(entry_id, fields)
        per_card.append(time.perf_counter() - started - (web.http_seconds - http_before))

    deliverer.deliver = timed_deliver  # type: ignore[method-assign]
    overheads: list[float] = []
    while True:
        first, http_before, started = len(per_card), web.http_seconds, time.perf_counter()
        if not deliverer.step(block_ms=1):
            break
        step_total = time.perf_counter() - started - (web.http_seconds - http_before)
        cards = per_card[first:]
        share = (step_total - sum(cards)) / len(cards)
        overheads += [(card + share) * 1000 for card in cards]
    assert len(slack.messages(CHANNEL)) == 2_200, "every card posted once"
    measured = overheads[200:]
    p50, p99 = percentile(measured, 50), percentile(measured, 99)
    note = f"n={len(measured)}, max {max(measured):.2f} ms"
    bare = bare_delivery(client)
    b50, b99 = percentile(bare, 50), percentile(bare, 99)
    return [
        Figure(
            "b. delivery overhead p50", f"{p50:.2f} ms = {p50 / b50:.1f}x bare", "<= 5 ms",
            p50 <= 5, note,
        ),
        Figure("b. delivery overhead p99", f"{p99:.2f} ms = {p99 / b99:.1f}x bare", "<= 25 ms",
               p99 <= 25),
        Figure(
            "b. baseline: bare XREADGROUP+XACK p50/p99", f"{b50:.2f}/{b99:.2f} ms", "(baseline)",
            True, "read 10 at a time, parse each item, ack+delete it in a MULTI; no Slack, no case",
        ),
    ]  # fmt: skip


def rss_worker(conn: Connection, x_url: str, slack_url: str) -> None:
    """The worker side of (c), in its own process: the whole `Worker` (every loop, threads) runs
    while each round's 100 new mentions go through; answers with the cards so far and RSS."""
    configure_logging("json", level=logging.WARNING)
    services = build_services(bench_settings(x_url, slack_url, x_poll_interval_seconds=0.05))
    worker = Worker(services)
    running = threading.Thread(target=worker.run, name="worker", daemon=True)
    running.start()
    while Ingest(services.redis).checkpoint(MENTIONS) is None:
        time.sleep(0.01)
    me, expected = psutil.Process(), 0
    conn.send(me.memory_info().rss)
    while conn.recv() == "round":
        expected += RSS_PAGE
        while (cards := services.metrics.counters()["cards_posted"]) < expected:
            time.sleep(0.005)
        conn.send((cards, me.memory_info().rss))
    worker.stop.set()
    running.join(10)


def worker_memory(client: redis.Redis, x: XFake, slack: SlackFake) -> list[Figure]:
    client.flushdb()
    slack.set_rate(0, 0)
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    child = multiprocessing.get_context("spawn").Process(
        target=rss_worker, args=(theirs, x.base_url, slack.base_url)
    )
    child.start()
    theirs.close()  # so that a crashed child shows up here as EOFError, not as a hang
    baseline, cards, rss = ours.recv(), 0, 0
    started = time.monotonic()
    for round_no in range(RSS_ROUNDS):
        x.reset()
        slack.reset()
        for n in range(RSS_PAGE):
            add_sample_post(x, round_no * RSS_PAGE + n)
        ours.send("round")
        cards, rss = ours.recv()
    ours.send("stop")
    child.join(30)
    seconds = time.monotonic() - started
    start, growth = baseline / MiB, (rss - baseline) / MiB
    note = f"{cards:,} cards in {seconds:.0f} s; {start:.1f} MiB at start-up, {growth:+.1f} since"
    rss_figure = Figure(
        "c. worker RSS after 50k", f"{rss / MiB:.1f} MiB", "<= 150 MB", rss <= 150e6, note
    )
    assert cards == RSS_ROUNDS * RSS_PAGE, f"only {cards} cards"
    return [rss_figure, case_memory(client)]


# Keys that do not grow with the number of cases (the stream is emptied by XDEL on delivery).
GLOBAL_KINDS = {"inbox", "dead", "metrics", "health", "checkpoint", "lease", "alive", "pace"}


def case_memory(client: redis.Redis) -> Figure:
    """Everything kept per case: every key except the global ones, grouped by kind (case, seen,
    sources, card index, SLA...), divided by the number of case hashes."""
    by_kind: dict[str, int] = {}
    names = list(client.scan_iter(count=1000))
    for start in range(0, len(names), 1000):
        chunk = names[start : start + 1000]
        with client.pipeline(transaction=False) as pipe:
            for name in chunk:
                pipe.memory_usage(name, samples=0)
            for name, size in zip(chunk, pipe.execute(), strict=True):
                kind = name.split(":")[1]
                by_kind[kind] = by_kind.get(kind, 0) + int(size or 0)
    cases = sum(1 for name in names if name.startswith(keys.case("")))
    per_kind = {k: v / max(cases, 1) for k, v in by_kind.items() if k not in GLOBAL_KINDS}
    per_case, case_and_seen = sum(per_kind.values()), per_kind["case"] + per_kind["seen"]
    parts = ", ".join(f"{kind} {size:,.0f}" for kind, size in sorted(per_kind.items()))
    note = f"{cases:,} cases; case+seen alone {case_and_seen:,.0f} B; per kind: {parts}"
    measured = f"{per_case:,.0f} B"
    return Figure("d. Redis memory per case", measured, "<= 2 KB", per_case <= 2048, note)


def mention_to_card(
    client: redis.Redis, x: XFake, slack: SlackFake, window: float = 75.0, **env: str
) -> list[Figure]:
    client.flushdb()
    x.reset()
    slack.reset()
    slack.set_rate(1, 3)  # the fake's default: about Slack's 1 message/s per channel
    rng = random.Random(20261125)
    moments = sorted(rng.uniform(0, window) for _ in range(60))
    added: dict[str, float] = {}
    with spawn_worker(x, slack, **env) as log_path:
        wait_for(lambda: Ingest(client).checkpoint(MENTIONS) is not None, 30, log_path)
        origin = time.monotonic()
        for n, moment in enumerate(moments):
            time.sleep(max(0.0, origin + moment - time.monotonic()))
            at = time.time()
            added[add_sample_post(x, n)["id"]] = at
        wait_for(lambda: len(slack.messages(CHANNEL)) >= len(added), 60, log_path)
    cards = {m["metadata"]["event_payload"]["post_id"]: float(m["ts"]) for m in slack.messages()}
    assert sorted(cards) == sorted(added) and len(slack.messages()) == 60, "one card each"
    latencies = [cards[post_id] - at for post_id, at in added.items()]
    # Where the time went: X -> stream (waiting for the next poll), stream -> Slack (delivery).
    seen = {
        post_id: Mention.from_json(str(client.hget(keys.case(post_id), "mention"))).seen_at
        for post_id in added
    }
    polling = [seen[post_id] - at for post_id, at in added.items()]
    delivery = [cards[post_id] - seen[post_id] for post_id in added]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    note = (
        f"max {max(latencies):.2f} s; until ingested p50/p95 "
        f"{percentile(polling, 50):.2f}/{percentile(polling, 95):.2f} s, ingested to card "
        f"{percentile(delivery, 50):.2f}/{percentile(delivery, 95):.2f} s"
    )
    rate = f"{60 / window:.1f}/s"
    strict = strict_pacing(moments)
    s50, s95 = percentile(strict, 50), percentile(strict, 95)
    return [
        Figure(
            f"e. mention-to-card p50 @{rate}", f"{p50:.2f} s = {p50 / s50:.2f}x strict", "(info)",
            True, note,
        ),
        Figure(
            f"e. mention-to-card p95 @{rate}", f"{p95:.2f} s = {p95 / s95:.2f}x strict",
            "<= 2 s (poll + 1 s)", p95 <= 2,
        ),
        Figure(
            f"e. baseline: strict pacing p50/p95 @{rate}", f"{s50:.2f}/{s95:.2f} s", "(baseline)",
            True, "the same arrival moments, a poll every 1 s, one card per mention at most "
            "1/s per channel, zero processing time",
        ),
    ]  # fmt: skip


def main() -> int:
    configure_logging("json", level=logging.WARNING)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    x, slack = XFake().start(), SlackFake().start()
    x.set_rate_limit("/2/users/:id/mentions", 1_000_000)
    figures: list[Figure] = []
    try:
        runs: list[tuple[str, Callable[[], list[Figure]]]] = [
            ("a. ingest", lambda: ingest_throughput(client)),
            ("b. delivery overhead", lambda: delivery_overhead(client, x, slack)),
            ("c+d. 50,000 posts through a worker", lambda: worker_memory(client, x, slack)),
            ("e. mention-to-card, 0.2/s", lambda: mention_to_card(client, x, slack, 300.0)),
            ("e. mention-to-card, 0.8/s", lambda: mention_to_card(client, x, slack, 75.0)),
        ]
        for name, run in runs:
            print(f"running {name}...", file=sys.stderr, flush=True)
            figures += run()
    finally:
        client.flushdb()
        x.stop()
        slack.stop()
    print_table(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
