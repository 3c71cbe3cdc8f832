"""The mentions poller: catch up from the checkpoint, page by page, honouring X's limits."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any, Self

import structlog

from bot.domain.mention import Mention
from bot.domain.poll_pace import MENTIONS_LIMIT, next_poll_wait, planned_interval
from bot.pipeline.ingest import Ingest
from bot.services import Services
from bot.sources.x import MENTIONS_ENDPOINT, XError, XSource
from bot.store import keys
from bot.store.health import Health
from bot.store.lease import Lease
from bot.store.metrics import Metrics
from bot.store.source_health import record_successful_poll

log = structlog.get_logger()

MENTIONS = "x:mentions"
# X keeps only the 800 most recent mentions reachable: 8 pages of 100. A few more for safety.
MAX_PAGES_PER_ROUND = 12
# Sentinel checkpoint: the timeline was empty at first start, so everything after is new.
EMPTY_TIMELINE = "0"


class MentionsPoller:
    """Polls one X timeline under a lease; subclasses poll another (`name`, `_round`)."""

    @classmethod
    def for_worker(cls, services: Services, interval: float | None = None, **extra: Any) -> Self:
        """The poller as a worker runs it: its own lease (3 intervals, at least 30 s), the
        services' X source, health, metrics and clock; `interval` defaults to
        X_POLL_INTERVAL_SECONDS, and unset to as often as X's rate limit allows."""
        interval = interval or services.settings.x_poll_interval_seconds
        ttl_ms = int(max(planned_interval(interval, cls.nominal_limit) * 3, 30) * 1000)
        return cls(
            source=services.x,
            ingest=Ingest(services.redis),
            lease=Lease(services.redis, keys.lease(cls.name), services.consumer, ttl_ms=ttl_ms),
            health=services.health,
            metrics=services.metrics,
            interval=interval,
            clock=services.clock,
            **extra,
        )

    name = MENTIONS
    endpoint = MENTIONS_ENDPOINT  # whose rate-limit headers pace the rounds
    nominal_limit = MENTIONS_LIMIT  # its documented requests per 15 minutes

    def __init__(
        self,
        source: XSource,
        ingest: Ingest,
        lease: Lease,
        health: Health,
        metrics: Metrics,
        interval: float | None,
        backfill: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source, self.ingest, self.lease = source, ingest, lease
        self.health, self.metrics = health, metrics
        self.interval, self.backfill, self.clock = interval, backfill, clock
        self.failures = 0

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            wait = self.poll_once()
            stop.wait(wait)
        self.lease.release()

    def poll_once(self) -> float:
        """One round; returns how long to wait before the next one."""
        if not self.lease.acquire():
            return self.next_wait()  # another worker polls this source
        try:
            self._round()
        except XError as error:
            return self._after_error(error)
        if self.failures:
            log.info("x_poll_recovered", source=self.name, after_failures=self.failures)
        self.failures = 0
        self.health.ok("x")
        wait = self.next_wait()
        record_successful_poll(self.health.client, self.name, self.clock(), wait)
        return wait

    def next_wait(self) -> float:
        """X_POLL_INTERVAL_SECONDS when set, else as often as the endpoint's rate limit allows;
        never past the reserve of its window (bot/domain/poll_pace.py)."""
        rate = self.source.rate_window(self.endpoint)
        return next_poll_wait(self.interval, rate, self.nominal_limit, self.clock())

    def _round(self) -> None:
        checkpoint = self.ingest.checkpoint(MENTIONS)
        if checkpoint is None:
            self._first_start()
        else:
            self._catch_up(None if checkpoint == EMPTY_TIMELINE else checkpoint)

    def _first_start(self) -> None:
        """Begin at "now" (no flood of history) unless asked to backfill the last N mentions."""
        if self.backfill <= 0:
            page = self.source.mentions_page(None, None, max_results=5)
            start = page.newest_id or EMPTY_TIMELINE
            self.ingest.ingest(MENTIONS, [], start)
            log.info("x_mentions_start", checkpoint=start)
            return
        collected: list[Mention] = []
        token, newest = None, None
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.mentions_page(None, token, max_results=min(100, self.backfill))
            newest = newest or page.newest_id
            collected += page.mentions
            token = page.next_token
            if not token or len(collected) >= self.backfill:
                break
        self.ingest.ingest(MENTIONS, collected[: self.backfill], newest or EMPTY_TIMELINE)
        log.info("x_mentions_backfilled", count=min(len(collected), self.backfill))

    def _catch_up(self, since_id: str | None) -> None:
        """Read every page newer than the checkpoint; move the checkpoint only once caught up.

        Pages before the last are ingested without moving the checkpoint: if a later page fails,
        the next round reads them again and dedupe drops the repeats. Nothing is skipped.
        """
        token: str | None = None
        newest: str | None = None
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.mentions_page(since_id, token, max_results=100)
            newest = newest or page.newest_id
            token = page.next_token
            self.ingest.ingest(MENTIONS, page.mentions, None if token else newest)
            if not token:
                return
        log.warning("x_mentions_paging_capped", pages=MAX_PAGES_PER_ROUND)

    def _after_error(self, error: XError) -> float:
        self.failures += 1
        self.metrics.incr("x_429" if error.kind == "rate_limited" else "x_errors")
        if error.kind == "rate_limited":
            wait = max(1.0, float(error.retry_at or self.clock() + 60) - self.clock() + 1)
            log.warning("x_rate_limited", source=self.name, wait_seconds=round(wait, 1))
            return wait
        if error.kind in ("unauthorized", "forbidden"):
            reason = f"X refused the credentials ({error.status}): check the X_* keys and tokens"
            wait = min(900.0, 30.0 * 2.0 ** (self.failures - 1))
            self.health.problem("x", reason)
            log.error(
                "x_auth_failed", status=error.status, detail=error.detail, retry_in=round(wait, 1)
            )
            return wait
        wait = min(300.0, 2.0 ** min(self.failures, 9)) * random.uniform(0.5, 1.5)
        if self.failures >= 3:
            self.health.problem("x", f"X polling failing ({error.kind}: {error.detail})")
        log.warning(
            "x_poll_failed",
            source=self.name,
            kind=error.kind,
            detail=error.detail,
            retry_in=round(wait, 1),
            failures=self.failures,
        )
        return wait
