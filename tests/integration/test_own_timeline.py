"""The brand's own timeline is polled: a reply typed in X's own app marks the card "Replied on
X" (SLA stopped at that post, audited), and a reply whose outcome X never told us is settled
from the timeline: exactly one post, never a blind second send. Real poller, send path, Bolt
app, against the X fake (which can carry out a post and then drop the connection)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.casework.own_replies import build_own_poller
from bot.casework.people import person
from bot.casework.sending import CHECKING, DOUBT_SECONDS, send_reply
from bot.domain.case import CaseStatus
from bot.pipeline.own_poll import OWN
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.sla import case_clock
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    open_reply,
    submit,
    thread,
    x_replies,
)
from tests.integration.waiting import wait_for

BRAND = ("1000", "earshot_co", "Earshot Co")


@pytest.fixture(autouse=True)
def unpaced(slack_fake: SlackFake) -> None:
    slack_fake.set_rate(0, 0)


def reply_on_x(x_fake: XFake, post_id: str, text: str) -> dict[str, Any]:
    """The brand account answers in X's own app (not through Earshot)."""
    return x_fake.add_post(
        text, author=BRAND, referenced_tweets=[{"type": "replied_to", "id": post_id}]
    )


def actions(services: Services, case_id: str) -> list[str]:
    return [str(e.get("action")) for e in AuditLog(services.redis).entries(case_id)]


def test_a_reply_made_on_x_outside_earshot_marks_the_card_and_stops_the_clock(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    poller = build_own_poller(services)
    poller.poll_once()  # first start: the checkpoint is "now"
    case_id, card_ts = deliver(services, x_fake, clocks=True)
    ours = reply_on_x(x_fake, case_id, "@alice So sorry! DM us your order number?")
    poller.poll_once()

    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.REPLIED_ON_X
    assert found[0].status_note == f"https://x.com/earshot_co/status/{ours['id']}"
    card = next(m for m in slack_fake.messages("C0MENTIONS") if m["ts"] == card_ts)
    assert "*Status:* Replied on X" in str(card["blocks"])
    assert any("outside Earshot" in m["text"] for m in thread(slack_fake, card_ts))
    clock = case_clock(services.redis, case_id)
    assert clock is not None and clock.state == "stopped" and clock.responder == "(on X)"
    assert actions(services, case_id).count("replied_outside_earshot") == 1

    poller.poll_once()  # read again (another round, another worker): handled once
    services.redis.delete(keys.checkpoint(OWN))
    poller.poll_once()
    assert actions(services, case_id).count("replied_outside_earshot") == 1


def test_a_reply_sent_from_earshot_is_not_counted_again_as_made_outside(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    poller = build_own_poller(services)
    poller.poll_once()
    case_id, _card_ts = deliver(services, x_fake)
    found = services.cases.get(case_id)
    alice = person(services, "U0ALICE")
    assert found is not None and alice is not None
    assert send_reply(services, found[0], found[1], "@alice On it!", alice).sent
    poller.poll_once()
    assert "replied_outside_earshot" not in actions(services, case_id)
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.REPLIED


def test_a_failing_timeline_poll_keeps_its_checkpoint_and_loses_nothing(
    services: Services, x_fake: XFake
) -> None:
    poller = build_own_poller(services)
    poller.poll_once()
    before = services.redis.get(keys.checkpoint(OWN))
    case_id, _ = deliver(services, x_fake)
    reply_on_x(x_fake, case_id, "@alice Fixed now.")
    x_fake.inject(XFake.fault("/2/users/1000/tweets", 503))
    poller.poll_once()
    assert services.redis.get(keys.checkpoint(OWN)) == before
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.NEW
    poller.poll_once()
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.REPLIED_ON_X


def drop_after_posting(x_fake: XFake) -> None:
    """X makes the post, then the connection drops before its answer."""
    x_fake.inject(Fault("/2/tweets", Response(0), after=True, drop=True))


def test_a_reply_whose_answer_was_lost_is_settled_from_the_timeline_exactly_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    poller = build_own_poller(services)
    poller.poll_once()
    case_id, card_ts = deliver(services, x_fake)
    drop_after_posting(x_fake)
    view = open_reply(bolt, slack_fake, case_id, card_ts)
    submit(bolt, view, "@alice Sorry! It ships today.")
    told = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE") or None, what="the answer")
    assert told[-1] == CHECKING, "told it is being checked, not that it failed"
    assert len(x_fake.posts_by_us()) == 1, "X made the post"

    # Sending again, the same draft or an edited one, is refused until settled.
    for text in ("@alice Sorry! It ships today.", "@alice Sorry!! It ships today."):
        view = open_reply(bolt, slack_fake, case_id, card_ts)
        submit(bolt, view, text)
    assert len(x_replies(x_fake)) == 1 and len(x_fake.posts_by_us()) == 1

    poller.poll_once()  # the timeline shows the post: settled as sent, with its link
    found = services.cases.get(case_id)
    reply_id = x_fake.posts_by_us()[0]["id"]
    assert found is not None and found[0].status is CaseStatus.REPLIED
    assert found[0].status_note == f"https://x.com/earshot_co/status/{reply_id}"
    assert actions(services, case_id).count("reply_sent") == 1
    assert "replied_outside_earshot" not in actions(services, case_id)
    assert not services.redis.exists(keys.in_doubt(case_id))


def test_a_reply_in_doubt_that_never_reached_x_frees_its_draft(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """The connection dropped before X made the post: once DOUBT_SECONDS have passed with the
    timeline read and no such post, the draft is free again and the sender is told."""
    poller = build_own_poller(services)
    poller.poll_once()
    case_id, card_ts = deliver(services, x_fake)
    found = services.cases.get(case_id)
    alice = person(services, "U0ALICE")
    assert found is not None and alice is not None
    x_fake.inject(Fault("/2/tweets", Response(0), drop=True))
    outcome = send_reply(services, found[0], found[1], "@alice Looking into it", alice)
    assert outcome.in_doubt and not outcome.sent
    assert x_fake.posts_by_us() == []

    poller.poll_once()  # too early to call it: still in doubt
    assert services.redis.exists(keys.in_doubt(case_id))
    later = services.clock() + DOUBT_SECONDS + 1
    services.clock = lambda: later
    poller.poll_once()
    assert not services.redis.exists(keys.in_doubt(case_id))
    assert any("did not reach X" in m["text"] for m in thread(slack_fake, card_ts))
    assert "reply_not_sent" in actions(services, case_id)
    outcome = send_reply(services, found[0], found[1], "@alice Looking into it", alice)
    assert outcome.sent, "the same draft may be sent again once settled as not sent"
    assert len(x_fake.posts_by_us()) == 1
