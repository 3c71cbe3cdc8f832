"""The worker process: the mentions poller, card delivery and timers until told to stop."""

from __future__ import annotations

import threading
from collections.abc import Callable

import structlog

from bot.casework.autoreply import AutoReplySender
from bot.casework.own_replies import build_own_poller
from bot.pipeline.ai_suggest import AiSuggester
from bot.pipeline.bluesky_poll import BlueskyPoller
from bot.pipeline.deliver import Deliverer, DeliveryConfig
from bot.pipeline.dm_poll import DmPoller
from bot.pipeline.escalation_webhook import EscalationWebhookSender
from bot.pipeline.mastodon_poll import MastodonPoller
from bot.pipeline.pacing import ChannelPacer
from bot.pipeline.poll import MentionsPoller
from bot.pipeline.priority_order import PriorityOrder
from bot.pipeline.spikes import SpikeWatch
from bot.pipeline.timers import TimerLoop
from bot.pipeline.track_poll import build_track_poller
from bot.pipeline.track_route import TrackRouter
from bot.services import Services
from bot.store.heartbeat import HEARTBEAT_SECONDS, forget_worker, record_heartbeat
from bot.store.sla import next_response_hook, sla_record_hook

log = structlog.get_logger()

RESTART_SECONDS = 5.0  # a crashed loop waits this long before it runs again
STOP_JOIN_SECONDS = 15.0  # delivery finishes the item in hand (a Slack call is 10 s at most)


class Worker:
    def __init__(self, services: Services, backfill: int = 0) -> None:
        self.services = services
        settings = services.settings
        self.stop = threading.Event()
        self.poller = MentionsPoller.for_worker(services, backfill=backfill)
        router = TrackRouter(services.redis, settings.slack_mentions_channel or "")
        self.deliverer = Deliverer(
            services.redis,
            services.slack,
            DeliveryConfig(
                consumer=services.consumer,
                default_channel=settings.slack_mentions_channel or "",
                retry_seconds=settings.delivery_retry_seconds,
                tier=settings.x_access_tier,
                max_attempts=settings.delivery_max_attempts,
                dm_channel=settings.slack_dm_channel or "",
                dm_retention_days=settings.dm_retention_days,
            ),
            ChannelPacer(services.redis, settings.slack_channel_interval_ms),
            on_recorded=[sla_record_hook(services.redis, services.clock)],
            on_followup=[next_response_hook(services.redis, services.clock)],
            # One card per post, listing every /track rule it matched, routed by priority
            # (and language); within each read, urgent new posts are carded first.
            place=router.place,
            order=PriorityOrder(services.redis, router.rank),
        )
        self.timers = TimerLoop(services, autoreply=AutoReplySender(services))
        self.own_poller = build_own_poller(services)
        self.dm_poller = DmPoller.for_worker(services, settings.x_dm_poll_interval_seconds)

        # Background loops beside delivery: each runs until `stop` is set, restarted on a crash.
        # X's loops run when X is configured (it is optional beside another network).
        x_loops: list[tuple[str, Callable[[threading.Event], None]]] = [
            ("mentions-poller", self.poller.run),
            ("own-timeline-poller", self.own_poller.run),
            ("dm-poller", self.dm_poller.run),
            ("track-poller", build_track_poller(services).run),
        ]
        self.loops = [
            *(x_loops if settings.x_configured else []),
            ("timers", self.timers.run),
            ("escalation-webhooks", EscalationWebhookSender(services).run),
            ("spike-watch", SpikeWatch(services).run),
        ]
        if services.bluesky is not None:  # BLUESKY_HANDLE and BLUESKY_APP_PASSWORD set
            bluesky = BlueskyPoller.for_worker(services, services.bluesky)
            self.loops.append(("bluesky-poller", bluesky.run))
        if services.mastodon is not None:  # MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN set
            mastodon = MastodonPoller.for_worker(services, services.mastodon)
            self.loops.append(("mastodon-poller", mastodon.run))
        if services.ai is not None:  # AI_BASE_URL and AI_MODEL set: suggestions after cards
            suggester = AiSuggester(
                services.redis, services.slack, services.ai, settings.x_access_tier
            )
            self.deliverer.on_recorded.append(suggester.enqueue)
            self.loops.append(("ai-helper", suggester.run))

    def run(self) -> None:
        """Run until `stop` is set; the item in hand is finished, nothing undelivered is acked.

        The main thread supervises: it beats the heartbeat and starts again any loop whose
        thread died, so one crash never leaves a worker that looks alive but does nothing."""
        self._beat()
        loops = [("delivery", self.deliverer.run), *self.loops]
        threads = {name: self._start(name, loop) for name, loop in loops}
        log.info("worker_started", consumer=self.services.consumer)
        try:
            while not self.stop.wait(HEARTBEAT_SECONDS):
                for name, loop in loops:
                    if not threads[name].is_alive():
                        log.error("loop_thread_died", loop=name)
                        threads[name] = self._start(name, loop)
                self._beat()
        finally:
            self.stop.set()
            for thread in threads.values():
                thread.join(timeout=STOP_JOIN_SECONDS)
            forget_worker(self.services.redis, self.services.consumer)
            log.info("worker_stopped", consumer=self.services.consumer)

    def _start(self, name: str, loop: Callable[[threading.Event], None]) -> threading.Thread:
        thread = threading.Thread(target=self._keep_running, args=(name, loop), name=name)
        thread.daemon = True
        thread.start()
        return thread

    def _keep_running(self, name: str, loop: Callable[[threading.Event], None]) -> None:
        while not self.stop.is_set():
            try:
                loop(self.stop)
            except Exception:  # keep going whatever happens; the error is logged with context
                log.exception("loop_crashed", loop=name)
                self.stop.wait(RESTART_SECONDS)

    def _beat(self) -> None:
        try:
            record_heartbeat(self.services.redis, self.services.consumer, self.services.clock())
        except Exception:  # Redis away: the loops wait for it too; beat again next second
            log.exception("heartbeat_failed")
