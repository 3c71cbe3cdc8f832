"""Per-channel pacing shared by every worker through Redis: about one message a second."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis

from bot.store import keys


class ChannelPacer:
    """One slot per `interval_ms` per channel; a 429's Retry-After holds the channel for all."""

    def __init__(
        self,
        client: redis.Redis,
        interval_ms: int,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client, self.interval_ms, self.sleep = client, interval_ms, sleep

    def wait_for_slot(self, channel: str) -> None:
        if self.interval_ms <= 0 and not self.client.exists(keys.channel_pace(channel)):
            return
        key = keys.channel_pace(channel)
        while not self.client.set(key, "1", nx=True, px=max(1, self.interval_ms)):
            remaining_ms = self.client.pttl(key)
            self.sleep(max(remaining_ms, 5) / 1000 if remaining_ms > 0 else 0.005)

    def hold(self, channel: str, seconds: float) -> None:
        self.client.set(keys.channel_pace(channel), "hold", px=max(1, int(seconds * 1000)))
