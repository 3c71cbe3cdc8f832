"""SLA clocks and escalation steps, travelling in time on the injectable clock: a week of
business hours, DST, handoffs, acknowledgement, restarts and two workers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
import time_machine

from bot.blocks.oncall import ACK_ACTION
from bot.pipeline.timers import TimerLoop
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import build_services
from bot.store.sla import case_clock, stop_case_clock
from bot.store.timers import Timers
from tests.integration.oncall_helpers import (
    ESCALATE,
    MENTIONS_CHANNEL,
    Office,
    build_office,
    rome,
    standard_setup,
)
from tests.integration.waiting import wait_for

MIN = 60


@pytest.fixture
def office(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    """Wednesday 2026-11-25 10:00 in Rome, with the standard hours, rotation and SLA."""
    for built in build_office(redis_client, x_fake, slack_fake, rome(2026, 11, 25, 10, 0)):
        standard_setup(built)
        built.tick()  # announces the rotation
        yield built


def pings(office: Office, post_id: str) -> list[str]:
    """Pings in the card's thread (each came with an Acknowledge button)."""
    return [
        m["text"]
        for m in office.thread(post_id)
        if any(b.get("block_id") == "oncall_ping" for b in m.get("blocks") or [])
    ]


def here_alerts(office: Office) -> list[str]:
    return [t for t in office.texts(ESCALATE) if t.startswith("<!here>")]


def test_a_week_friday_evening_mention_escalates_on_monday(office: Office) -> None:
    """Friday 17:50 + 30 business minutes = Monday 09:20. Nothing happens over the weekend;
    Monday 09:00 Bob takes over the shift; 09:20 Bob is pinged in the thread, 09:50 he gets a
    DM and Carol (next) is mentioned, 10:20 @here; one more round follows, then silence."""
    office.clock.at(rome(2026, 11, 27, 17, 50))
    post_id = office.deliver()
    clock = case_clock(office.services.redis, post_id)
    assert clock is not None and clock.deadline == rome(2026, 11, 30, 9, 20)
    for moment in (rome(2026, 11, 27, 18, 30), rome(2026, 11, 28, 12), rome(2026, 11, 29, 23)):
        office.tick(moment)
    office.tick(rome(2026, 11, 30, 9, 19, 59))
    assert pings(office, post_id) == []
    office.tick(rome(2026, 11, 30, 9, 0, 1))
    assert "<@U0BOB> is now on call for *support*" in office.texts(ESCALATE)[-1]

    office.tick(rome(2026, 11, 30, 9, 20))
    [first] = pings(office, post_id)
    assert first.startswith("<@U0BOB> this mention has waited")
    assert "(SLA 30m)" in first
    office.tick(rome(2026, 11, 30, 9, 50))
    [dm] = office.texts("D0BOB")
    assert "A mention has waited" in dm and "Open the card" in dm
    assert any(t.startswith("<@U0CAROL> heads-up") for t in office.texts(MENTIONS_CHANNEL))
    office.tick(rome(2026, 11, 30, 10, 20))
    [alert] = here_alerts(office)
    assert "On call: <@U0BOB>" in alert
    for minute in range(50, 60 * 8, 10):  # the rest of Monday, every 10 minutes
        office.tick(rome(2026, 11, 30, 9, 0) + minute * MIN)
    assert len(pings(office, post_id)) == 2
    assert len(office.texts("D0BOB")) == 2
    assert len(here_alerts(office)) == 2
    final = case_clock(office.services.redis, post_id)
    assert final is not None and final.step is None and final.pings == 6


def test_acknowledge_button_stops_the_steps(office: Office) -> None:
    """Clicking Acknowledge on the first ping stops every later step and marks the ping."""
    post_id = office.deliver()
    office.tick(office.clock() + 30 * MIN)
    [ping] = office.thread(post_id)
    office.click(ACK_ACTION, ping, user="U0CAROL")
    wait_for(
        lambda: "Acknowledged by <@U0CAROL>" in str(office.thread(post_id)[0]["blocks"]),
        what="the ping marked acknowledged",
    )
    assert office.thread(post_id)[0]["text"] == ping["text"]
    clock = case_clock(office.services.redis, post_id)
    assert clock is not None and (clock.stopped_reason, clock.stopped_by) == (
        "acknowledged", "U0CAROL",
    )  # fmt: skip
    for _hour in range(5):
        office.tick(office.clock() + 3600)
    assert len(pings(office, post_id)) == 1
    assert office.texts("D0ALICE") == [] and here_alerts(office) == []


def test_a_second_acknowledge_says_who_was_first(office: Office) -> None:
    post_id = office.deliver()
    office.tick(office.clock() + 30 * MIN)
    [ping] = office.thread(post_id)
    office.click(ACK_ACTION, ping, user="U0CAROL")
    wait_for(lambda: (case_clock(office.services.redis, post_id) or ping).state == "stopped")
    office.click(ACK_ACTION, ping, user="U0BOB")
    wait_for(
        lambda: any(
            "already stopped: acknowledged by <@U0CAROL>" in e["text"]
            for e in office.slack.ephemerals()
        ),
        what="the ephemeral answer",
    )


def test_a_reply_stops_the_steps_and_records_the_first_response(office: Office) -> None:
    """stop_case_clock("replied") cancels the planned step and keeps the response time."""
    post_id = office.deliver()
    office.tick(office.clock() + 30 * MIN)
    stop_case_clock(office.services.redis, post_id, "replied", by="U0BOB", at=office.clock() + 60)
    stop_case_clock(office.services.redis, post_id, "replied", by="U0CAROL", at=office.clock() + 99)
    office.tick(office.clock() + 4 * 3600)
    clock = case_clock(office.services.redis, post_id)
    assert clock is not None
    assert clock.first_response_at == rome(2026, 11, 25, 10, 31)
    assert (clock.responder, clock.first_response_business) == ("U0BOB", 31 * MIN)
    assert len(pings(office, post_id)) == 1 and office.texts("D0ALICE") == []


def test_a_reply_recorded_without_a_time_uses_the_wall_clock(office: Office) -> None:
    """Callers that pass no `at` (the reply path) get the wall clock: travel with time-machine
    to 12 minutes after the clock started and reply."""
    post_id = office.deliver()
    replied = datetime.fromtimestamp(office.clock() + 12 * MIN, UTC)
    with time_machine.travel(replied, tick=False):
        stop_case_clock(office.services.redis, post_id, "replied", by="U0BOB")
    clock = case_clock(office.services.redis, post_id)
    assert clock is not None and clock.first_response_at == office.clock() + 12 * MIN
    assert clock.step is None and clock.stopped_reason == "replied"


def test_restart_mid_policy_loses_and_repeats_nothing(office: Office) -> None:
    """A worker claims the DM step and dies before sending it. A new worker leaves it alone
    while the lease holds, then sends it exactly once; the next steps follow once each."""
    post_id = office.deliver()
    office.tick(office.clock() + 30 * MIN)
    office.clock.advance(30 * MIN)
    dying = Timers(office.services.redis).claim(office.clock(), lease_seconds=120)
    assert dying == [f"s:{post_id}:1"]
    restarted = TimerLoop(office.services)
    assert office.tick(loop=restarted) == 0 and office.texts("D0ALICE") == []
    office.clock.advance(121)
    assert office.tick(loop=restarted) == 1
    assert office.tick(loop=restarted) == 0
    assert len(office.texts("D0ALICE")) == 1
    office.clock.advance(30 * MIN)
    fresh = TimerLoop(office.services)  # and once more, a plain restart between ticks
    assert office.tick(loop=fresh) == 1 and office.tick(loop=fresh) == 0
    assert len(here_alerts(office)) == 1 and len(pings(office, post_id)) == 1


def test_two_workers_fire_each_ping_once(
    office: Office, redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Forty cases fall due together; two workers (own Redis connections) tick at once, again
    and again: every case gets exactly one thread ping."""
    post_ids = [office.deliver(f"@earshot_co problem {n}") for n in range(40)]
    office.clock.advance(30 * MIN)
    office.poller.poll_once()
    loops = []
    for _ in range(2):
        other = build_services(office.services.settings, redis.Redis.from_url(
            office.services.settings.redis_url, decode_responses=True))  # fmt: skip
        other.clock = office.clock
        loops.append(TimerLoop(other))
    start = threading.Barrier(2)
    fired: list[int] = []

    def run(loop: TimerLoop) -> None:
        start.wait()
        fired.extend(loop.tick() for _ in range(5))

    threads = [threading.Thread(target=run, args=(loop,)) for loop in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(fired) == 40
    assert all(len(pings(office, post_id)) == 1 for post_id in post_ids)


def test_deadline_after_spring_forward_is_in_summer_time(
    redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """A case on Friday 2026-03-27 17:50 CET is due Monday 09:20 CEST (07:20 UTC): nothing at
    07:19 UTC, the ping at 07:20 UTC."""
    for office in build_office(redis_client, x_fake, slack_fake, rome(2026, 3, 25, 10, 0)):
        standard_setup(office)
        office.clock.at(rome(2026, 3, 27, 17, 50))
        post_id = office.deliver()
        office.tick(datetime(2026, 3, 30, 7, 19, tzinfo=UTC).timestamp())
        assert pings(office, post_id) == []
        office.tick(datetime(2026, 3, 30, 7, 20, tzinfo=UTC).timestamp())
        assert len(pings(office, post_id)) == 1


def test_per_rule_sla_and_sla_off(office: Office) -> None:
    """A tighter per-rule target sets an earlier deadline; with the SLA off no step is
    planned, yet the clock still records the case for the figures."""
    office.oncall("sla 10m rule mentions")
    fast = office.deliver()
    assert case_clock(office.services.redis, fast).deadline == office.clock() + 10 * MIN  # type: ignore[union-attr]
    office.oncall("sla off rule mentions")
    office.oncall("sla off")
    quiet = office.deliver("@earshot_co no rush")
    clock = case_clock(office.services.redis, quiet)
    assert clock is not None and clock.deadline is None and clock.step is None
    assert office.services.redis.zscore("{earshot}:timers", f"s:{quiet}:0") is None
