"""Shared fixtures: a real Redis on a dedicated DB flushed per test, the sandbox fakes over HTTP."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import redis

from bot.config import Settings
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services

TEST_REDIS_URL = os.environ.get("EARSHOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHANNEL = "C0MENTIONS"


@pytest.fixture(autouse=True)
def listeners_never_fail_unseen() -> Iterator[None]:
    """Fail a test during which a listener of any Bolt app it drove failed unexpectedly (the
    driver raises at the request that caused it; this catches what a thread swallowed)."""
    drivers: list[BoltDriver] = []
    BoltDriver.on_open.append(drivers.append)
    try:
        yield
    finally:
        BoltDriver.on_open.remove(drivers.append)
    for driver in drivers:
        driver.work.wait_idle(driver.settle_seconds)
        driver.raise_unexpected_failures()


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def x_fake() -> Iterator[XFake]:
    fake = XFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def slack_fake() -> Iterator[SlackFake]:
    fake = SlackFake().start()
    yield fake
    fake.stop()


def sandbox_settings(x: XFake, slack: SlackFake, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-sandbox",
        "slack_signing_secret": "test-signing-secret",
        "slack_api_base_url": f"{slack.base_url}/api/",
        "slack_mentions_channel": CHANNEL,
        "x_api_base_url": x.base_url,
        "x_bearer_token": "test-bearer",
        "x_api_key": "test-key",
        "x_api_secret": "test-secret",
        "x_access_token": "1000-test-access",
        "x_access_token_secret": "test-access-secret",
        "x_poll_interval_seconds": 0.2,
        "redis_url": TEST_REDIS_URL,
        "slack_channel_interval_ms": 0,
        "delivery_retry_seconds": 0.5,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
def settings(x_fake: XFake, slack_fake: SlackFake) -> Settings:
    return sandbox_settings(x_fake, slack_fake)


@pytest.fixture
def services(settings: Settings, redis_client: redis.Redis) -> Services:
    return build_services(settings, redis_client)


@pytest.fixture
def bolt(services: Services, slack_fake: SlackFake) -> Iterator[BoltDriver]:
    """The real Bolt app behind waitress, driven with signed requests; each request returns once
    the listeners it started have finished (see BoltDriver)."""
    driver = BoltDriver(services, slack_fake)
    yield driver
    driver.close()
