"""Builders for the /track tests: run a command and wait for its answer, a wired poller."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import requests

from bot.pipeline.track_poll import PollerConfig, TrackPoller, build_track_poller
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import TEAM, BoltDriver
from bot.services import Services
from tests.conftest import CHANNEL
from tests.integration.waiting import wait_for


@dataclass(frozen=True)
class Answer:
    """What Slack showed after one /track command."""

    status: int
    ephemeral: list[str]  # texts of the ephemeral messages (blocks joined)
    public: list[str]  # texts Earshot posted in the channel

    @property
    def text(self) -> str:
        return "\n".join(self.ephemeral + self.public)


def block_text(message: dict[str, Any]) -> str:
    parts = [str(message.get("text") or "")]
    for block in message.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(str(text.get("text", "")))
        for element in block.get("elements") or []:
            if isinstance(element, dict) and "text" in element:
                inner = element["text"]
                parts.append(str(inner.get("text", "") if isinstance(inner, dict) else inner))
    return "\n".join(parts)


def run_track(
    bolt: BoltDriver,
    slack: SlackFake,
    text: str,
    *,
    user: str = "U0ALICE",
    channel: str = CHANNEL,
    settle: float = 0.15,
) -> Answer:
    """Send `/track <text>` signed, as Slack would; wait for Earshot's answer to appear."""
    ephemerals, posts = len(slack.ephemerals()), len(slack.messages(channel))
    response: requests.Response = bolt.command("/track", text, user=user, channel=channel)

    def answered() -> bool:
        return len(slack.ephemerals()) > ephemerals or len(slack.messages(channel)) > posts

    wait_for(answered, timeout=10, what=f"an answer to /track {text[:40]!r}")
    time.sleep(settle)  # a public line may follow the ephemeral one
    return Answer(
        response.status_code,
        [block_text(m) for m in slack.ephemerals()[ephemerals:] if m["user"] == user],
        [block_text(m) for m in slack.messages(channel)[posts:]],
    )


def open_home(bolt: BoltDriver, user: str = "U0ALICE") -> requests.Response:
    """The app_home_opened event Slack sends when someone opens the Home tab."""
    body = {
        "token": "legacy",
        "team_id": TEAM,
        "api_app_id": "A0EARSHOT",
        "type": "event_callback",
        "event_id": f"Ev{time.time_ns()}",
        "event_time": int(time.time()),
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": f"{time.time():.6f}",
        },
    }
    return bolt.post(json.dumps(body))


def home_of(slack: SlackFake) -> dict[str, Any] | None:
    """The Home tab as last published (the tests have one person looking at it at a time)."""
    homes = [view for view in slack.views() if view["type"] == "home"]
    return homes[-1] if homes else None


def make_track_poller(services: Services, parallel: int = 1) -> TrackPoller:
    poller = build_track_poller(services)
    poller.config = PollerConfig(interval=poller.config.interval, parallel=parallel)
    return poller
