"""A customer's follow-up starts a next-response clock: the same business hours and escalation
policy as a first response, `/oncall sla next` sets its target, a reply stops it, and the report
counts how long follow-ups waited. Real pipeline, timers, send path and Bolt app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis

from bot.casework.cards import load_reply_target
from bot.casework.people import person
from bot.casework.sending import send_reply
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.sla import case_clock
from tests.integration.oncall_helpers import (
    AUTHOR,
    Office,
    build_office,
    last_wednesday_10am,
    standard_setup,
)
from tests.integration.pipeline_helpers import drain
from tests.integration.waiting import wait_for


@pytest.fixture
def office(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    for built in build_office(redis_client, x_fake, slack_fake, last_wednesday_10am()):
        standard_setup(built)  # Mon-Fri 09:00-18:00 Rome, a 30-minute SLA, default policy
        built.tick()
        yield built


def reply(office: Office, post_id: str, text: str) -> str:
    """Send a reply to `post_id` (the case's post or a follow-up) the way the modal does."""
    services = office.services
    sender = person(services, "U0BOB")
    target = load_reply_target(services, post_id)
    assert target is not None and sender is not None
    assert send_reply(services, target[0], target[1], text, sender).sent
    return str(office.x.posts_by_us()[-1]["id"])


def follow_up(office: Office, replying_to: str, text: str) -> str:
    moment = datetime.fromtimestamp(office.clock(), UTC)
    post = office.x.add_post(
        text,
        author=AUTHOR,
        created_at=moment,
        referenced_tweets=[{"type": "replied_to", "id": replying_to}],
    )
    office.poller.poll_once()
    drain(office.deliverer)
    return str(post["id"])


def test_a_follow_up_starts_the_next_response_clock_which_escalates_and_a_reply_stops(
    office: Office,
) -> None:
    assert "Next-response SLA" in office.oncall("sla next 15m")
    case_id = office.deliver("@earshot_co my order is late")
    office.clock.advance(300)
    our = reply(office, case_id, "@dana Sorry! Checking it now.")
    first = case_clock(office.services.redis, case_id)
    assert first is not None and first.state == "stopped"

    office.clock.advance(300)  # 10:10: the customer answers our reply
    later = follow_up(office, our, "@earshot_co still nothing arrived")
    clock = case_clock(office.services.redis, case_id)
    assert clock is not None and clock.state == "open"
    assert clock.waiting_since == pytest.approx(office.clock())
    assert clock.deadline == pytest.approx(office.clock() + 15 * 60)
    assert clock.first_response_at == first.first_response_at, "the first response stays"

    office.tick(office.clock() + 16 * 60)  # past the 15-minute next-response deadline
    pings = wait_for(
        lambda: [m["text"] for m in office.thread(case_id) if "has waited" in m["text"]] or None,
        what="the escalation ping",
    )
    assert "this customer's follow-up has waited 16 min with no answer (SLA 15m)" in pings[0]

    office.clock.advance(4 * 60)  # answered 20 minutes after the follow-up
    reply(office, later, "@dana It ships today, sorry for the wait.")
    clock = case_clock(office.services.redis, case_id)
    assert clock is not None and clock.state == "stopped"
    assert clock.next_responses == (pytest.approx(20 * 60, abs=1),)

    assert office.bolt.command("/earshot", "report 7d").status_code == 200
    [upload] = wait_for(lambda: office.slack.uploads() or None, what="the report")
    assert (
        "Next response (after a customer's follow-up): 1 answered, average 20 min"
        in (upload["initial_comment"])
    )


def test_a_follow_up_to_an_unanswered_case_keeps_its_first_deadline(office: Office) -> None:
    case_id = office.deliver("@earshot_co my order is late")
    before = case_clock(office.services.redis, case_id)
    office.clock.advance(600)
    follow_up(office, case_id, "@earshot_co hello??")
    after = case_clock(office.services.redis, case_id)
    assert before is not None and after is not None
    assert (after.deadline, after.waiting_since) == (before.deadline, None)


@pytest.mark.parametrize(
    ("words", "shown"),
    [("sla next off", "off"), ("sla next same", "the same as the first response")],
)
def test_the_next_response_target_can_be_off_or_follow_the_first(
    office: Office, words: str, shown: str
) -> None:
    assert f"*Next-response SLA* (after a customer's follow-up): {shown}" in office.oncall(words)


@pytest.mark.parametrize("words", ["sla next", "sla next 10s", "sla next soon", "sla next 1h 2h"])
def test_a_wrong_next_response_target_is_refused_with_an_example(
    office: Office, words: str
) -> None:
    answer = office.oncall(words)
    assert "/oncall sla next 1h" in answer
    assert "Next-response SLA" not in answer
