"""A case is a conversation: the customer's follow-ups thread into their case's Slack thread
(never a second card), reopen it as "Customer replied", and are answered from the thread.
Real poller, deliverer, Bolt app and send path against the X and Slack fakes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.domain.case import CaseStatus
from bot.pipeline.followups import PARENT_WAIT_SECONDS
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import (
    ALICE_X,
    deliver,
    open_reply,
    submit,
    thread,
    x_replies,
)
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.waiting import wait_for

BOB_X = ("2002", "bob", "Bob Stranger")


def cards(slack: SlackFake) -> list[dict[str, Any]]:
    """Top-level messages in the mentions channel (each one a card)."""
    return [m for m in slack.messages(CHANNEL) if m.get("thread_ts") in (None, m["ts"])]


def our_reply(bolt: BoltDriver, slack: SlackFake, x_fake: XFake, post_id: str, ts: str) -> str:
    """Press Reply on a message (card or follow-up) and send; returns the reply's X id."""
    before = len(x_replies(x_fake))
    view = open_reply(bolt, slack, post_id, ts)
    submit(bolt, view, f"@alice Sorry about that! Checking now ({post_id[-3:]}).")
    sent = wait_for(lambda: x_replies(x_fake)[before:] or None, what="the reply on X")
    return str(x_fake.posts_by_us()[-1]["id"]) if sent else ""


def customer_says(
    x_fake: XFake, text: str, replying_to: str, author: tuple[str, str, str] = ALICE_X
) -> str:
    post = x_fake.add_post(
        text, author=author, referenced_tweets=[{"type": "replied_to", "id": replying_to}]
    )
    return str(post["id"])


@pytest.fixture(autouse=True)
def unpaced(slack_fake: SlackFake) -> None:
    slack_fake.set_rate(0, 0)


def poll_and_deliver(services: Services) -> None:
    make_poller(services).poll_once()
    drain(make_deliverer(services))


def status_line(message: dict[str, Any]) -> str:
    block = next(b for b in message["blocks"] if b.get("block_id") == "card_status")
    return str(block["elements"][0]["text"])


def test_a_follow_up_threads_into_its_case_reopens_it_and_is_answered_from_the_thread(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, card_ts = deliver(services, x_fake)
    reply_id = our_reply(bolt, slack_fake, x_fake, case_id, card_ts)
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.REPLIED

    follow_up = customer_says(x_fake, "@earshot_co still nothing arrived <b>", reply_id)
    poll_and_deliver(services)

    assert len(cards(slack_fake)) == 1, "a follow-up must not make a second card"
    [message] = [m for m in thread(slack_fake, card_ts) if "Customer replied" in str(m)]
    assert "still nothing arrived &lt;b&gt;" in str(message["blocks"])  # escaped like a card
    assert f"https://x.com/alice/status/{follow_up}" in str(message["blocks"])
    [button] = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == ("reply", follow_up)
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.CUSTOMER_REPLIED
    [card] = cards(slack_fake)
    assert "*Status:* Customer replied" in status_line(card)

    # Reply on the thread message answers the follow-up, not the first post.
    our_reply(bolt, slack_fake, x_fake, follow_up, message["ts"])
    [_first, second] = x_replies(x_fake)
    assert second["body"]["reply"]["in_reply_to_tweet_id"] == follow_up
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.REPLIED
    audit = [str(e) for e in services.redis.lrange(keys.audit(case_id), 0, -1)]
    assert any(follow_up in entry and "reply_sent" in entry for entry in audit)


def test_conversations_of_any_length_stay_in_one_case_and_strangers_get_their_own_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    case_id, card_ts = deliver(services, x_fake)
    first = customer_says(x_fake, "@earshot_co hello?", case_id)
    poll_and_deliver(services)
    second = customer_says(x_fake, "@earshot_co anyone there?", first)
    third = customer_says(x_fake, "@earshot_co it is urgent", second)
    poll_and_deliver(services)
    # Someone else joining the conversation has a case of their own.
    stranger = customer_says(x_fake, "@earshot_co same for me!", case_id, author=BOB_X)
    poll_and_deliver(services)

    threaded = [str(m["blocks"]) for m in thread(slack_fake, card_ts)]
    for post_id in (first, second, third):
        assert sum(post_id in text for text in threaded) == 1
    assert len(cards(slack_fake)) == 2
    assert services.cases.get(stranger) is not None
    assert services.redis.hget(keys.case(case_id), "followups") == "3"


def test_a_follow_up_that_races_its_case_waits_and_then_threads(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Both posts are taken in by one poll; the follow-up's delivery comes first (another
    worker, a held-up card): it waits for the card, then threads. Never a second card."""
    make_poller(services).poll_once()
    first = str(x_fake.add_post("@earshot_co my order is late", author=ALICE_X)["id"])
    follow_up = customer_says(x_fake, "@earshot_co and the app crashes", first)
    make_poller(services).poll_once()
    deliverer = make_deliverer(services)
    taken: Any = services.redis.xreadgroup(
        keys.DELIVER_GROUP, deliverer.config.consumer, {keys.INBOX: ">"}, count=10
    )
    entries = [entry for _stream, items in taken for entry in items]
    [(entry_id, fields)] = [(i, f) for i, f in entries if follow_up in f["mention"]]
    deliverer.deliver(entry_id, fields)  # its case's card is not out yet: it waits
    assert slack_fake.messages(CHANNEL) == []
    pending: Any = services.redis.xpending(keys.INBOX, keys.DELIVER_GROUP)
    assert pending["pending"] == 2, "both entries stay pending: nothing is lost"

    time.sleep(services.settings.delivery_retry_seconds + 0.1)  # idle long enough to reclaim
    drain(deliverer)
    assert len(slack_fake.messages(CHANNEL)) == 2
    pending = services.redis.xpending(keys.INBOX, keys.DELIVER_GROUP)
    assert pending["pending"] == 0
    assert len(cards(slack_fake)) == 1
    found = services.cases.get(first)
    assert found is not None
    assert [m for m in thread(slack_fake, found[0].ts) if follow_up in str(m["blocks"])]


@pytest.mark.parametrize("gone", ["unknown parent", "expired case"])
def test_a_follow_up_whose_case_is_unknown_or_expired_gets_its_own_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake, gone: str
) -> None:
    case_id, _ts = deliver(services, x_fake)
    if gone == "expired case":
        services.redis.delete(keys.case(case_id))  # as the retention would
        parent = case_id
    else:
        parent = "1899999999999999999"  # a post X never showed us
    follow_up = customer_says(x_fake, "@earshot_co any news?", parent)
    poll_and_deliver(services)
    assert services.cases.get(follow_up) is not None, "the mention must never be lost"


def test_a_follow_up_to_a_case_recorded_before_the_index_still_threads(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Cases carded before conversations were indexed have no thread-of entries: a reply to
    their post still finds them (and does not wait for a card that is already out)."""
    case_id, card_ts = deliver(services, x_fake)
    for key in services.redis.scan_iter(keys.thread_of("*")):
        services.redis.delete(key)
    for key in services.redis.scan_iter(keys.conversation("*", "*")):
        services.redis.delete(key)
    follow_up = customer_says(x_fake, "@earshot_co any news?", case_id)
    poll_and_deliver(services)
    assert len(cards(slack_fake)) == 1
    assert [m for m in thread(slack_fake, card_ts) if follow_up in str(m["blocks"])]


def test_a_follow_up_waits_at_most_15_minutes_for_its_case_then_gets_a_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """The post it answers was taken in but never carded (dead-lettered, say): after
    PARENT_WAIT_SECONDS the follow-up is carded on its own rather than lost."""
    make_poller(services).poll_once()
    first = str(x_fake.add_post("@earshot_co my order is late", author=ALICE_X)["id"])
    follow_up = customer_says(x_fake, "@earshot_co hello??", first)
    make_poller(services).poll_once()
    later = time.time() + PARENT_WAIT_SECONDS + 1
    deliverer = make_deliverer(services)
    deliverer.clock = lambda: later
    entries = services.redis.xrange(keys.INBOX)
    [(entry_id, fields)] = [(i, f) for i, f in entries if follow_up in f["mention"]]
    deliverer.deliver(entry_id, fields)
    assert services.cases.get(follow_up) is not None
    assert services.cases.get(first) is None
