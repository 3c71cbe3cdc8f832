"""Builders for the on-call tests: a movable clock, the pipeline with SLA clocks, the timers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis

from bot.pipeline.deliver import Deliverer, DeliveryConfig
from bot.pipeline.ingest import Ingest
from bot.pipeline.pacing import ChannelPacer
from bot.pipeline.poll import MENTIONS, MentionsPoller
from bot.pipeline.timers import TimerLoop
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store import keys
from bot.store.lease import Lease
from bot.store.sla import next_response_hook, sla_record_hook
from tests.conftest import sandbox_settings
from tests.integration.pipeline_helpers import drain
from tests.integration.waiting import wait_for

ROME = ZoneInfo("Europe/Rome")
ESCALATE = "C0ESCALATE"
MENTIONS_CHANNEL = "C0MENTIONS"
AUTHOR = ("2001", "dana", "Dana")


def rome(*parts: int) -> float:
    return datetime(*parts, tzinfo=ROME).timestamp()  # type: ignore[misc]


def last_wednesday_10am() -> float:
    """The latest Wednesday 10:00 in Rome before now: a fixed weekday and hour for tests whose
    X calls the fake checks against the real clock (search refuses a start_time over 7 days
    old), so the test does not expire a week after it was written."""
    now = datetime.now(ROME)
    day = now - timedelta(days=(now.weekday() - 2) % 7)
    wednesday = day.replace(hour=10, minute=0, second=0, microsecond=0)
    return (wednesday if wednesday <= now else wednesday - timedelta(days=7)).timestamp()


class Clock:
    """The injectable clock: tests move it; everything on the services reads it."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def at(self, moment: float) -> Clock:
        self.now = moment
        return self

    def advance(self, seconds: float) -> Clock:
        self.now += seconds
        return self


@dataclass
class Office:
    """Everything an on-call test drives: services on a moving clock, fakes, Bolt, timers."""

    services: Services
    clock: Clock
    x: XFake
    slack: SlackFake
    bolt: BoltDriver
    poller: MentionsPoller
    deliverer: Deliverer
    timers: TimerLoop

    def oncall(self, text: str, user: str = "U0ALICE") -> str:
        """Run `/oncall <text>` through the real Bolt app; the ephemeral answer's text: in the
        ack, or (a change, answered after the ack) the ephemeral message that follows."""
        before = len(self.slack.ephemerals())
        answer = self.bolt.command("/oncall", text, user=user)
        assert answer.status_code == 200, answer.text
        if answer.text:
            return str(answer.json()["text"])
        later = wait_for(
            lambda: [e for e in self.slack.ephemerals()[before:] if e["user"] == user] or None,
            what="the /oncall answer",
        )
        return str(later[0]["text"])

    def deliver(self, text: str = "@earshot_co my order is late") -> str:
        """A new mention on X becomes a card (and a case with its SLA clock) now."""
        if Ingest(self.services.redis).checkpoint(MENTIONS) is None:
            self.poller.poll_once()
        post = self.x.add_post(text, author=AUTHOR)
        self.poller.poll_once()
        drain(self.deliverer)
        return str(post["id"])

    def tick(
        self, at: float | None = None, *, poll: bool = True, loop: TimerLoop | None = None
    ) -> int:
        """Move the clock, poll X as a live worker would (unless told not to), fire timers
        (with this office's timer loop, or `loop`: another worker's)."""
        if at is not None:
            self.clock.at(at)
        if poll:
            self.poller.poll_once()
        return (loop or self.timers).tick()

    def click(self, action_id: str, message: dict[str, Any], user: str) -> None:
        """Click a button of a posted message, sending the message as Slack does (blocks and
        all), and wait until the app has answered."""
        value = next(
            e["value"]
            for b in message["blocks"] if b["type"] == "actions"
            for e in b["elements"] if e["action_id"] == action_id
        )  # fmt: skip
        payload = {
            "type": "block_actions",
            "team": {"id": "T0SANDBOX", "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "team_id": "T0SANDBOX"},
            "api_app_id": "A0EARSHOT",
            "token": "legacy",
            "trigger_id": self.slack.new_trigger_id(),
            "channel": {"id": message["channel"], "name": "x"},
            "message": {k: message[k] for k in ("ts", "text", "blocks")} | {"type": "message"},
            "container": {"type": "message", "message_ts": message["ts"],
                          "channel_id": message["channel"], "is_ephemeral": False},
            "actions": [{"type": "button", "action_id": action_id, "block_id": "oncall_ack",
                         "value": value, "action_ts": "1.0"}],
        }  # fmt: skip
        answer = self.bolt.interact(payload)
        assert answer.status_code == 200, answer.text

    def thread(self, post_id: str) -> list[dict[str, Any]]:
        """Messages in the card's thread, oldest first."""
        found = self.services.cases.get(post_id)
        assert found is not None
        case, _ = found
        return [m for m in self.slack.messages(case.channel) if m.get("thread_ts") == case.ts]

    def texts(self, channel: str) -> list[str]:
        return [str(m["text"]) for m in self.slack.messages(channel)]


def build_office(
    redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake, start: float
) -> Iterator[Office]:
    clock = Clock(start)
    settings = sandbox_settings(x_fake, slack_fake, slack_escalation_channel=ESCALATE)
    services = build_services(settings, redis_client)
    services.clock = clock
    slack_fake.set_rate(0, 0)
    slack_fake.add_user("U0CAROL", name="carol", real_name="Carol Chen")
    poller = MentionsPoller(
        source=services.x,
        ingest=Ingest(redis_client),
        lease=Lease(redis_client, keys.lease(MENTIONS), services.consumer, 30_000),
        health=services.health,
        metrics=services.metrics,
        interval=settings.x_poll_interval_seconds,
        clock=clock,
    )
    deliverer = Deliverer(
        redis_client,
        services.slack,
        DeliveryConfig(consumer=services.consumer, default_channel=MENTIONS_CHANNEL),
        ChannelPacer(redis_client, 0),
        on_recorded=[sla_record_hook(redis_client, clock)],
        on_followup=[next_response_hook(redis_client, clock)],
    )
    deliverer.ensure_group()
    redis_client.set(keys.worker_alive(services.consumer), "1", px=600_000)
    bolt = BoltDriver(services, slack_fake)
    try:
        yield Office(
            services, clock, x_fake, slack_fake, bolt, poller, deliverer, TimerLoop(services)
        )
    finally:
        bolt.close()


def standard_setup(office: Office) -> None:
    """Mon-Fri 09:00-18:00 Rome, a weekly rotation Alice -> Bob -> Carol from Monday 09:00,
    a 30-minute SLA and the default policy."""
    office.oncall("hours Mon-Fri 09:00-18:00 tz Europe/Rome")
    office.oncall(
        "set support <@U0ALICE|alice> <@U0BOB|bob> <@U0CAROL|carol> every 1w "
        "handoff Mon 09:00 tz Europe/Rome"
    )
    office.oncall("sla 30m")
