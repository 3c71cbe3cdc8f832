"""Figures for /track, against real Redis and the X fake over HTTP.

1. One polling round with 200 active rules, Earshot's own overhead: the round's wall time minus
   the time spent inside X calls (HTTP to the X fake, which runs in its own process so its work
   does not compete for this one's CPU). Quiet round (nothing new) and busy round (5 new posts
   for every rule, 1,000 in all). 7 rounds each. Target <= 50 ms.
2. Rule matching/merging of 10,000 posts, each matched by the mentions timeline and one to three
   of the 200 rules: for every post, one card that lists every rule, its channel (highest
   priority) and its marks (TrackRouter.place). Target <= 1 s. Printed beside it: the same with
   each post's sources read from Redis, and the ingest of those posts from every source.
Each is printed beside a baseline measured in the same run, as a ratio: for (1) a bare loop
that makes, for each of the 200 rules, the two Redis round trips any poll needs (read its
checkpoint, plan its next poll); for (2) a bare loop that only sorts each post's sources.
Uses Redis database 10 (flushed), or EARSHOT_BENCH_REDIS_URL.
Run: .venv/bin/python benchmarks/track_rules.py
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import redis
import requests

from bot.config import Settings
from bot.domain.mention import Author, Mention
from bot.domain.track_rule import MENTIONS_SOURCE, Priority, TrackRule
from bot.logging import configure_logging
from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.pipeline.track_poll import PollerConfig, TrackPoller, build_track_poller
from bot.pipeline.track_route import TrackRouter
from bot.sandbox.slack_api import SlackFake
from bot.services import build_services
from bot.sources.x import XSource
from bot.sources.x_parse import Page
from bot.store import keys
from bot.store.tracks import TrackStore

REDIS_URL = os.environ.get("EARSHOT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
RULES = 200
POSTS = 10_000
ROUNDS = 7
ROUND_TARGET_MS = 50.0
MERGE_TARGET_S = 1.0


class TimedX(XSource):
    """The real X adapter, timing what is spent inside search calls (X's share of a round)."""

    spent: float = 0.0
    calls: int = 0

    def search_page(self, *args: Any, **kwargs: Any) -> Page:
        started = time.perf_counter()
        try:
            return super().search_page(*args, **kwargs)
        finally:
            self.spent += time.perf_counter() - started
            self.calls += 1


def settings(x_url: str, slack: SlackFake) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-sandbox",  # type: ignore[arg-type]
        slack_signing_secret="bench",  # type: ignore[arg-type]
        slack_api_base_url=f"{slack.base_url}/api/",
        slack_mentions_channel="C0MENTIONS",
        x_api_base_url=x_url,
        x_bearer_token="bench-bearer",  # type: ignore[arg-type]
        x_api_key="k",  # type: ignore[arg-type]
        x_api_secret="s",  # type: ignore[arg-type]
        x_access_token="1000-a",  # type: ignore[arg-type]
        x_access_token_secret="t",  # type: ignore[arg-type]
        x_poll_interval_seconds=60,
        redis_url=REDIS_URL,
    )


def make_rules(store: TrackStore, count: int) -> list[TrackRule]:
    made = []
    for n in range(count):
        rule = TrackRule(
            id="",
            query=f"brandword{n}",
            created_by="U0BENCH",
            created_at=time.time() - 5,
            channel=f"C0TEAM{n % 7}" if n % 3 else None,
            priority=Priority.HIGH if n % 10 == 0 else Priority.NORMAL,
        )
        stored = store.add(rule, rule.query)
        assert isinstance(stored, TrackRule)
        made.append(stored)
    return made


class XFakeProcess:
    """The X fake in a child process, driven through its HTTP control API."""

    CODE = (
        "import sys; from bot.sandbox.x_api import XFake; fake = XFake().start(); "
        "fake.set_rate_limit('/2/tweets/search/recent', 10**9); "
        "print(fake.base_url, flush=True); sys.stdin.read()"
    )

    def __enter__(self) -> XFakeProcess:
        self.process = subprocess.Popen(
            [sys.executable, "-c", self.CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()
        self.http = requests.Session()
        return self

    def __exit__(self, *_: object) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)

    def add_post(self, text: str) -> None:
        answer = self.http.post(
            f"{self.base_url}/_control/posts", json={"text": text, "author": ["3001", "c", "C"]}
        )
        answer.raise_for_status()


def polling_rounds(
    x: XFakeProcess, client: redis.Redis, poller: TrackPoller, busy: bool
) -> list[float]:
    source = poller.source
    assert isinstance(source, TimedX)
    overheads = []
    for round_number in range(ROUNDS):
        if busy:
            for n in range(RULES):
                for k in range(5):
                    x.add_post(f"brandword{n} news {round_number}-{k}")
        client.zadd(keys.TRACK_DUE, {f"t{n + 1}": 0 for n in range(RULES)})
        calls_before = source.calls
        source.spent = 0.0
        started = time.perf_counter()
        poller.poll_round()
        total = time.perf_counter() - started
        assert source.calls - calls_before >= RULES, "a round did not poll every rule"
        overheads.append((total - source.spent) * 1000)
    return overheads


def bench_round() -> bool:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    with XFakeProcess() as x, SlackFake() as slack:
        services = build_services(settings(x.base_url, slack), client)
        services.__dict__["x"] = TimedX(services.settings)  # the cached_property, pre-filled
        services.x.me()
        make_rules(TrackStore(client), RULES)
        poller = build_track_poller(services)
        poller.config = PollerConfig(interval=60, parallel=1)
        polling_rounds(x, client, poller, busy=False)  # first polls (start_time): warm-up
        quiet = polling_rounds(x, client, poller, busy=False)
        busy = polling_rounds(x, client, poller, busy=True)
    bare = statistics.median(bare_round(client) for _ in range(ROUNDS))
    client.flushdb()
    ok = True
    print(f"baseline: bare loop, 2 Redis round trips per rule x {RULES}: median {bare:.1f} ms")
    for name, figures in (("quiet", quiet), ("busy (1,000 new posts)", busy)):
        median = statistics.median(figures)
        print(
            f"polling round, {RULES} rules, {name}: own overhead median {median:.1f} ms "
            f"= {median / bare:.1f}x bare, max {max(figures):.1f} ms (X time excluded)"
        )
        ok = ok and (name != "quiet" or median <= ROUND_TARGET_MS)
    print(f"  target <= {ROUND_TARGET_MS:.0f} ms for the quiet round: {'OK' if ok else 'MISSED'}")
    return ok


def bare_round(client: redis.Redis) -> float:
    """Ms of the least a round must do in Redis for each rule: read its checkpoint, plan its
    next poll (one round trip each, no X call, no parsing)."""
    started = time.perf_counter()
    for n in range(RULES):
        client.get(keys.checkpoint(f"track:t{n + 1}"))
        client.zadd(keys.TRACK_DUE, {f"t{n + 1}": time.time() + 60})
    return (time.perf_counter() - started) * 1000


def sample_posts(rules: list[TrackRule]) -> tuple[list[Mention], list[frozenset[str]]]:
    rng = random.Random(5)
    posts, sources = [], []
    for n in range(POSTS):
        author = Author(str(4000 + n % 500), f"user{n % 500}", "User", followers=10 ** (n % 7))
        posts.append(
            Mention(
                post_id=str(1_960_000_000_000_000_000 + n),
                text=f"post {n}",
                author=author,
                created_at=datetime.now(UTC),
            )
        )
        chosen = rng.sample(rules, rng.randint(1, 3))
        sources.append(frozenset({MENTIONS_SOURCE, *(rule.source for rule in chosen)}))
    return posts, sources


def bench_merge() -> bool:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    rules = make_rules(TrackStore(client), RULES)
    posts, sources = sample_posts(rules)
    router = TrackRouter(client, "C0MENTIONS")
    router.place(posts[0], sources[0])  # the router's rule snapshot, read once

    started = time.perf_counter()
    for post, matched in zip(posts, sources, strict=True):
        router.place(post, matched)
    merge_s = time.perf_counter() - started
    started = time.perf_counter()
    for matched in sources:
        sorted(matched)
    bare_s = time.perf_counter() - started

    ingest = Ingest(client)
    offers: dict[str, list[Mention]] = {}
    for post, matched in zip(posts, sources, strict=True):
        for source in matched:
            offers.setdefault(MENTIONS if source == MENTIONS_SOURCE else source, []).append(post)
    started = time.perf_counter()
    for source, offered in offers.items():
        for start in range(0, len(offered), 100):
            ingest.ingest(source, offered[start : start + 100], None)
    ingest_s = time.perf_counter() - started

    started = time.perf_counter()
    for post in posts:
        found = frozenset(str(s) for s in client.smembers(keys.post_sources(post.post_id)))
        router.place(post, found)
    place_s = time.perf_counter() - started
    client.flushdb()

    offered_total = sum(len(v) for v in offers.values())
    print(
        f"matching/merging {POSTS:,} posts ({RULES} rules, 2-4 sources each: one card each, "
        f"every rule listed, channel and marks decided): {merge_s * 1000:.0f} ms "
        f"= {merge_s / bare_s:.0f}x bare"
    )
    print(f"  baseline: a bare loop sorting each post's sources: {bare_s * 1000:.1f} ms")
    print(
        f"  the same with each post's sources read from Redis (one round trip a post, as "
        f"delivery does): {place_s:.2f} s"
    )
    print(
        f"  ingest of those posts from every source ({offered_total:,} offers: dedupe, "
        f"sources sets, update entries): {ingest_s:.2f} s"
    )
    ok = merge_s <= MERGE_TARGET_S
    print(f"  target <= {MERGE_TARGET_S:.0f} s for matching/merging: {'OK' if ok else 'MISSED'}")
    return ok


def main() -> int:
    configure_logging("console", level=30)  # warnings only, as a production worker at INFO
    results = [bench_round(), bench_merge()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
