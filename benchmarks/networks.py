"""What Earshot itself adds to a polling round on Bluesky and Mastodon, and ingest per network.

Each poll round runs against its network's fake over loopback with the real SDK, with new
mentions waiting; the baseline is the same SDK call alone in the same run (the bare request
and its parsing), so the difference is Earshot's own work: turning notifications into
mentions, the lease, the checkpoint, ingest's Lua step, the health marks. Then ingest of
2,000 posts per network, beside X's.

Printed: the overhead per round for each network (median and p95), one round over the three
networks together (X's own figure: benchmarks/pipeline.py), and ingest posts/s per network.
Several accounts per network are not built yet, so the issue's 3 networks x 5 accounts round is
measured as 3 networks x 1 account.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import redis
from _common import Figure, percentile, print_table, sample_mention

from bot.domain.mention import Author, Mention
from bot.domain.network import bluesky_post_id, mastodon_post_id
from bot.logging import configure_logging
from bot.pipeline.bluesky_poll import BlueskyPoller
from bot.pipeline.ingest import Ingest
from bot.pipeline.mastodon_poll import SOURCE as MASTODON_SOURCE
from bot.pipeline.mastodon_poll import MastodonPoller
from bot.sandbox.bluesky_api import BRAND_HANDLE, BRAND_PASSWORD, BlueskyFake
from bot.sandbox.mastodon_api import MastodonFake
from bot.sources.bluesky import BlueskySource
from bot.sources.mastodon import MastodonSource
from bot.store.health import Health
from bot.store.lease import Lease
from bot.store.metrics import Metrics

REDIS_URL = os.environ.get("EARSHOT_NETWORKS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
ROUNDS = 40
WAITING = 20  # new mentions per round
INGESTED = 2000


def main() -> int:
    configure_logging("json", level=logging.WARNING)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    bsky, toot = BlueskyFake().start(), MastodonFake().start()
    try:
        blue = _bluesky_rounds(client, bsky)
        masto = _mastodon_rounds(client, toot)
    finally:
        bsky.stop()
        toot.stop()
    ingest = {name: _ingest_rate(client, make) for name, make in MAKERS.items()}
    client.flushdb()
    both = [b + m for b, m in zip(blue, masto, strict=True)]
    figures = [
        _overhead("Bluesky round overhead", blue),
        _overhead("Mastodon round overhead", masto),
        Figure("one round over the networks (p95)", f"{percentile(both, 95) * 1000:.1f} ms",
               "<= 50 ms", percentile(both, 95) <= 0.05,
               "Earshot's own work in a Bluesky + a Mastodon round (+ X: benchmarks/pipeline.py)"),
        *(Figure(f"ingest, {name} posts", f"{rate:,.0f} posts/s", ">= 2,000 posts/s",
                 rate >= 2000) for name, rate in ingest.items()),
    ]  # fmt: skip
    print_table(figures)
    return 0


def _overhead(name: str, values: list[float]) -> Figure:
    p50, p95 = percentile(values, 50) * 1000, percentile(values, 95) * 1000
    return Figure(name, f"{p50:.1f}/{p95:.1f} ms (p50/p95)", "(info)", True,
                  f"a round with {WAITING} new mentions minus the bare SDK call")  # fmt: skip


def _bluesky_rounds(client: redis.Redis, fake: BlueskyFake) -> list[float]:
    source = BlueskySource(BRAND_HANDLE, BRAND_PASSWORD, fake.base_url)
    poller = BlueskyPoller(source, Ingest(client), _lease(client, "b"), Health(client),
                           Metrics(client), 1.0)  # fmt: skip
    poller.poll_once()  # the first start: "now"
    bare = BlueskySource(BRAND_HANDLE, BRAND_PASSWORD, fake.base_url)
    bare.login()
    params = {"limit": 50, "reasons": ["mention", "reply", "quote"]}

    def seed(n: int) -> None:
        for i in range(WAITING):
            fake.add_post(f"user{i}.bsky.social", f"@{BRAND_HANDLE} round {n} post {i}")

    def bare_call() -> Callable[[], object]:  # the poll reads one page: the newest
        return lambda: bare.client.app.bsky.notification.list_notifications(params)

    return _rounds(seed, lambda: poller.poll_once(), bare_call)


def _mastodon_rounds(client: redis.Redis, fake: MastodonFake) -> list[float]:
    source = MastodonSource(fake.base_url, fake.token)
    poller = MastodonPoller(source, Ingest(client), _lease(client, "m"), Health(client),
                            Metrics(client), 1.0)  # fmt: skip
    poller.poll_once()
    bare = MastodonSource(fake.base_url, fake.token)
    accounts = [fake.add_account(f"user{i}", domain="remote.example") for i in range(WAITING)]

    def seed(n: int) -> None:
        for i, account in enumerate(accounts):
            fake.add_status(account, f"round {n} post {i}")

    ingest = Ingest(client)

    def bare_call() -> Callable[[], object]:  # the poll reads the page after its checkpoint
        checkpoint = ingest.checkpoint(MASTODON_SOURCE)
        return lambda: bare.client.notifications(types=["mention"], min_id=checkpoint, limit=80)

    return _rounds(seed, lambda: poller.poll_once(), bare_call)


def _rounds(seed: Callable[[int], None], round_: Callable[[], object],
            bare: Callable[[], Callable[[], object]]) -> list[float]:  # fmt: skip
    """Per round: (the poll with WAITING new mentions) - (the same SDK calls alone, made
    right after on the same notifications: `bare()` captures the round's starting point)."""
    overheads = []
    for n in range(ROUNDS):
        seed(n)
        same_calls = bare()
        started = time.perf_counter()
        round_()
        polled = time.perf_counter() - started
        started = time.perf_counter()
        same_calls()
        overheads.append(max(0.0, polled - (time.perf_counter() - started)))
    return overheads


def _lease(client: redis.Redis, name: str) -> Lease:
    return Lease(client, f"bench:lease:{name}", "bench", ttl_ms=60_000)


def _bluesky_mention(n: int) -> Mention:
    author = Author(f"did:plc:u{n}", f"user{n}.bsky.social", "User", network="bluesky")
    uri = f"at://did:plc:u{n}/app.bsky.feed.post/3k{n:011d}"
    return Mention(bluesky_post_id(uri), f"@earshot hi {n}", author, datetime.now(UTC))


def _mastodon_mention(n: int) -> Mention:
    author = Author(str(n), f"user{n}@remote.example", "User", network="mastodon")
    return Mention(mastodon_post_id(str(10**17 + n)), f"hi {n}", author, datetime.now(UTC))


MAKERS: dict[str, Callable[[int], Mention]] = {
    "X": lambda n: replace(sample_mention(n), post_id=str(10**18 + n)),
    "Bluesky": _bluesky_mention,
    "Mastodon": _mastodon_mention,
}


def _ingest_rate(client: redis.Redis, make: Callable[[int], Mention]) -> float:
    client.flushdb()
    ingest = Ingest(client)
    mentions = [make(n) for n in range(INGESTED)]
    started = time.perf_counter()
    for start in range(0, INGESTED, 100):
        ingest.ingest("bench", mentions[start : start + 100], None)
    return INGESTED / (time.perf_counter() - started)


if __name__ == "__main__":
    raise SystemExit(main())
