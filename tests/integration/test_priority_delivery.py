"""Urgent posts first: within one read of the inbox, the worker's deliverer cards VIP authors,
high-priority rules and urgent-looking posts before the rest (real Redis, X and Slack fakes)."""

from __future__ import annotations

from structlog.testing import capture_logs

from bot.pipeline.deliver import Deliverer
from bot.pipeline.priority_order import PriorityOrder
from bot.pipeline.track_route import TrackRouter
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller


def prioritised_deliverer(services: Services) -> Deliverer:
    """The deliverer as the worker wires it: placed and ordered by the /track router."""
    plain = make_deliverer(services)
    router = TrackRouter(services.redis, services.settings.slack_mentions_channel or "")
    return Deliverer(
        plain.client,
        plain.slack,
        plain.config,
        plain.pacer,
        place=router.place,
        order=PriorityOrder(services.redis, router.rank),
    )


def carded_order(slack: SlackFake) -> list[str]:
    return [
        str(m["metadata"]["event_payload"]["post_id"])
        for m in slack.messages()
        if m.get("metadata") and not m.get("thread_ts")
    ]


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
    drain(prioritised_deliverer(services))
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
        drain(prioritised_deliverer(services))
    assert not [e for e in logs if e["event"] == "followup_waits_for_case"]
    assert carded_order(slack_fake) == [first["id"]]
    threaded = [m for m in slack_fake.messages() if m.get("thread_ts")]
    assert len(threaded) == 1 and "urgent" in str(threaded[0]["text"])
