"""Fixtures that run the real `earshot` processes against the in-test sandbox fakes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.conftest import CHANNEL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parents[2]


def process_env(x: XFake, slack: SlackFake, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-sandbox",
            "SLACK_SIGNING_SECRET": "e2e-signing-secret",
            "SLACK_API_BASE_URL": f"{slack.base_url}/api/",
            "SLACK_MENTIONS_CHANNEL": CHANNEL,
            "X_API_BASE_URL": x.base_url,
            "X_BEARER_TOKEN": "e2e-bearer",
            "X_API_KEY": "e2e-key",
            "X_API_SECRET": "e2e-secret",
            "X_ACCESS_TOKEN": "1000-e2e-access",
            "X_ACCESS_TOKEN_SECRET": "e2e-access-secret",
            "X_POLL_INTERVAL_SECONDS": "0.2",
            "REDIS_URL": TEST_REDIS_URL,
            "LOG_FORMAT": "json",
            "SLACK_CHANNEL_INTERVAL_MS": "0",
            "DELIVERY_RETRY_SECONDS": "1",
        }
    )
    env.update(extra)
    return env


Spawn = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Spawn]:
    """Start `python -m bot <args>` with an env; every process is killed at teardown."""
    started: list[subprocess.Popen[bytes]] = []
    logs: list[BinaryIO] = []

    def run(args: list[str], env: dict[str, str], name: str = "proc") -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}-{len(started)}.log").open("wb")
        logs.append(log)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    yield run
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    for log in logs:
        log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
