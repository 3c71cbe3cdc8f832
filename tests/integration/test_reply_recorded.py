"""Once X accepted a reply, the case is recorded as replied, whatever fails next."""

from __future__ import annotations

import time

import redis

from bot.config import Settings
from bot.domain.case import CaseStatus
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store.audit import AuditLog
from bot.store.oncall import OncallStore
from bot.store.sla import case_clock, start_case_clock
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    open_reply,
    submit,
    thread,
    x_replies,
)
from tests.integration.waiting import wait_for


def start_clock(services: Services, post_id: str) -> None:
    with services.redis.pipeline(transaction=True) as pipe:
        office = OncallStore(services.redis).office()
        start_case_clock(pipe, office, post_id, ("mentions",), time.time() - 60)
        pipe.execute()


def test_a_failing_users_me_neither_blocks_nor_loses_the_reply(
    services: Services,
    settings: Settings,
    redis_client: redis.Redis,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
) -> None:
    """The modal is opened on one web process and submitted on another that has not looked up
    the brand account yet, while X fails users/me: the reply goes out once, and the case is
    Replied, audited, its SLA clock stopped and its claim released; the person is never told
    that nothing was sent, and the thread links the reply without the handle."""
    post_id, ts = deliver(services, x_fake)
    start_clock(services, post_id)
    view = open_reply(bolt, slack_fake, post_id, ts)
    other_web = BoltDriver(build_services(settings, redis_client), slack_fake)
    try:
        x_fake.inject(XFake.fault("/2/users/me", 503, count=50))
        assert submit(other_web, view, "@alice sorry! It ships today.") == {}
        wait_for(lambda: thread(slack_fake, ts), what="the thread note")
    finally:
        other_web.close()
    [reply] = x_fake.posts_by_us()
    assert len(x_replies(x_fake)) == 1
    found = services.cases.get(post_id)
    assert found is not None
    assert found[0].status is CaseStatus.REPLIED and found[0].claimed_by is None
    sent = AuditLog(services.redis).entries(post_id)[-1]
    assert sent["action"] == "reply_sent" and sent["reply_id"] == reply["id"]
    clock = case_clock(services.redis, post_id)
    assert clock is not None and clock.state == "stopped" and clock.answered
    assert f"https://x.com/i/status/{reply['id']}" in thread(slack_fake, ts)[0]["text"]
    assert not any("Nothing was sent" in text for text in ephemerals_for(slack_fake, "U0ALICE"))


def test_an_unexpected_failure_after_handing_the_reply_to_x_never_says_nothing_was_sent(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """X answers the post with a 201 whose body Earshot cannot read (no id): the reply may well
    be public, so the person is told to check the card and X before sending again, never that
    nothing was sent."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    x_fake.inject(Fault("/2/tweets", Response(201, {"data": {"text": "?"}})))
    assert submit(bolt, view, "@alice sorry! It ships today.") == {}
    told = wait_for(
        lambda: [t for t in ephemerals_for(slack_fake, "U0ALICE") if "X" in t],
        what="what the person is told",
    )
    assert "may have been sent" in told[-1] and "before sending it again" in told[-1]
    assert not any("Nothing was sent" in text for text in ephemerals_for(slack_fake, "U0ALICE"))
