"""Approval mode: a waiting draft is one state machine; every button re-checks it, once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store.approvals import ApprovalState, ApprovalStore, approval_key
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    open_reply,
    submit,
    thread,
    x_replies,
)
from tests.integration.waiting import wait_for

DRAFT = "@alice Bob here, we will fix it"


@dataclass
class Waiting:
    """A case whose draft by Bob waits for an approver (Alice and Carol approve)."""

    services: Services
    driver: BoltDriver
    post_id: str
    ts: str
    message: dict[str, Any]

    @property
    def approval_id(self) -> str:
        return str(self.message["blocks"][1]["elements"][0]["value"])

    def press(self, action: str, user: str) -> None:
        response = self.driver.block_action(
            f"approval_{action}", self.approval_id, user=user, message_ts=self.message["ts"]
        )
        assert response.status_code == 200

    def state(self) -> ApprovalState | None:
        found = ApprovalStore(self.services.redis).get(self.approval_id)
        return found.state if found else None


@pytest.fixture
def waiting(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Waiting]:
    slack_fake.add_user("U0CAROL", name="carol", real_name="Carol Clerk")
    slack_fake.set_usergroup("S0APPROVE", ["U0ALICE", "U0CAROL"])
    settings = sandbox_settings(x_fake, slack_fake, reply_approvers_group="S0APPROVE")
    services = build_services(settings, redis_client)
    post_id, ts = deliver(services, x_fake)
    driver = BoltDriver(services, slack_fake)
    try:
        view = open_reply(driver, slack_fake, post_id, ts, user="U0BOB")
        submit(driver, view, DRAFT, user="U0BOB")
        message = wait_for(lambda: thread(slack_fake, ts), what="the draft in the thread")[0]
        assert x_replies(x_fake) == []
        yield Waiting(services, driver, post_id, ts, message)
    finally:
        driver.close()


def approval_message(slack: SlackFake, waiting: Waiting) -> dict[str, Any]:
    return next(m for m in slack.messages(CHANNEL) if m["ts"] == waiting.message["ts"])


def has_buttons(message: dict[str, Any]) -> bool:
    return any(block["type"] == "actions" for block in message["blocks"])


def test_edit_then_stale_approve_posts_only_the_edited_text(
    waiting: Waiting, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Alice edits Bob's draft and sends the edit; the original message loses its buttons and
    says so; Carol's Approve on the stale message afterwards posts nothing and tells her why.
    Exactly one post on X: the edited text."""
    before = len(slack_fake.views())
    waiting.press("edit", "U0ALICE")
    view = wait_for(lambda: slack_fake.views()[before:], what="the edit modal")[-1]
    edited = "@alice Sorry! It ships today."
    assert submit(waiting.driver, view, edited, ticks=("reply_takeover",)) == {}
    wait_for(lambda: x_replies(x_fake), what="the edited reply")
    wait_for(lambda: waiting.state() is ApprovalState.SUPERSEDED, what="superseded")
    message = wait_for(
        lambda: (m := approval_message(slack_fake, waiting)) and not has_buttons(m) and m,
        what="the approval message in its final state",
    )
    assert "edited by <@U0ALICE>" in message["text"]
    waiting.press("approve", "U0CAROL")
    told = wait_for(lambda: ephemerals_for(slack_fake, "U0CAROL"), what="Carol is told")
    assert "already edited" in told[0]
    assert [c["body"]["text"] for c in x_replies(x_fake)] == ["@alice Sorry! It ships today."]
    assert waiting.state() is ApprovalState.SUPERSEDED


def test_approve_and_reject_at_once_act_at_most_once(
    waiting: Waiting, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Alice approves while Carol rejects, at the same moment (X slowed so the two overlap):
    at most one post, the draft ends in exactly one final state that matches what X got, the
    message shows it without buttons, and the loser is told."""
    x_fake.inject(Fault("/2/tweets", Response(0), count=1, delay_seconds=0.3))
    presses = [
        threading.Thread(target=waiting.press, args=("approve", "U0ALICE")),
        threading.Thread(target=waiting.press, args=("reject", "U0CAROL")),
    ]
    for press in presses:
        press.start()
    for press in presses:
        press.join()
    final = wait_for(
        lambda: waiting.state() in (ApprovalState.SENT, ApprovalState.REJECTED) and waiting.state(),
        what="a final state",
    )
    wait_for(lambda: not has_buttons(approval_message(slack_fake, waiting)), what="no buttons")
    posts = x_replies(x_fake)
    if final is ApprovalState.SENT:
        assert [c["body"]["text"] for c in posts] == [DRAFT]
        loser = "U0CAROL"
    else:
        assert posts == []
        loser = "U0ALICE"
    told = wait_for(lambda: ephemerals_for(slack_fake, loser), what="the loser is told")
    assert "already" in told[0] or "right now" in told[0]
    assert waiting.state() is final


def test_approve_after_someone_else_replied_posts_nothing_and_says_so(
    waiting: Waiting, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Carol answers the post herself from the card; Alice's later Approve of Bob's draft posts
    nothing (the same "already answered" rule as any send) and Alice is told privately."""
    view = open_reply(waiting.driver, slack_fake, waiting.post_id, waiting.ts, user="U0CAROL")
    carol = "@alice Carol here: fixed!"
    assert submit(waiting.driver, view, carol, user="U0CAROL", ticks=("reply_takeover",)) == {}
    wait_for(lambda: x_replies(x_fake), what="Carol's reply")
    found = wait_for(lambda: (c := waiting.services.cases.get(waiting.post_id)) and c[0].answered)
    assert found
    waiting.press("approve", "U0ALICE")
    told = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"), what="Alice is told")
    assert "already answered" in told[-1]
    assert [c["body"]["text"] for c in x_replies(x_fake)] == ["@alice Carol here: fixed!"]
    assert waiting.state() is ApprovalState.PENDING


def test_a_send_that_died_mid_flight_gives_the_draft_back(redis_client: redis.Redis) -> None:
    """A draft held as `sending` by a process that died is pending again after 5 minutes (so
    it can still be approved or rejected); before that, nobody else can move it."""
    store = ApprovalStore(redis_client)
    approval_id = store.create("19", "@al hi", "U0BOB")
    assert store.move(approval_id, ApprovalState.SENDING, "U0ALICE", [ApprovalState.PENDING])[0]
    rejected = store.move(approval_id, ApprovalState.REJECTED, "U0CAROL", [ApprovalState.PENDING])
    assert rejected == (False, ApprovalState.SENDING)
    redis_client.hset(approval_key(approval_id), "state_at", repr(time.time() - 301))
    found = store.get(approval_id)
    assert found is not None and found.state is ApprovalState.PENDING
    rejected = store.move(approval_id, ApprovalState.REJECTED, "U0CAROL", [ApprovalState.PENDING])
    assert rejected == (True, ApprovalState.PENDING)
