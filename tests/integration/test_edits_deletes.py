"""Edits and deletions on X: an edited post updates its card (or its follow-up's thread
message) in place and says "edited"; a post the author deleted is found when a reply to it is
refused, and its card says "Deleted by the author" with its clocks stopped. Real pipeline, send
path and Bolt app against the X fake's edit chains and deletions."""

from __future__ import annotations

from typing import Any

import pytest

from bot.casework.people import person
from bot.casework.sending import send_reply
from bot.domain.case import CaseStatus
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.rights import revoked_rights
from bot.store.sla import case_clock
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import (
    ALICE_X,
    deliver,
    ephemerals_for,
    open_reply,
    submit,
    thread,
)
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.waiting import wait_for


@pytest.fixture(autouse=True)
def unpaced(slack_fake: SlackFake) -> None:
    slack_fake.set_rate(0, 0)


def poll_and_deliver(services: Services) -> None:
    make_poller(services).poll_once()
    drain(make_deliverer(services, clocks=True))


def cards(slack: SlackFake) -> list[dict[str, Any]]:
    return [m for m in slack.messages(CHANNEL) if m.get("thread_ts") in (None, m["ts"])]


def test_an_edited_post_updates_its_card_in_place(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    case_id, card_ts = deliver(services, x_fake, "@earshot_co my order is late", clocks=True)
    edited = x_fake.edit_post(case_id, "@earshot_co my order is late, 3 days now <b>")
    poll_and_deliver(services)

    assert len(cards(slack_fake)) == 1, "an edit is not a new mention"
    [card] = cards(slack_fake)
    assert card["ts"] == card_ts
    assert "my order is late, 3 days now &lt;b&gt;" in str(card["blocks"])
    assert "_edited_" in str(card["blocks"])
    found = services.cases.get(case_id)
    assert found is not None and "3 days now" in found[1].text
    assert services.cases.get(str(edited["id"])) is None


def test_an_edited_follow_up_updates_its_thread_message(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    case_id, card_ts = deliver(services, x_fake, clocks=True)
    follow = x_fake.add_post(
        "@earshot_co hello?",
        author=ALICE_X,
        referenced_tweets=[{"type": "replied_to", "id": case_id}],
    )
    poll_and_deliver(services)
    x_fake.edit_post(str(follow["id"]), "@earshot_co hello? it is urgent")
    poll_and_deliver(services)
    [message] = [m for m in thread(slack_fake, card_ts) if "Customer replied" in str(m)]
    assert "it is urgent" in str(message["blocks"]) and "_edited_" in str(message["blocks"])
    assert len(cards(slack_fake)) == 1


def test_an_edit_of_a_post_never_carded_is_a_mention_of_its_own(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    before = x_fake.add_post("@earshot_co hi", author=ALICE_X)  # before Earshot started
    make_poller(services).poll_once()  # first start: the checkpoint is after it
    edited = x_fake.edit_post(str(before["id"]), "@earshot_co hi, my app crashes")
    poll_and_deliver(services)
    assert services.cases.get(str(edited["id"])) is not None, "never lose a mention"


def test_a_reply_to_a_deleted_post_marks_the_card_and_stops_its_clocks(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, card_ts = deliver(services, x_fake, clocks=True)
    x_fake.delete_post(case_id)
    view = open_reply(bolt, slack_fake, case_id, card_ts)
    submit(bolt, view, "@alice Sorry about that!")
    told = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE") or None, what="the answer")
    assert "deleted" in told[-1] and "kept" in told[-1]

    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.DELETED
    card = next(m for m in slack_fake.messages(CHANNEL) if m["ts"] == card_ts)
    assert "*Status:* Deleted by the author" in str(card["blocks"])
    buttons = [
        e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["resolve"]
    clock = case_clock(services.redis, case_id)
    assert clock is not None and clock.state == "stopped" and clock.stopped_reason == "deleted"
    assert any("deleted this post" in m["text"] for m in thread(slack_fake, card_ts))
    assert revoked_rights(services.redis) == frozenset(), "a deleted post is no missing right"

    # Another case still offers Reply: nothing was hidden for the account.
    other, _ = deliver(services, x_fake, "@earshot_co still there?")
    found = services.cases.get(other)
    alice = person(services, "U0ALICE")
    assert found is not None and alice is not None
    assert send_reply(services, found[0], found[1], "@alice Yes!", alice).sent
