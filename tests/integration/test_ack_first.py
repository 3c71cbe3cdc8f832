"""Slack's 3-second rule: /oncall and form submissions ack before any slow Slack call (inline
form errors come from Redis and cached lookups only), and no X call stands before views.open."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import redis
import requests

from bot.config import Settings
from bot.domain.case import CaseStatus
from bot.domain.signed_metadata import sign_metadata
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver, SlackUser
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store.keys import PREFIX
from bot.store.oncall import OncallStore
from tests.integration.case_forms import resolve_values
from tests.integration.casework_helpers import deliver, ephemerals_for
from tests.integration.waiting import wait_for

SLOW = 2.5  # seconds a slow lookup takes: an ack waiting for it would be late
FAST = 1.0  # what "acked at once" means here, with room for a busy machine


def slow(fake: SlackFake | XFake, path: str, seconds: float = SLOW, count: int = 10) -> None:
    """Every call to `path` waits `seconds`, then answers as usual."""
    fake.inject(Fault(path, Response(0), count=count, delay_seconds=seconds))


def timed(send: Callable[[], requests.Response]) -> tuple[float, requests.Response]:
    start = time.monotonic()
    response = send()
    return time.monotonic() - start, response


@pytest.fixture
def web(settings: Settings, redis_client: redis.Redis) -> Services:
    """A web process's services: its own X client, which has not looked our account up yet."""
    return build_services(settings, redis_client)


@pytest.fixture
def web_bolt(web: Services, slack_fake: SlackFake) -> Iterator[BoltDriver]:
    driver = BoltDriver(web, slack_fake)
    yield driver
    driver.close()


def test_the_reply_modal_opens_in_time_while_x_is_slow(
    services: Services, x_fake: XFake, slack_fake: SlackFake, web_bolt: BoltDriver
) -> None:
    """X's users/me taking 3.5 s (longer than a trigger id lives) does not keep the Reply
    button, nor the "Send as reply" shortcut, from opening the modal: no X call runs before
    views.open."""
    post_id, ts = deliver(services, x_fake)
    slow(x_fake, "/2/users/me", seconds=3.5)
    assert web_bolt.block_action("reply", post_id, message_ts=ts).status_code == 200
    wait_for(lambda: len(slack_fake.views()) == 1, timeout=6, what="the reply modal")
    web_bolt.message_action(
        "send_as_reply", text="Sorry, on its way", thread_ts=ts, message_ts="9.1"
    )
    wait_for(lambda: len(slack_fake.views()) == 2, timeout=6, what="the shortcut's modal")
    assert not [c for c in slack_fake.calls_to("/api/views.open") if "expired" in str(c)]


def test_oncall_acks_before_asking_slack_and_answers_after(
    slack_fake: SlackFake, bolt: BoltDriver, redis_client: redis.Redis
) -> None:
    """`/oncall set …` needs users.info for the person acting and everyone named; with Slack
    answering that slowly the command is still acked at once, and the answer follows as an
    ephemeral message once the rotation is saved."""
    slow(slack_fake, "/api/users.info")
    raw = SlackUser(bolt.url, bolt.secret, slack_fake)  # measures the ack, not the work
    elapsed, answer = timed(
        lambda: raw.command("/oncall", "set support <@U0ALICE|alice> <@U0BOB|bob> every 1w")
    )
    assert elapsed < FAST, f"acked after {elapsed:.2f}s"
    assert answer.status_code == 200
    said = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"), timeout=10, what="answer")
    assert "Rotation of *support* saved" in said[0]
    assert OncallStore(redis_client).rotation("support") is not None
    raw.close()


def test_a_form_acks_at_once_when_who_submits_is_not_cached(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A Resolve form submitted after the person's cached lookup expired: the ack does not wait
    for a slow users.info; the case is resolved after it."""
    post_id, _ts = deliver(services, x_fake)
    services.redis.delete(f"{PREFIX}:person:U0ALICE")
    slow(slack_fake, "/api/users.info")
    metadata = sign_metadata(
        {"purpose": "resolve", "post_id": post_id}, services.settings.metadata_key()
    )
    raw = SlackUser(bolt.url, bolt.secret, slack_fake)
    elapsed, answer = timed(
        lambda: raw.view_submission(
            "resolve_case", resolve_values("no_reply_needed"), private_metadata=metadata
        )
    )
    assert elapsed < FAST, f"acked after {elapsed:.2f}s"
    assert answer.status_code == 200

    def resolved() -> bool:
        found = services.cases.get(post_id)
        return found is not None and found[0].status is CaseStatus.RESOLVED

    wait_for(resolved, timeout=10, what="the case resolved")
    raw.close()
