"""The mention pipeline against real Redis and the sandbox fakes over HTTP."""

from __future__ import annotations

import time

import pytest
import redis

from bot.pipeline.deliver import Deliverer
from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.conftest import CHANNEL
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller

ALICE = ("2001", "alice", "Alice")


class Crash(BaseException):
    """Stands in for kill -9: nothing after it runs."""


class DiesBeforeRecording(Deliverer):
    def _record(self, *args: object) -> None:
        raise Crash


def card_post_ids(slack: SlackFake) -> list[str]:
    return [
        m["metadata"]["event_payload"]["post_id"]
        for m in slack.messages(CHANNEL)
        if m.get("metadata") and not m.get("thread_ts")
    ]


def start_at_now(services: Services) -> None:
    """First poll: sets the checkpoint, delivers nothing."""
    make_poller(services).poll_once()


def test_a_new_mention_becomes_exactly_one_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """A mention posted after the first start lands as one card with the post id in metadata,
    and the case record links the post to the channel and message ts."""
    start_at_now(services)
    post = x_fake.add_post("@earshot_co my order is late", author=ALICE, followers=1234)
    make_poller(services).poll_once()
    drain(make_deliverer(services))
    assert card_post_ids(slack_fake) == [post["id"]]
    stored = services.cases.get(post["id"])
    assert stored is not None
    case, mention = stored
    assert case.channel == CHANNEL
    assert case.ts == slack_fake.messages(CHANNEL)[0]["ts"]
    assert mention.author.followers == 1234


def test_history_before_first_start_is_not_flooded(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Mentions that existed before the first start are not delivered; later ones are."""
    for n in range(3):
        x_fake.add_post(f"@earshot_co old {n}", author=ALICE)
    start_at_now(services)
    new = x_fake.add_post("@earshot_co new", author=ALICE)
    make_poller(services).poll_once()
    drain(make_deliverer(services))
    assert card_post_ids(slack_fake) == [new["id"]]


def test_backfill_delivers_the_most_recent_n(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """`--backfill 2` delivers the two most recent existing mentions on first start."""
    posts = [x_fake.add_post(f"@earshot_co old {n}", author=ALICE) for n in range(4)]
    make_poller(services, backfill=2).poll_once()
    drain(make_deliverer(services))
    assert sorted(card_post_ids(slack_fake)) == sorted(p["id"] for p in posts[-2:])


def test_the_same_mention_served_again_makes_no_second_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Re-reading a post X already served (checkpoint lost, retried page) is deduplicated."""
    start_at_now(services)
    post = x_fake.add_post("@earshot_co hello", author=ALICE)
    make_poller(services).poll_once()
    redis_client.delete(keys.checkpoint(MENTIONS))
    redis_client.set(keys.checkpoint(MENTIONS), "1")  # as if the checkpoint went backwards
    make_poller(services).poll_once()
    drain(make_deliverer(services))
    assert card_post_ids(slack_fake) == [post["id"]]


def test_own_posts_and_pure_reposts_are_skipped(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Our own post and a pure repost never become cards; a quote with text does."""
    start_at_now(services)
    x_fake.add_post("thanks @earshot_co for the help", author=("1000", "earshot_co", "Earshot"))
    original = x_fake.add_post("@earshot_co great launch", author=ALICE)
    x_fake.add_post(
        "RT @alice: @earshot_co great launch",
        author=("2002", "bob", "Bob"),
        referenced_tweets=[{"type": "retweeted", "id": original["id"]}],
    )
    make_poller(services).poll_once()
    drain(make_deliverer(services))
    assert card_post_ids(slack_fake) == [original["id"]]


def test_slack_429_on_first_posts_still_delivers_each_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Two 429s with Retry-After on the first posts: the cards wait and land once each."""
    start_at_now(services)
    posts = [x_fake.add_post(f"@earshot_co n{n}", author=ALICE) for n in range(3)]
    slack_fake.inject(
        Fault(
            "/api/chat.postMessage",
            Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "1"}),
            count=2,
        )
    )
    make_poller(services).poll_once()
    started = time.monotonic()
    drain(make_deliverer(services))
    assert sorted(card_post_ids(slack_fake)) == sorted(p["id"] for p in posts)
    assert time.monotonic() - started >= 1.0, "Retry-After was not honoured"
    assert services.metrics.counters()["slack_429"] == 2


def test_x_429_waits_until_reset_and_later_mentions_still_arrive(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """On X 429 the poller waits until x-rate-limit-reset; the next round delivers."""
    start_at_now(services)
    reset = int(time.time()) + 42
    x_fake.inject(
        Fault(
            "/2/users/",
            Response(
                429,
                XFake.problem(429),
                {
                    "x-rate-limit-limit": "300",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": str(reset),
                },
            ),
        )
    )
    post = x_fake.add_post("@earshot_co anyone there?", author=ALICE)
    wait = make_poller(services).poll_once()
    assert 40 <= wait <= 45
    make_poller(services).poll_once()
    drain(make_deliverer(services))
    assert card_post_ids(slack_fake) == [post["id"]]


def test_x_error_mid_paging_never_skips_the_checkpoint(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """A 503 on page 2 keeps the old checkpoint; the next round fetches everything, no repeats."""
    slack_fake.set_rate(per_channel_per_second=1000, burst=1000)
    start_at_now(services)
    before = Ingest(redis_client).checkpoint(MENTIONS)
    posts = [x_fake.add_post(f"@earshot_co burst {n}", author=ALICE) for n in range(150)]
    poller = make_poller(services)
    x_fake.inject(Fault("/2/users/", Response(0), count=1))  # page 1 passes through
    x_fake.inject(Fault("/2/users/", Response(503, XFake.problem(503))))  # page 2 fails
    poller.poll_once()
    assert Ingest(redis_client).checkpoint(MENTIONS) == before
    poller.poll_once()
    drain(make_deliverer(services), rounds=100)
    delivered = card_post_ids(slack_fake)
    assert sorted(delivered) == sorted(p["id"] for p in posts)
    assert len(delivered) == len(set(delivered))


def test_x_401_degrades_health_and_backs_off(services: Services, x_fake: XFake) -> None:
    """Bad X credentials: health names X, the poller backs off (no tight loop)."""
    x_fake.inject(Fault("/2/users/me", Response(401, XFake.problem(401)), count=5))
    poller = make_poller(services)
    first, second = poller.poll_once(), poller.poll_once()
    assert first >= 30 and second >= 2 * first - 1
    assert "x" in services.health.problems()


def test_channel_not_found_keeps_the_mention_until_the_channel_is_fixed(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """channel_not_found: nothing dropped; once the channel exists the card lands once."""
    slack_fake.set_channel(CHANNEL, exists=False)
    start_at_now(services)
    post = x_fake.add_post("@earshot_co hello?", author=ALICE)
    make_poller(services).poll_once()
    deliverer = make_deliverer(services)
    drain(deliverer)
    assert card_post_ids(slack_fake) == []
    assert any(name.startswith("slack:") for name in services.health.problems())
    slack_fake.set_channel(CHANNEL, exists=True)
    services.redis.delete(keys.channel_down(CHANNEL))
    time.sleep(services.settings.delivery_retry_seconds + 0.1)
    drain(deliverer)
    assert card_post_ids(slack_fake) == [post["id"]]


def test_crash_after_posting_before_recording_makes_no_second_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """A worker that posted the card and died before recording it: the next worker finds the
    card by its metadata in the channel and records it instead of posting again."""
    start_at_now(services)
    post = x_fake.add_post("@earshot_co crash me", author=ALICE)
    make_poller(services).poll_once()
    dying = make_deliverer(services, consumer="dying", cls=DiesBeforeRecording)
    with pytest.raises(Crash):
        dying.step(block_ms=50)
    redis_client.delete(keys.worker_alive("dying"))
    assert len(card_post_ids(slack_fake)) == 1
    time.sleep(services.settings.delivery_retry_seconds + 0.1)
    drain(make_deliverer(services, consumer="survivor"))
    assert card_post_ids(slack_fake) == [post["id"]]
    assert services.cases.exists(post["id"])
    assert redis_client.xlen(keys.INBOX) == 0


def test_a_malformed_stream_item_is_dead_lettered_and_the_rest_go_on(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """A broken inbox entry goes to the dead stream; the next mention is still delivered."""
    deliverer = make_deliverer(services)
    redis_client.xadd(keys.INBOX, {"mention": "{not json"})
    start_at_now(services)
    post = x_fake.add_post("@earshot_co still works", author=ALICE)
    make_poller(services).poll_once()
    drain(deliverer)
    assert card_post_ids(slack_fake) == [post["id"]]
    assert redis_client.xlen(keys.DEAD) == 1


def test_only_one_poller_holds_the_lease(services: Services, x_fake: XFake) -> None:
    """Two workers: the second does not poll while the first holds the source's lease."""
    make_poller(services, owner="w1").poll_once()
    calls_before = len(x_fake.calls_to("/2/users/"))
    make_poller(services, owner="w2").poll_once()
    assert len(x_fake.calls_to("/2/users/")) == calls_before
