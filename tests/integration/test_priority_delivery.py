"""Urgent posts first: within one read of the inbox, the worker's deliverer cards VIP authors,
high-priority rules and urgent-looking posts before the rest (real Redis, X and Slack fakes)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import redis
from structlog.testing import capture_logs

from bot.domain.mention import Author, Mention
from bot.domain.priority import rank
from bot.pipeline.priority_order import PriorityOrder
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.test_track_poll import cards, routed_deliverer


def carded_order(slack: SlackFake) -> list[str]:
    return [str(m["metadata"]["event_payload"]["post_id"]) for m in cards(slack)]  # type: ignore[index]


def test_urgent_and_vip_posts_are_carded_first_and_the_rest_keep_their_order(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Eight posts arrive in one poll: the outage report and the VIP's calm post are carded
    first (in their own order), the six others after them, oldest first."""
    make_poller(services).poll_once()
    ids = []
    for n in range(8):
        if n == 3:
            text, author, followers = "@earshot_co the site is down for everyone", "2003", None
        elif n == 6:
            text, author, followers = "@earshot_co nice shoes", "2006", 250_000
        else:
            text, author, followers = f"@earshot_co a calm question number {n}", f"20{n:02}", None
        posted = x_fake.add_post(
            text, author=(author, f"user{n}", f"User {n}"), followers=followers
        )
        ids.append(posted["id"])
    make_poller(services).poll_once()
    drain(routed_deliverer(services, prioritised=True))
    assert carded_order(slack_fake) == [
        ids[3],
        ids[6],
        ids[0],
        ids[1],
        ids[2],
        ids[4],
        ids[5],
        ids[7],
    ]


def test_a_reply_keeps_its_place_behind_the_case_it_answers(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """An urgent-sounding follow-up is not moved ahead: it may answer a post carded just
    before it in the same read, and it joins that case's thread, not a card of its own."""
    make_poller(services).poll_once()
    first = x_fake.add_post("@earshot_co where is my parcel?", author=("2001", "ana", "Ana"))
    x_fake.add_post(
        "@earshot_co still nothing, this is urgent",
        author=("2001", "ana", "Ana"),
        referenced_tweets=[{"type": "replied_to", "id": first["id"]}],
    )
    make_poller(services).poll_once()
    with capture_logs() as logs:
        drain(routed_deliverer(services, prioritised=True))
    assert not [e for e in logs if e["event"] == "followup_waits_for_case"]
    assert carded_order(slack_fake) == [first["id"]]
    threaded = [m for m in slack_fake.messages() if m.get("thread_ts")]
    assert len(threaded) == 1 and "urgent" in str(threaded[0]["text"])


def test_behind_a_backlog_the_urgent_post_is_carded_from_further_ahead(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Thirty posts wait, the urgent one 26th: the first read (a full batch of ten) shows a
    backlog, so the reader looks further ahead (topping its read up as it goes) and the urgent
    post is carded within the first eleven, not 26th; the others keep their order."""
    make_poller(services).poll_once()
    ids = []
    for n in range(30):
        text = "@earshot_co we got hacked, urgent" if n == 25 else f"@earshot_co calm note {n}"
        ids.append(x_fake.add_post(text, author=(f"21{n:02}", f"calm{n}", "Calm"))["id"])
    make_poller(services).poll_once()
    drain(routed_deliverer(services, prioritised=True))
    order = carded_order(slack_fake)
    assert sorted(order) == sorted(ids)
    assert order.index(ids[25]) <= 10
    assert [p for p in order if p != ids[25]] == [p for p in ids if p != ids[25]]


def test_entries_read_ahead_stay_ours_while_we_work_through_them(services: Services) -> None:
    """Reading ahead leaves entries pending longer: the reader resets their idle time as it
    goes, so another worker's reclaim (after DELIVERY_RETRY_SECONDS idle) does not take them."""
    deliverer = make_deliverer(services)
    for n in range(3):
        services.redis.xadd(keys.INBOX, {"update": str(n)})
    read = deliverer._read_new(block_ms=10)
    assert len(read) == 3
    time.sleep(0.3)
    deliverer._keep([entry_id for entry_id, _fields in read])
    pending: Any = services.redis.xpending_range(keys.INBOX, keys.DELIVER_GROUP, "-", "+", 10)
    assert len(pending) == 3 and all(p["time_since_delivered"] < 200 for p in pending)


def test_an_urgent_post_arriving_during_a_backlog_goes_before_what_was_read(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Twenty calm posts are being carded when an outage report arrives: the reader tops its
    read up as it goes, so the report is carded before calm posts read before it arrived."""
    make_poller(services).poll_once()
    calm = [
        x_fake.add_post(f"@earshot_co calm note {n}", author=(f"22{n:02}", f"c{n}", "C"))["id"]
        for n in range(20)
    ]
    make_poller(services).poll_once()
    deliverer = routed_deliverer(services, prioritised=True)
    original, carded = deliverer.deliver, []

    def deliver_then_report(entry_id: str, fields: dict[str, str]) -> None:
        original(entry_id, fields)
        carded.append(entry_id)
        if len(carded) == 12:  # into the second read, which took every calm post left
            x_fake.add_post("@earshot_co total outage, nothing loads", author=("2300", "o", "O"))
            make_poller(services).poll_once()

    deliverer.deliver = deliver_then_report  # type: ignore[method-assign]
    drain(deliverer)
    order = carded_order(slack_fake)
    urgent = next(p for p in order if p not in calm)
    assert len(order) == 21 and order.index(urgent) < 19  # not last, after all 20


def test_a_failed_card_is_retried_while_the_backlog_still_drains(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """The first card of a backlog fails once (Slack answers 500): its retry is taken up by the
    running read once its backoff is over, not left until the whole backlog is out."""
    make_poller(services).poll_once()
    ids = [
        x_fake.add_post(f"@earshot_co calm note {n}", author=(f"24{n:02}", f"d{n}", "D"))["id"]
        for n in range(20)
    ]
    make_poller(services).poll_once()
    slack_fake.inject(Fault("/api/chat.postMessage", Response(500, {"ok": False}), count=1))
    with capture_logs():
        drain(routed_deliverer(services, prioritised=True))
    order = carded_order(slack_fake)
    assert sorted(order) == sorted(ids)
    assert order.index(ids[0]) < 19  # not last, after all the others


def test_only_new_top_level_posts_may_move(redis_client: redis.Redis) -> None:
    """A follow-up, an edit (it updates the card of its earlier version) and a DM keep their
    place; a malformed entry too (delivery buries it); an urgent new post moves ahead."""
    calm = Mention("1", "calm", Author("2", "dana", "Dana"), datetime.now(UTC))
    urgent = replace(calm, text="the site is down")
    entries = [
        ("1-0", {"mention": calm.to_json()}),
        ("2-0", {"mention": replace(urgent, post_id="2", replied_to="1").to_json()}),
        ("3-0", {"mention": replace(urgent, post_id="3", edit_history=("9", "3")).to_json()}),
        ("4-0", {"mention": replace(urgent, post_id="4", kind="dm").to_json()}),
        ("5-0", {"mention": "{not json"}),
        ("6-0", {"mention": replace(urgent, post_id="6").to_json()}),
    ]
    order = PriorityOrder(redis_client, lambda m, _s: rank(m, vip=False, high_priority=False))
    moved = [entry_id for entry_id, _fields in order(entries)]
    assert moved == ["6-0", "1-0", "2-0", "3-0", "4-0", "5-0"]
