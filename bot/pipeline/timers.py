"""The worker's timer loop: fire due escalation steps, handoffs and notices; watch the sources.

Any number of workers may run it. Each due timer is claimed by exactly one of them (a Lua step
in bot/store/timers.py); a worker that dies mid-ping leaves its claim to expire, and the next
tick anywhere fires it. The clock is injected, so tests travel in time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from bot.oncall.escalation import (
    PublicReplySender,
    TryLater,
    fire_closed_notice,
    fire_handoff,
    fire_step,
)
from bot.oncall.source_watch import watch_sources
from bot.services import Services
from bot.store.timers import Timers

log = structlog.get_logger()

LEASE_SECONDS = 120.0  # longer than any one ping can take (Slack calls time out after 10 s)
BATCH = 100
TICK_SECONDS = 1.0
RETRY_AFTER_BUG_SECONDS = 60.0


class TimerLoop:
    def __init__(
        self,
        services: Services,
        *,
        clock: Callable[[], float] | None = None,
        autoreply: PublicReplySender | None = None,
        lease_seconds: float = LEASE_SECONDS,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self.services = services
        self.clock = clock or services.clock
        self.timers = Timers(services.redis)
        self.autoreply = autoreply
        self.lease_seconds, self.tick_seconds = lease_seconds, tick_seconds

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self.tick(stop)
            stop.wait(self.tick_seconds)

    def tick(self, stop: threading.Event | None = None) -> int:
        """Fire everything due now; returns how many timers were fired."""
        now = self.clock()
        watch_sources(self.services, now)
        fired = 0
        while stop is None or not stop.is_set():
            claimed = self.timers.claim(now, self.lease_seconds, BATCH)
            for member in claimed:
                self.fire(member)
            fired += len(claimed)
            if len(claimed) < BATCH:
                break
        return fired

    def fire(self, member: str) -> None:
        kind, _, rest = member.partition(":")
        try:
            if kind == "s":
                post_id, _, step = rest.rpartition(":")
                fire_step(self.services, post_id, int(step))
            elif kind == "h":
                fire_handoff(self.services, rest)
            elif kind == "c":
                fire_closed_notice(self.services, rest, member, self.autoreply)
            else:
                log.error("timer_unknown", member=member)
                self.timers.finish(member)
        except TryLater as later:
            self.timers.retry(member, self.clock() + later.seconds)
        except Exception:  # a bug or Redis trouble: keep the timer, try again later, loudly
            log.exception("timer_failed", member=member)
            self.timers.retry(member, self.clock() + RETRY_AFTER_BUG_SECONDS)
