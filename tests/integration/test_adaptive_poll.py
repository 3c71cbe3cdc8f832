"""Polling as fast as X allows by default: the mentions poller paces itself from X's own
rate-limit headers (the X fake counts every request in its windows and answers 429 past them)."""

from __future__ import annotations

import time

import pytest
import redis

from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS, MentionsPoller
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store import keys
from bot.store.lease import Lease
from bot.store.source_health import poll_records
from tests.conftest import sandbox_settings


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def adaptive(x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis) -> Services:
    """Services with X_POLL_INTERVAL_SECONDS unset: the default a deployment gets."""
    settings = sandbox_settings(x_fake, slack_fake, x_poll_interval_seconds=None)
    assert settings.x_poll_interval_seconds is None
    return build_services(settings, redis_client)


def poller_for(services: Services, clock: Clock) -> MentionsPoller:
    return MentionsPoller(
        source=services.x,
        ingest=Ingest(services.redis),
        lease=Lease(services.redis, keys.lease(MENTIONS), services.consumer, 30_000),
        health=services.health,
        metrics=services.metrics,
        interval=services.settings.x_poll_interval_seconds,
        clock=clock,
    )


def test_unset_interval_polls_mentions_about_every_four_seconds(
    adaptive: Services, x_fake: XFake
) -> None:
    """With no interval set, the wait after a round spreads the window's remaining requests
    (above a fifth kept in reserve) until X's reset: about 3.8 s for mentions' 300 per 15 min,
    and that is the interval the source's health is measured in."""
    clock = Clock(x_fake.clock())
    poller = poller_for(adaptive, clock)
    waits = [poller.poll_once() for _ in range(3)]
    for wait in waits:
        assert 3.5 <= wait <= 4.0
    record = poll_records(adaptive.redis, [MENTIONS])[MENTIONS]
    assert record.interval == pytest.approx(waits[-1])


def test_a_small_window_is_spent_evenly_and_never_answers_429(
    adaptive: Services, x_fake: XFake
) -> None:
    """An account whose window is small (another client shares it): an hour of rounds, each
    taken after the wait the poller asked for, never meets a 429; once only the reserve is
    left, the next round waits for the window's reset."""
    fake_now = Clock(x_fake.clock())
    x_fake.clock = fake_now
    x_fake.set_rate_limit("/2/users/:id/mentions", 20)
    poller = poller_for(adaptive, fake_now)
    start, rounds, waits = fake_now.now, 0, []
    while fake_now.now < start + 3_600:
        wait = poller.poll_once()
        waits.append(wait)
        fake_now.now += wait
        rounds += 1
    counters = adaptive.metrics.counters()
    assert counters["x_429"] == 0 and counters["x_errors"] == 0
    # Four windows of 20 requests, 16 spent each (4 kept): some 64 rounds in the hour.
    assert 56 <= rounds <= 72
    assert max(waits) > 60  # the wait for a reset once only the reserve was left
    x_fake.add_post("@earshot_co after an hour of pacing", author=("2002", "eve", "Eve"))
    poller.poll_once()
    assert adaptive.redis.xlen(keys.INBOX) == 1


def test_a_set_interval_overrides_the_pace(services: Services) -> None:
    """X_POLL_INTERVAL_SECONDS set: every round waits exactly that long while X has room."""
    poller = poller_for(services, Clock(time.time()))
    assert services.settings.x_poll_interval_seconds == 0.2
    assert [poller.poll_once() for _ in range(3)] == [0.2, 0.2, 0.2]
