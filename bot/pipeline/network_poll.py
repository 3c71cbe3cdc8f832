"""What every poller of a network other than X shares: its lease, its loop, its pace, and
what a failure does (wait out a 429, back off, tell /healthz which account and what to fix).
A subclass reads its network in `_round`, which raises SocialError on failure."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

import structlog

from bot.pipeline.ingest import Ingest
from bot.services import Services
from bot.sources.social_error import SocialError
from bot.store import keys
from bot.store.health import Health
from bot.store.lease import Lease
from bot.store.metrics import Metrics
from bot.store.source_health import record_successful_poll

log = structlog.get_logger()

Source = TypeVar("Source")


class NetworkPoller(Generic[Source]):
    source_name: str  # its ingest source and checkpoint, e.g. "bluesky:mentions"
    network: str  # its health component and log prefix, e.g. "bluesky"

    def __init__(
        self,
        source: Source,
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

    @classmethod
    def build(cls, services: Services, source: Source, interval: float) -> NetworkPoller[Source]:
        """The poller as a worker runs it: its own lease (3 intervals, at least 30 s)."""
        ttl_ms = int(max(interval * 3, 30) * 1000)
        lease = Lease(services.redis, keys.lease(cls.source_name), services.consumer, ttl_ms)
        return cls(
            source,
            Ingest(services.redis),
            lease,
            services.health,
            services.metrics,
            interval,
            services.clock,
        )

    def account(self) -> str:
        """How /healthz names the account (the handle, the instance)."""
        raise NotImplementedError

    def _round(self) -> None:
        raise NotImplementedError

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            stop.wait(self.poll_once())
        self.lease.release()

    def poll_once(self) -> float:
        """One round; how long to wait before the next."""
        if not self.lease.acquire():
            return self.interval  # another worker polls this account
        try:
            self._round()
        except SocialError as error:
            return self._after_error(error)
        if self.failures:
            log.info(f"{self.network}_poll_recovered", after_failures=self.failures)
        self.failures = 0
        self.health.ok(self.network)
        record_successful_poll(self.health.client, self.source_name, self.clock(), self.interval)
        return self.interval

    def _after_error(self, error: SocialError) -> float:
        self.failures += 1
        self.metrics.incr(f"{self.network}_errors")
        if error.kind == "rate_limited":
            wait = max(1.0, (error.retry_at or self.clock() + 60) - self.clock() + 1)
            log.warning(f"{self.network}_rate_limited", wait_seconds=round(wait, 1))
            return wait
        if error.kind == "unauthorized":
            self.health.problem(self.network, f"{self.account()}: {error.user_text}")
            log.error(f"{self.network}_auth_failed", detail=error.detail)
            return min(900.0, 30.0 * 2.0 ** (self.failures - 1))
        if self.failures >= 3:
            reason = f"{self.account()}: polling failing ({error.kind})"
            self.health.problem(self.network, reason)
        log.warning(f"{self.network}_poll_failed", kind=error.kind, detail=error.detail[:200])
        return min(300.0, 2.0 ** min(self.failures, 8)) * random.uniform(0.5, 1.5)
