"""Counters and histograms kept in Redis, so every worker adds to one set that serve exposes."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import redis

from bot.store import keys

# Delivery lag: seconds from ingest to card in Slack.
LAG_BUCKETS: tuple[float, ...] = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)

COUNTERS: dict[str, str] = {
    "mentions_ingested": "Posts appended to the inbox stream (after dedupe)",
    "cards_posted": "Mention cards posted to Slack",
    "groups_posted": "Group messages posted (several cases in one, behind a channel backlog)",
    "groups_refused": "Group messages Slack refused for good (their posts went out as cards)",
    "slack_429": "Slack answers of HTTP 429 (ratelimited)",
    "x_429": "X answers of HTTP 429 (rate limit)",
    "x_errors": "X polls that failed (auth, 5xx, timeout)",
    "delivery_errors": "Card deliveries that failed and were left pending",
    "malformed_items": "Items from X or the stream that were skipped as malformed",
}


@dataclass(frozen=True, slots=True)
class HistogramSnapshot:
    buckets: list[tuple[float, int]]  # cumulative counts per upper bound
    count: int
    total: float


class Metrics:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def incr(self, name: str, amount: int = 1) -> None:
        self.client.hincrby(keys.METRICS, name, amount)

    def observe_lag(self, seconds: float, pipe: redis.client.Pipeline | None = None) -> None:
        target = pipe if pipe is not None else self.client
        index = bisect.bisect_left(LAG_BUCKETS, seconds)
        bucket = f"lag_le_{LAG_BUCKETS[index]}" if index < len(LAG_BUCKETS) else "lag_le_inf"
        target.hincrby(keys.METRICS, bucket, 1)
        target.hincrby(keys.METRICS, "lag_count", 1)
        target.hincrbyfloat(keys.METRICS, "lag_sum", seconds)

    def counters(self) -> dict[str, int]:
        raw = self.client.hgetall(keys.METRICS)
        return {name: int(float(raw.get(name, 0))) for name in COUNTERS}

    def lag(self) -> HistogramSnapshot:
        raw = self.client.hgetall(keys.METRICS)
        running, cumulative = 0, []
        for bound in LAG_BUCKETS:
            running += int(raw.get(f"lag_le_{bound}", 0))
            cumulative.append((bound, running))
        running += int(raw.get("lag_le_inf", 0))
        cumulative.append((float("inf"), running))
        return HistogramSnapshot(
            cumulative, int(raw.get("lag_count", 0)), float(raw.get("lag_sum", 0.0))
        )
