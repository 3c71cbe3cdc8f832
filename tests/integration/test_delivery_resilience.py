"""Delivery survives Redis losing its data under a blocked read."""

from __future__ import annotations

import threading
import time

import redis

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.integration.pipeline_helpers import make_deliverer, make_poller
from tests.integration.waiting import wait_for


def test_a_flushed_stream_under_a_blocked_read_does_not_kill_delivery(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """FLUSHDB while the deliverer blocks on XREADGROUP (Redis answers UNBLOCKED): the group is
    recreated and a mention that arrives afterwards still becomes a card."""
    deliverer = make_deliverer(services)
    stop = threading.Event()
    runner = threading.Thread(target=deliverer.run, args=(stop,), daemon=True)
    runner.start()
    time.sleep(0.3)  # the deliverer is now blocked on the stream
    redis_client.flushdb()
    time.sleep(0.3)
    assert runner.is_alive()
    redis_client.set(keys.worker_alive(deliverer.config.consumer), "1", px=60_000)
    make_poller(services).poll_once()
    post = x_fake.add_post("@earshot_co after the flush", author=("2001", "alice", "Alice"))
    make_poller(services).poll_once()
    wait_for(lambda: services.cases.exists(post["id"]), timeout=10, what="the card")
    stop.set()
    runner.join(timeout=5)
