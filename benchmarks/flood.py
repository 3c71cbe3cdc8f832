"""Floods into one channel through a real `earshot worker`: 120 mentions in 20 s (6/s), then
1,000 at 20/s (`--quick`: only the first).

The X fake enforces the documented mention reads (300 per 15 min) and the Slack fake Slack's
per-channel limit (about 1 message/s with a small burst, 429 + Retry-After past it). The
worker runs with default settings (adaptive polling, 1 message/s pacing per channel). Six of
the mentions look urgent (an outage report, being charged twice...).

Printed, each beside its baseline from the same run:
- every mention visible exactly once (0 lost, 0 duplicates), no 429 left unhandled;
- mention-to-card p50/p95 of the urgent posts against the others (priority's gain);
- mention-to-visible p95 of all of them (a post is visible once the card or the group message
  holding it, with its buttons, is in Slack) against strict pacing (one card per mention, 1/s,
  no work at all: today's behaviour), and how many messages carried them;
- when the spike alert arrived, counted from the first mention;
- the worker's peak RSS.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any

import psutil
import redis
from _common import (
    CHANNEL,
    Figure,
    add_sample_post,
    percentile,
    print_table,
    spawn_worker,
    strict_pacing,
)
from _common import wait_for as wait_until

from bot.logging import configure_logging
from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.metrics import Metrics

REDIS_URL = os.environ.get("EARSHOT_FLOOD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
SCENARIOS = ((120, 20.0), (1000, 50.0))  # mentions, over so many seconds: 6/s, then 20/s
URGENT_EVERY = 20  # mentions 10, 30, 50...: urgent posts spread over the flood
URGENT_TEXT = "@earshot_co the app is down and I was charged twice, please help"


def main(quick: bool) -> int:
    configure_logging("json", level=logging.WARNING)
    for count, seconds in SCENARIOS[:1] if quick else SCENARIOS:
        print(f"\n{count} mentions in {seconds:.0f} s ({count / seconds:.0f}/s) into one channel")
        run(count, seconds)
    return 0


def run(count: int, seconds: float) -> None:
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    x, slack = XFake().start(), SlackFake().start()
    slack.set_rate(1, 3)
    added: dict[str, float] = {}
    urgent: set[str] = set()
    peak_rss = 0.0
    try:
        with spawn_worker(x, slack, None, REDIS_URL=REDIS_URL) as log_path:
            wait_until(lambda: Ingest(client).checkpoint(MENTIONS) is not None, 60, log_path)
            worker = next(p for p in psutil.Process().children() if p.cmdline()[-1:] == ["worker"])
            start = time.time()
            origin = time.monotonic()
            for n in range(count):
                time.sleep(max(0.0, origin + n * seconds / count - time.monotonic()))
                if n % URGENT_EVERY == URGENT_EVERY // 2:
                    post = x.add_post(URGENT_TEXT + f" #{n}", author=(f"9{n}", f"u{n}", "U"))
                    urgent.add(post["id"])
                else:
                    post = add_sample_post(x, n)
                added[post["id"]] = time.time()

            def all_out() -> bool:
                nonlocal peak_rss
                peak_rss = max(peak_rss, worker.memory_info().rss / 2**20)
                return len(_visible(slack)) >= count

            wait_until(all_out, count * 2 + 60, log_path)
            spike_at = _spike_time(slack)
            counters = Metrics(client).counters()
    finally:
        client.flushdb()
        x.stop()
        slack.stop()
    _report(slack, added, urgent, start, spike_at, counters, peak_rss)


def _messages(slack: SlackFake) -> list[dict[str, Any]]:
    """Top-level cards and group messages."""
    return [m for m in slack.messages(CHANNEL) if m.get("metadata") and not m.get("thread_ts")]


def _visible(slack: SlackFake) -> dict[str, list[float]]:
    """Post id -> the ts of every top-level message showing it (more than one: a duplicate)."""
    shown: dict[str, list[float]] = {}
    for message in _messages(slack):
        payload = message["metadata"]["event_payload"]
        for post_id in payload.get("post_ids") or [payload["post_id"]]:
            shown.setdefault(str(post_id), []).append(float(message["ts"]))
    return shown


def _spike_time(slack: SlackFake) -> float | None:
    alerts = [float(m["ts"]) for m in slack.messages(CHANNEL) if "Spike" in str(m.get("text"))]
    return min(alerts) if alerts else None


def _report(
    slack: SlackFake,
    added: dict[str, float],
    urgent: set[str],
    start: float,
    spike_at: float | None,
    counters: dict[str, int],
    peak_rss: float,
) -> None:
    shown = _visible(slack)
    count = len(added)
    lost = len(set(added) - set(shown))
    duplicates = sum(len(at) - 1 for at in shown.values())
    latency = {p: min(shown[p]) - when for p, when in added.items() if p in shown}
    hot = [latency[p] for p in urgent if p in latency]
    calm = [latency[p] for p in added if p not in urgent and p in latency]
    every = list(latency.values())
    strict = strict_pacing(sorted(added.values()), poll=0)
    u50, u95 = percentile(hot, 50), percentile(hot, 95)
    c50, c95 = percentile(calm, 50), percentile(calm, 95)
    a50, a95, s95 = percentile(every, 50), percentile(every, 95), percentile(strict, 95)
    polls = 3.8  # the adaptive mentions interval (bot/domain/poll_pace.py), the goal's "poll"
    goal = polls + (5 if count <= 120 else 10)
    spike = f"{spike_at - start:.1f} s" if spike_at is not None else "none"
    messages = len(_messages(slack))
    figures = [
        Figure("visible, lost, duplicates", f"{len(shown)}/{count}, {lost}, {duplicates}",
               "all, 0, 0", lost == 0 and duplicates == 0),
        Figure("messages carrying them", f"{messages} ({counters['groups_posted']} groups)",
               f"(baseline: {count} cards)", True),
        Figure("Slack 429s (all retried)", f"{counters['slack_429']}", "(info)", True),
        Figure("all posts p50/p95", f"{a50:.1f}/{a95:.1f} s = {a95 / s95:.2f}x strict pacing",
               f"<= poll + {goal - polls:.0f} s = {goal:.1f} s", a95 <= goal),
        Figure("baseline: strict pacing p95", f"{s95:.1f} s", "(baseline)", True,
               "one card per mention at most 1/s per channel, seen the moment it is posted"),
        Figure("urgent posts p50/p95", f"{u50:.1f}/{u95:.1f} s", "(info)", True),
        Figure("the other posts p50/p95", f"{c50:.1f}/{c95:.1f} s", "(info)", True),
        Figure("spike alert after the first mention", spike, "<= 60 s",
               spike_at is not None and spike_at - start <= 60),
        Figure("worker peak RSS", f"{peak_rss:.0f} MiB", "<= 150 MiB", peak_rss <= 150),
    ]  # fmt: skip
    print_table(figures)


if __name__ == "__main__":
    raise SystemExit(main(quick="--quick" in sys.argv[1:]))
