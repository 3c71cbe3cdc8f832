"""Builders shared by the pipeline tests: a poller and a deliverer wired to the sandbox."""

from __future__ import annotations

from typing import Any

from bot.pipeline.deliver import Deliverer, DeliveryConfig
from bot.pipeline.ingest import Ingest
from bot.pipeline.pacing import ChannelPacer
from bot.pipeline.poll import MENTIONS, MentionsPoller
from bot.services import Services
from bot.store import keys
from bot.store.lease import Lease
from bot.store.sla import next_response_hook, sla_record_hook


def make_poller(services: Services, backfill: int = 0, owner: str | None = None) -> MentionsPoller:
    return MentionsPoller(
        source=services.x,
        ingest=Ingest(services.redis),
        lease=Lease(services.redis, keys.lease(MENTIONS), owner or services.consumer, 30_000),
        health=services.health,
        metrics=services.metrics,
        interval=services.settings.x_poll_interval_seconds,
        backfill=backfill,
    )


def make_deliverer(
    services: Services,
    consumer: str | None = None,
    cls: type[Deliverer] = Deliverer,
    *,
    clocks: bool = False,
) -> Deliverer:
    """A deliverer on the sandbox; `clocks`: with the SLA hooks the worker wires (first and
    next response)."""
    hooks: dict[str, Any] = {}
    if clocks:
        hooks["on_recorded"] = [sla_record_hook(services.redis, services.clock)]
        hooks["on_followup"] = [next_response_hook(services.redis, services.clock)]
    deliverer = cls(
        services.redis,
        services.slack,
        DeliveryConfig(
            consumer=consumer or services.consumer,
            default_channel=services.settings.slack_mentions_channel or "",
            retry_seconds=services.settings.delivery_retry_seconds,
            tier=services.settings.x_access_tier,
        ),
        ChannelPacer(services.redis, services.settings.slack_channel_interval_ms),
        **hooks,
    )
    deliverer.ensure_group()
    services.redis.set(keys.worker_alive(deliverer.config.consumer), "1", px=60_000)
    return deliverer


def drain(deliverer: Deliverer, rounds: int = 20) -> None:
    """Step until nothing new or reclaimable is left (blocking reads kept short)."""
    idle = 0
    while idle < 2 and rounds > 0:
        handled = deliverer.step(block_ms=50)
        idle = idle + 1 if handled == 0 else 0
        rounds -= 1
