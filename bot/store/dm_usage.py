"""How many DM events Earshot reads and DMs it sends, per UTC day: the DM part of the monthly
cost estimate (bot/domain/track_cost.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import redis

from bot.domain.track_cost import dm_monthly_cost, posts_per_day
from bot.store import keys

WINDOW_DAYS = 7
KEEP_SECONDS = (WINDOW_DAYS + 1) * 86_400


def _day(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).date().isoformat()


class DmUsage:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def count(self, field: str, n: int, at: float) -> None:
        """Add `n` to today's `reads` or `sends`."""
        if n <= 0:
            return
        key = keys.dm_usage(_day(at))
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, field, n)
            pipe.expire(key, KEEP_SECONDS)
            pipe.execute()

    def monthly_estimate(self, now: float) -> tuple[float, float, float]:
        """(dollars a month, reads a day, sends a day) over the last WINDOW_DAYS days."""
        today = datetime.fromtimestamp(now, UTC).date()
        days = [(today - timedelta(days=n)).isoformat() for n in range(WINDOW_DAYS)]
        with self.client.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hmget(keys.dm_usage(day), ("reads", "sends"))
            rows = cast(list[list[Any]], pipe.execute())
        reads = sum(int(r or 0) for r, _s in rows)
        sends = sum(int(s or 0) for _r, s in rows)
        used = [n for n, (r, s) in enumerate(rows) if r or s]
        if not used:
            return 0.0, 0.0, 0.0
        # From the start of the oldest day with DMs to now: a first busy hour is not a trend.
        oldest = datetime.combine(today - timedelta(days=max(used)), datetime.min.time(), UTC)
        window = now - oldest.timestamp()
        per_day_reads, per_day_sends = posts_per_day(reads, window), posts_per_day(sends, window)
        return dm_monthly_cost(per_day_reads, per_day_sends), per_day_reads, per_day_sends
