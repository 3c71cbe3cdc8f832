"""The Mastodon poller: the brand's mentions, read forward from the checkpoint, into the inbox.

Notification ids grow; a round asks for the page right after the checkpoint (`min_id`), ingests
it and moves the checkpoint to its newest id in the same atomic step, then asks again until a
page comes back short: a burst of any size is read without a gap, and a failure stops where
the last complete page ended. The first start begins at "now".
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

import structlog

from bot.pipeline.ingest import Ingest
from bot.services import Services
from bot.sources.mastodon import PAGE_LIMIT, MastodonCallError, MastodonSource
from bot.store import keys
from bot.store.health import Health
from bot.store.lease import Lease
from bot.store.metrics import Metrics
from bot.store.source_health import record_successful_poll

log = structlog.get_logger()

SOURCE = "mastodon:mentions"
HEALTH = "mastodon"
MAX_PAGES_PER_ROUND = 20
EMPTY = "0"  # no notification at the first start: everything after is new


class MastodonPoller:
    @classmethod
    def for_worker(cls, services: Services, source: MastodonSource) -> MastodonPoller:
        interval = services.settings.mastodon_poll_interval_seconds
        ttl_ms = int(max(interval * 3, 30) * 1000)
        return cls(
            source,
            Ingest(services.redis),
            Lease(services.redis, keys.lease(SOURCE), services.consumer, ttl_ms=ttl_ms),
            services.health,
            services.metrics,
            interval,
            services.clock,
        )

    def __init__(
        self,
        source: MastodonSource,
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
        if not self.lease.acquire():
            return self.interval
        try:
            self._round()
        except MastodonCallError as error:
            return self._after_error(error)
        self.failures = 0
        self.health.ok(HEALTH)
        record_successful_poll(self.health.client, SOURCE, self.clock(), self.interval)
        return self.interval

    def _round(self) -> None:
        checkpoint = self.ingest.checkpoint(SOURCE)
        if checkpoint is None:
            page = self.source.mentions_after(None)
            present = [mention for _id, mention in page if mention is not None]
            self.ingest.start_at(SOURCE, present, page[0][0] if page else EMPTY)
            log.info("mastodon_mentions_start", checkpoint=page[0][0] if page else EMPTY)
            return
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.mentions_after(checkpoint)  # EMPTY ("0"): from the first one
            if not page:
                return
            mentions = [mention for _id, mention in page if mention is not None]
            checkpoint = page[0][0]  # the newest of the page: everything up to it is in
            self.ingest.ingest(SOURCE, mentions, checkpoint)
            if len(page) < PAGE_LIMIT:
                return
        log.warning("mastodon_paging_capped", pages=MAX_PAGES_PER_ROUND)

    def _after_error(self, error: MastodonCallError) -> float:
        self.failures += 1
        self.metrics.incr("mastodon_errors")
        where = f"Mastodon {self.source.base_url}"
        if error.kind == "rate_limited":
            wait = max(1.0, (error.retry_at or self.clock() + 60) - self.clock() + 1)
            log.warning("mastodon_rate_limited", wait_seconds=round(wait, 1))
            return wait
        if error.kind == "unauthorized":
            self.health.problem(HEALTH, f"{where}: {error.user_text}")
            log.error("mastodon_auth_failed", detail=error.detail)
            return min(900.0, 30.0 * 2.0 ** (self.failures - 1))
        if self.failures >= 3:
            self.health.problem(HEALTH, f"{where}: polling failing ({error.kind})")
        log.warning("mastodon_poll_failed", kind=error.kind, detail=error.detail[:200])
        return min(300.0, 2.0 ** min(self.failures, 8)) * random.uniform(0.5, 1.5)
