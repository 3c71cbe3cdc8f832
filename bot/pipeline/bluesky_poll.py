"""The Bluesky poller: the brand's mentions, replies and quotes, into the same inbox as X's.

Bluesky has no "since" for notifications: its pages are newest first and the cursor only walks
to older ones. A round reads pages until it meets a notification indexed before the
checkpoint (the newest indexedAt of the last complete round), then ingests what it read in one
step that moves the checkpoint: a round that fails half-way moves nothing, and the next one
reads the same pages again (dedupe drops the repeats). Items indexed at the checkpoint's very
instant are read again too, for the same reason.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import structlog

from bot.domain.mention import Mention
from bot.pipeline.ingest import Ingest
from bot.services import Services
from bot.sources.bluesky import BlueskyError, BlueskySource
from bot.store import keys
from bot.store.health import Health
from bot.store.lease import Lease
from bot.store.metrics import Metrics
from bot.store.source_health import record_successful_poll

log = structlog.get_logger()

SOURCE = "bluesky:mentions"
HEALTH = "bluesky"
MAX_PAGES_PER_ROUND = 20
EMPTY = "0"  # nothing was there at the first start: everything after is new


class BlueskyPoller:
    @classmethod
    def for_worker(cls, services: Services, source: BlueskySource) -> BlueskyPoller:
        interval = services.settings.bluesky_poll_interval_seconds
        ttl_ms = int(max(interval * 3, 30) * 1000)
        return cls(
            source=source,
            ingest=Ingest(services.redis),
            lease=Lease(services.redis, keys.lease(SOURCE), services.consumer, ttl_ms=ttl_ms),
            health=services.health,
            metrics=services.metrics,
            interval=interval,
            clock=services.clock,
        )

    def __init__(
        self,
        source: BlueskySource,
        ingest: Ingest,
        lease: Lease,
        health: Health,
        metrics: Metrics,
        interval: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source, self.ingest, self.lease = source, ingest, lease
        self.health, self.metrics, self.interval, self.clock = health, metrics, interval, clock
        self.failures = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            stop.wait(self.poll_once())
        self.lease.release()

    def poll_once(self) -> float:
        """One round; how long to wait before the next."""
        if not self.lease.acquire():
            return self.interval
        try:
            self._round()
        except BlueskyError as error:
            return self._after_error(error)
        if self.failures:
            log.info("bluesky_poll_recovered", after_failures=self.failures)
        self.failures = 0
        self.health.ok(HEALTH)
        record_successful_poll(self.health.client, SOURCE, self.clock(), self.interval)
        return self.interval

    def _round(self) -> None:
        checkpoint = self.ingest.checkpoint(SOURCE)
        if checkpoint is None:  # begin at "now": no flood of history at the first start
            page = self.source.notifications(None)
            start = page.items[0][0] if page.items else EMPTY
            present = [mention for _at, mention in page.items if mention is not None]
            self.ingest.start_at(SOURCE, present, start)
            log.info("bluesky_mentions_start", checkpoint=start)
            return
        collected: list[Mention] = []
        newest: str | None = None
        cursor: str | None = None
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.notifications(cursor)
            newest = newest or (page.items[0][0] if page.items else None)
            fresh = [(at, mention) for at, mention in page.items if at >= checkpoint]
            collected += [mention for _at, mention in fresh if mention is not None]
            cursor = page.cursor
            if len(fresh) < len(page.items) or not cursor:
                break  # reached what the last round read (or the oldest page)
        else:
            log.warning("bluesky_paging_capped", pages=MAX_PAGES_PER_ROUND)
        moved = newest if newest is not None and newest > checkpoint else None
        self.ingest.ingest(SOURCE, collected, moved)

    def _after_error(self, error: BlueskyError) -> float:
        self.failures += 1
        self.metrics.incr("bluesky_errors")
        if error.kind == "rate_limited":
            wait = max(1.0, (error.retry_at or self.clock() + 60) - self.clock() + 1)
            log.warning("bluesky_rate_limited", wait_seconds=round(wait, 1))
            return wait
        if error.kind == "unauthorized":
            self.health.problem(HEALTH, f"Bluesky @{self.source.handle}: {error.user_text}")
            log.error("bluesky_auth_failed", detail=error.detail)
            return min(900.0, 30.0 * 2.0 ** (self.failures - 1))
        wait = min(300.0, 2.0 ** min(self.failures, 8)) * random.uniform(0.5, 1.5)
        if self.failures >= 3:
            self.health.problem(
                HEALTH, f"Bluesky @{self.source.handle}: polling failing ({error.kind})"
            )
        log.warning("bluesky_poll_failed", kind=error.kind, detail=error.detail[:200])
        return wait
