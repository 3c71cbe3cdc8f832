"""Conversation benchmarks: what threading a follow-up costs beyond a card, and a customer's
history lookup with 10,000 cases.

(f) Earshot's own time per delivered item (HTTP to the Slack fake excluded, as in pipeline.py's
    figure b), for 1,000 new mentions (cards: the baseline, measured in the same run) and then
    1,000 follow-ups, each answering one of those cards. Goal: a follow-up's p99 is at most
    5 ms above a card's.
(g) The history a card shows, for an author with 10,000 cases on record: HistoryLookup as
    delivery runs it (Slack's time for the permalinks excluded), beside a bare ZREVRANGE +
    pipelined HMGET of the same 50 newest cases. Goal: <= 10 ms p99.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime

import redis
from _common import (
    CHANNEL,
    Figure,
    TimedWebClient,
    bench_settings,
    percentile,
    print_table,
    sample_mention,
)

from bot.domain.mention import Mention
from bot.logging import configure_logging
from bot.pipeline.deliver import Deliverer
from bot.pipeline.history import HistoryLookup
from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.pipeline.worker import Worker
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import build_services
from bot.store import keys
from bot.store.history import SCAN_NEWEST

REDIS_URL = os.environ.get("EARSHOT_CONVERSATIONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
CARDS = 1_000
HISTORY = 10_000
WARMUP = 100


def timed_deliverer(
    client: redis.Redis, x: XFake, slack: SlackFake
) -> tuple[Deliverer, TimedWebClient]:
    settings = bench_settings(x.base_url, slack.base_url)
    deliverer = Worker(build_services(settings, client)).deliverer
    web = TimedWebClient(token="xoxb-sandbox", base_url=settings.slack_api_base_url, timeout=10)
    deliverer.slack = web
    deliverer.poster.slack = web
    deliverer.followups.slack = web
    deliverer.history.slack = web
    deliverer.ensure_group()
    return deliverer, web


def own_time(deliverer: Deliverer, web: TimedWebClient) -> list[float]:
    """Deliver everything in the inbox; ms of Earshot's own time per item."""
    per_item: list[float] = []
    deliver = deliverer.deliver

    def timed(entry_id: str, fields: dict[str, str]) -> None:
        http_before, started = web.http_seconds, time.perf_counter()
        deliver(entry_id, fields)
        per_item.append((time.perf_counter() - started - (web.http_seconds - http_before)) * 1e3)

    deliverer.deliver = timed  # type: ignore[method-assign]
    while deliverer.step(block_ms=1):
        pass
    deliverer.deliver = deliver  # type: ignore[method-assign]
    return per_item


def follow_up_of(card: Mention, n: int) -> Mention:
    """The card's author answering it (a reply to the card's post)."""
    return replace(
        sample_mention(CARDS + n),
        author=card.author,
        replied_to=card.post_id,
        conversation_id=card.post_id,
        text=f"@earshot_co still not fixed ({n})",
    )


def follow_up_overhead(client: redis.Redis, x: XFake, slack: SlackFake) -> list[Figure]:
    client.flushdb()
    slack.set_rate(0, 0)
    deliverer, web = timed_deliverer(client, x, slack)
    ingest = Ingest(client)
    # Distinct authors, so no card carries a history line: the cards are the plain baseline.
    cards = [
        replace(sample_mention(n), author=replace(sample_mention(n).author, id=str(10**6 + n)))
        for n in range(CARDS)
    ]
    ingest.ingest(MENTIONS, cards, None)
    card_times = own_time(deliverer, web)[WARMUP:]
    ingest.ingest(MENTIONS, [follow_up_of(card, n) for n, card in enumerate(cards)], None)
    follow_times = own_time(deliverer, web)[WARMUP:]
    threaded = sum(1 for m in slack.messages(CHANNEL) if m.get("thread_ts"))
    assert threaded == CARDS, f"every follow-up threaded once ({threaded})"
    assert len([m for m in slack.messages(CHANNEL) if not m.get("thread_ts")]) == CARDS
    c50, c99 = percentile(card_times, 50), percentile(card_times, 99)
    f50, f99 = percentile(follow_times, 50), percentile(follow_times, 99)
    return [
        Figure(
            "f. follow-up threading p99 on top of a card",
            f"{f99 - c99:+.2f} ms ({f99:.2f} vs {c99:.2f} ms = {f99 / c99:.2f}x)",
            "<= +5 ms",
            f99 - c99 <= 5,
            f"n={len(follow_times)}; p50 {f50:.2f} ms vs {c50:.2f} ms; posted in the card's "
            "thread, case reopened, card re-rendered (chat.update), next-response hook run",
        ),
        Figure(
            "f. baseline: a card's own delivery time p50/p99",
            f"{c50:.2f}/{c99:.2f} ms",
            "(baseline)",
            True,
            "the same worker wiring, 1,000 new mentions from distinct authors",
        ),
    ]


def seed_history(client: redis.Redis, author_id: str) -> None:
    """HISTORY resolved cases of one author, as delivery and resolve leave them."""
    base = datetime(2026, 6, 1, tzinfo=UTC).timestamp()
    with client.pipeline(transaction=False) as pipe:
        for n in range(HISTORY):
            post_id = str(1_960_000_000_000_000_000 + n)
            fields = {
                "channel": CHANNEL,
                "ts": f"{base + n:.6f}",
                "status": "resolved",
                "status_by": "U0MARIA",
                "status_at": f"{base + n + 60:.3f}",
                "mention": "{}",
            }
            pipe.hset(keys.case(post_id), mapping=fields)
            pipe.zadd(keys.author_cases(author_id), {post_id: base + n})
        pipe.execute()


def bare_history(client: redis.Redis, author_id: str) -> float:
    started = time.perf_counter()
    newest = client.zrevrange(keys.author_cases(author_id), 0, SCAN_NEWEST)
    with client.pipeline(transaction=False) as pipe:
        for post_id in newest:  # type: ignore[union-attr]
            pipe.hmget(keys.case(post_id), ("status", "status_by", "status_at", "channel", "ts"))
        pipe.execute()
    client.zcard(keys.author_cases(author_id))
    return (time.perf_counter() - started) * 1e3


def history_lookup(client: redis.Redis, x: XFake, slack: SlackFake) -> list[Figure]:
    client.flushdb()
    settings = bench_settings(x.base_url, slack.base_url)
    web = TimedWebClient(token="xoxb-sandbox", base_url=settings.slack_api_base_url, timeout=10)
    lookup = HistoryLookup(client, web)
    mention = sample_mention(0)
    seed_history(client, mention.author.id)
    times, bare = [], []
    for round_ in range(300):
        http_before, started = web.http_seconds, time.perf_counter()
        shown = lookup.with_history(replace(mention, post_id=str(10**18 + round_)))
        times.append((time.perf_counter() - started - (web.http_seconds - http_before)) * 1e3)
        bare.append(bare_history(client, mention.author.id))
        assert shown.history is not None and shown.history.earlier == HISTORY
    times, bare = times[20:], bare[20:]
    p50, p99 = percentile(times, 50), percentile(times, 99)
    b50, b99 = percentile(bare, 50), percentile(bare, 99)
    return [
        Figure(
            "g. history of an author with 10,000 cases p99",
            f"{p99:.2f} ms = {p99 / b99:.1f}x bare",
            "<= 10 ms",
            p99 <= 10,
            f"p50 {p50:.2f} ms; newest 50 read, oldest 20 checked for expiry, count, the "
            "permalinks' Slack time excluded",
        ),
        Figure(
            "g. baseline: bare ZREVRANGE 50 + HMGET each p50/p99",
            f"{b50:.2f}/{b99:.2f} ms",
            "(baseline)",
            True,
        ),
    ]


def main() -> int:
    configure_logging("json", level=logging.WARNING)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    x, slack = XFake().start(), SlackFake().start()
    figures: list[Figure] = []
    try:
        for name, run in (
            ("f. follow-up threading", lambda: follow_up_overhead(client, x, slack)),
            ("g. history lookup", lambda: history_lookup(client, x, slack)),
        ):
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
