"""Fixtures of the X fake's contract tests: one fake per module, reset before each test, the
real tweepy client talking to it, and the OpenAPI contract."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import tweepy

from bot.sandbox.x_api import XFake
from tests.integration.x_fake.contract import SPEC_PATH, tweepy_for


@pytest.fixture(scope="module")
def server() -> Iterator[XFake]:
    fake = XFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server: XFake) -> XFake:
    server.reset()
    return server


@pytest.fixture
def client(fake: XFake) -> Iterator[tweepy.Client]:
    api = tweepy_for(fake)
    yield api
    api.session.close()


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return dict(json.loads(SPEC_PATH.read_text()))
