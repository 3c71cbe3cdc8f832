"""Default settings against the old default: mention-to-card time at 0.2 mentions/s.

Two real `earshot worker` processes run side by side, each with its own X fake (the documented
300 mention reads per 15 min, enforced with 429s), Slack fake (about 1 message/s per channel)
and Redis database, and receive the same mentions at the same moments:
- "adaptive": no X_POLL_INTERVAL_SECONDS (what a deployment gets now: paced by X's headers);
- "baseline": X_POLL_INTERVAL_SECONDS=60, the previous default.
Printed: mention-to-card p50/p95 of each, their ratio, and the 429s X answered each worker.
Goal (issue 12): p95 <= 5 s at default settings, never a 429 from X.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import threading
import time

import redis
from _common import (
    CHANNEL,
    Figure,
    add_sample_post,
    percentile,
    print_table,
    spawn_worker,
    wait_for,
)

from bot.logging import configure_logging
from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.metrics import Metrics

DATABASES = {"adaptive": 6, "baseline": 9}
WINDOW_SECONDS = float(os.environ.get("EARSHOT_ADAPTIVE_BENCH_SECONDS", "150"))
RATE = 0.2  # mentions per second


class Run:
    """One worker with its own fakes and Redis database, fed the shared arrival moments."""

    def __init__(self, name: str, poll_interval: str | None) -> None:
        self.name, self.poll_interval = name, poll_interval
        self.url = f"redis://127.0.0.1:6379/{DATABASES[name]}"
        self.client = redis.Redis.from_url(self.url, decode_responses=True)
        self.client.flushdb()
        self.x, self.slack = XFake().start(), SlackFake().start()
        self.slack.set_rate(1, 3)
        self.added: dict[str, float] = {}
        self.latencies: list[float] = []
        self.rate_limited = 0

    def feed(self, moments: list[float]) -> None:
        with spawn_worker(self.x, self.slack, self.poll_interval, REDIS_URL=self.url) as log:
            wait_for(lambda: Ingest(self.client).checkpoint(MENTIONS) is not None, 60, log)
            origin = time.monotonic()
            for n, moment in enumerate(moments):
                time.sleep(max(0.0, origin + moment - time.monotonic()))
                self.added[add_sample_post(self.x, n)["id"]] = time.time()
            wait_for(lambda: len(self.slack.messages(CHANNEL)) >= len(moments), 120, log)
            self.rate_limited = Metrics(self.client).counters()["x_429"]
        cards = {
            m["metadata"]["event_payload"]["post_id"]: float(m["ts"])
            for m in self.slack.messages(CHANNEL)
        }
        assert sorted(cards) == sorted(self.added), f"{self.name}: one card per mention"
        self.latencies = [cards[post_id] - at for post_id, at in self.added.items()]

    def close(self) -> None:
        self.client.flushdb()
        self.x.stop()
        self.slack.stop()


def main() -> int:
    configure_logging("json", level=logging.WARNING)
    rng = random.Random(20261203)
    count = int(WINDOW_SECONDS * RATE)
    moments = sorted(rng.uniform(0, WINDOW_SECONDS) for _ in range(count))
    runs = [Run("adaptive", None), Run("baseline", "60")]
    print(f"running {count} mentions over {WINDOW_SECONDS:.0f} s, twice...", file=sys.stderr)
    try:
        threads = [threading.Thread(target=run.feed, args=(moments,)) for run in runs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        adaptive, baseline = runs
        if not adaptive.latencies or not baseline.latencies:
            raise SystemExit("a run failed; see its worker log above")
        a50, a95 = percentile(adaptive.latencies, 50), percentile(adaptive.latencies, 95)
        b50, b95 = percentile(baseline.latencies, 50), percentile(baseline.latencies, 95)
        figures = [
            Figure(
                "mention-to-card p95 @0.2/s, default settings",
                f"{a95:.2f} s = {a95 / b95:.2f}x baseline",
                "<= 5 s",
                a95 <= 5.0,
                f"p50 {a50:.2f} s ({a50 / b50:.2f}x), max {max(adaptive.latencies):.2f} s",
            ),
            Figure(
                "baseline: X_POLL_INTERVAL_SECONDS=60 p50/p95",
                f"{b50:.2f}/{b95:.2f} s",
                "(baseline)",
                True,
                "the previous default, the same mentions at the same moments",
            ),
            Figure(
                "429s from X, default settings",
                f"{adaptive.rate_limited} (baseline {baseline.rate_limited})",
                "0",
                adaptive.rate_limited == 0,
            ),
        ]
    finally:
        for run in runs:
            run.close()
    print_table(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
