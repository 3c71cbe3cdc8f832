"""Bluesky as a network: its mentions become cards, replies go out once with the right thread
refs (real Redis, the Bluesky and Slack fakes, the real atproto client, deliverer and Bolt)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from bot.casework.sending import send_reply
from bot.check import find_problems
from bot.config import Settings
from bot.domain.mention import Mention
from bot.domain.network import bluesky_post_id
from bot.domain.permissions import Person
from bot.domain.reply import draft_problem
from bot.pipeline.bluesky_poll import SOURCE, BlueskyPoller
from bot.sandbox.bluesky_api import BlueskyFake
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store import keys
from bot.store.cases import CaseStore
from tests.conftest import sandbox_settings
from tests.integration.pipeline_helpers import drain
from tests.integration.test_quiet_joins import buttons
from tests.integration.test_track_poll import cards, meta_text, routed_deliverer

ALICE = Person("U0ALICE", "alice", "Alice Example", "T1")
PASSWORD = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def bluesky() -> Iterator[BlueskyFake]:
    fake = BlueskyFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def bsky_settings(x_fake: XFake, slack_fake: SlackFake, bluesky: BlueskyFake) -> Settings:
    return sandbox_settings(
        x_fake,
        slack_fake,
        bluesky_handle="earshot.bsky.social",
        bluesky_app_password=PASSWORD,
        bluesky_service_url=bluesky.base_url,
    )


@pytest.fixture
def bsky(bsky_settings: Settings, redis_client: redis.Redis) -> Iterator[Services]:
    services = build_services(bsky_settings, redis_client)
    yield services
    if services.bluesky is not None:
        services.bluesky.close()


@pytest.fixture
def bolt_bsky(bsky: Services, slack_fake: SlackFake) -> Iterator[BoltDriver]:
    driver = BoltDriver(bsky, slack_fake)
    yield driver
    driver.close()


def poller(services: Services) -> BlueskyPoller:
    assert services.bluesky is not None
    return BlueskyPoller.for_worker(services, services.bluesky)


def ref(strong: dict[str, str]) -> dict[str, str]:
    """A strong ref as {uri, cid} (the SDK also writes its $type)."""
    return {"uri": strong["uri"], "cid": strong["cid"]}


def carded(services: Services, bluesky: BlueskyFake, text: str, **post: Any) -> str:
    """Start the poller at "now", post `text` mentioning the brand, poll and deliver."""
    poller(services).poll_once()
    customer = bluesky.add_user("dana.bsky.social", display_name="Dana")
    uri = bluesky.add_post(customer, text, **post)["uri"]
    poller(services).poll_once()
    drain(routed_deliverer(services))
    return bluesky_post_id(uri)


def test_a_bluesky_mention_becomes_a_card_that_names_bluesky_and_offers_what_works(
    bsky: Services, bluesky: BlueskyFake, slack_fake: SlackFake
) -> None:
    post_id = carded(bsky, bluesky, "@earshot.bsky.social my order never came")
    [card] = cards(slack_fake)
    assert card["metadata"]["event_payload"]["post_id"] == post_id  # type: ignore[index]
    meta = meta_text(card)
    assert (
        ":butterfly: Bluesky" in meta and "https://bsky.app/profile/dana.bsky.social/post/" in meta
    )
    actions = buttons(slack_fake, str(card["ts"]))
    assert actions == ["reply", "claim", "escalate", "like", "repost", "resolve", "mute_author"]
    found = CaseStore(bsky.redis).get(post_id)
    assert found is not None and found[1].author.username == "dana.bsky.social"


def test_a_reply_goes_out_once_as_a_reply_record_with_strong_refs_and_facets(
    bsky: Services, bluesky: BlueskyFake, slack_fake: SlackFake
) -> None:
    """Sent twice (a double click): one record, answering the post (root = parent = the post),
    its link a facet at the right UTF-8 bytes; the card says Replied with the bsky.app link."""
    post_id = carded(bsky, bluesky, "@earshot.bsky.social où est ma commande ? 📦")
    found = CaseStore(bsky.redis).get(post_id)
    assert found is not None
    text = "Désolé 📦 ! Suivez-la ici : https://example.com/track"
    first = send_reply(bsky, found[0], found[1], text, ALICE)
    second = send_reply(bsky, found[0], found[1], text, ALICE)
    assert first.sent and second.sent and not second.first_time
    [reply] = bluesky.records("app.bsky.feed.post", author="earshot.bsky.social")
    record = reply["value"]
    parent = {"uri": post_id.removeprefix("bsky:"), "cid": found[1].cid}
    assert {k: ref(v) for k, v in record["reply"].items() if k != "$type"} == {
        "root": parent,
        "parent": parent,
    }
    [facet] = record["facets"]
    start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
    assert text.encode()[start:end].decode() == "https://example.com/track"
    case = CaseStore(bsky.redis).get(post_id)
    assert case is not None and "bsky.app/profile/earshot.bsky.social/post/" in str(
        case[0].status_note
    )


def test_a_reply_to_a_reply_names_its_threads_root(bsky: Services, bluesky: BlueskyFake) -> None:
    """The customer answers someone else's post and mentions us: our reply's root is that
    thread's first post, its parent the customer's post."""
    other = bluesky.add_user("sam.bsky.social")
    root = bluesky.add_post(other, "the new app is out", mention_brand=False)
    post_id = carded(bsky, bluesky, "@earshot.bsky.social it crashes", reply_to=root["uri"])
    found = CaseStore(bsky.redis).get(post_id)
    assert found is not None
    assert send_reply(bsky, found[0], found[1], "Sorry! Which phone?", ALICE).sent
    [reply] = bluesky.records("app.bsky.feed.post", author="earshot.bsky.social")
    assert ref(reply["value"]["reply"]["root"]) == {"uri": root["uri"], "cid": root["cid"]}
    assert reply["value"]["reply"]["parent"]["uri"] == post_id.removeprefix("bsky:")


def test_a_reply_whose_answer_was_lost_is_found_not_posted_twice(
    bsky: Services, bluesky: BlueskyFake
) -> None:
    """The post is made, then the connection drops: the reply is looked up by its record key
    and counted as sent; sending the same text again posts nothing more."""
    post_id = carded(bsky, bluesky, "@earshot.bsky.social hello?")
    found = CaseStore(bsky.redis).get(post_id)
    assert found is not None
    bluesky.inject(
        Fault("/xrpc/com.atproto.repo.createRecord", Response(200, {}), after=True, drop=True)
    )
    assert send_reply(bsky, found[0], found[1], "Hi Dana, how can we help?", ALICE).sent
    assert len(bluesky.records("app.bsky.feed.post", author="earshot.bsky.social")) == 1


def test_a_reply_over_300_characters_is_refused_before_anything_is_sent(
    bsky: Services, bluesky: BlueskyFake
) -> None:
    problem = draft_problem("👍" * 301, handle="dana.bsky.social", network="bluesky")
    assert problem is not None and "301/300" in problem
    assert draft_problem("👍" * 300, handle="dana.bsky.social", network="bluesky") is None


def test_the_poll_stops_at_what_it_read_and_skips_our_own_posts(
    bsky: Services, bluesky: BlueskyFake
) -> None:
    """Three rounds: the first starts at "now"; the second ingests the new mention only (not
    the one from before the start, nor our own post); the third ingests nothing."""
    customer = bluesky.add_user("old.bsky.social")
    bluesky.add_post(customer, "@earshot.bsky.social from before")
    poller(bsky).poll_once()
    new = bluesky.add_post(customer, "@earshot.bsky.social a new one")
    bluesky.add_post("earshot.bsky.social", "@earshot.bsky.social talking to ourselves")
    poller(bsky).poll_once()
    poller(bsky).poll_once()
    entries: Any = bsky.redis.xrange(keys.INBOX)
    ids = [Mention.from_json(fields["mention"]).post_id for _id, fields in entries]
    assert ids == [bluesky_post_id(new["uri"])]
    assert bsky.redis.get(keys.checkpoint(SOURCE))


def test_a_wrong_app_password_is_a_health_problem_that_names_the_fix(
    x_fake: XFake, slack_fake: SlackFake, bluesky: BlueskyFake, redis_client: redis.Redis
) -> None:
    settings = sandbox_settings(
        x_fake,
        slack_fake,
        bluesky_handle="earshot.bsky.social",
        bluesky_app_password="wrong-pass-word-0000",
        bluesky_service_url=bluesky.base_url,
    )
    services = build_services(settings, redis_client)
    with capture_logs() as logs:
        poller(services).poll_once()
    assert services.bluesky is not None
    services.bluesky.close()
    assert [e for e in logs if e["event"] == "bluesky_auth_failed"]
    problems = services.health.problems()
    assert any(
        "@earshot.bsky.social" in str(p) and "BLUESKY_APP_PASSWORD" in str(p)
        for p in problems.values()
    )  # healthz names the account and the fix
    assert "wrong-pass-word-0000" not in str(logs) + str(problems)


def test_a_session_the_server_expired_early_is_renewed_and_the_poll_goes_on(
    bsky: Services, bluesky: BlueskyFake
) -> None:
    """The SDK refreshes only by its own clock: when Bluesky expires the token sooner (400
    ExpiredToken), the source logs in again and the round still reads the new mention."""
    poller(bsky).poll_once()
    customer = bluesky.add_user("eve.bsky.social")
    new = bluesky.add_post(customer, "@earshot.bsky.social still there?")
    bluesky.expire_tokens()
    with capture_logs() as logs:
        poller(bsky).poll_once()
    assert [e for e in logs if e["event"] == "bluesky_session_expired"]
    entries: Any = bsky.redis.xrange(keys.INBOX)
    assert [Mention.from_json(f["mention"]).post_id for _i, f in entries] == [
        bluesky_post_id(new["uri"])
    ]


def test_earshot_check_reports_the_bluesky_account_on_its_own_line(
    bsky_settings: Settings, bluesky: BlueskyFake
) -> None:
    """A good app password: no problem; a wrong one: one BLUESKY_APP_PASSWORD line; X's own
    check is unaffected."""
    assert find_problems(bsky_settings) == []
    bluesky.set_password("zzzz-zzzz-zzzz-zzzz")
    problems = find_problems(bsky_settings)
    assert [p.split(":")[0] for p in problems] == ["BLUESKY_APP_PASSWORD"]
    assert PASSWORD not in problems[0]


def test_likes_and_follows_are_no_mentions_and_a_card_can_be_claimed(
    bsky: Services, bluesky: BlueskyFake, slack_fake: SlackFake, bolt_bsky: BoltDriver
) -> None:
    """A like of our post notifies us but is no mention: one card, for the post; Claim on it
    updates it in place like any card."""
    post_id = carded(bsky, bluesky, "@earshot.bsky.social can someone help?")
    ours = bluesky.add_post("earshot.bsky.social", "our announcement", mention_brand=False)
    bluesky.add_like("dana.bsky.social", ours["uri"])
    poller(bsky).poll_once()
    drain(routed_deliverer(bsky))
    [card] = cards(slack_fake)
    bolt_bsky.block_action("claim", post_id, message_ts=str(card["ts"]))
    [card] = cards(slack_fake)
    status = next(b for b in card["blocks"] if b.get("block_id") == "card_status")  # type: ignore[attr-defined]
    assert "claimed by <@U0ALICE>" in status["elements"][0]["text"]


def test_like_and_repost_make_records_on_bluesky_and_undo_deletes_them(
    bsky: Services, bluesky: BlueskyFake, slack_fake: SlackFake, bolt_bsky: BoltDriver
) -> None:
    post_id = carded(bsky, bluesky, "@earshot.bsky.social love the new release")
    [card] = cards(slack_fake)
    ts = str(card["ts"])
    bolt_bsky.block_action("like", post_id, message_ts=ts)
    bolt_bsky.block_action("repost", post_id, message_ts=ts)
    [like] = bluesky.records("app.bsky.feed.like")
    [repost] = bluesky.records("app.bsky.feed.repost")
    assert like["value"]["subject"]["uri"] == repost["value"]["subject"]["uri"] == post_id[5:]
    status = str(cards(slack_fake)[0]["blocks"])
    assert "liked by <@U0ALICE>" in status and "reposted by <@U0ALICE>" in status
    bolt_bsky.block_action("unlike", post_id, message_ts=ts)
    bolt_bsky.block_action("unrepost", post_id, message_ts=ts)
    assert bluesky.records("app.bsky.feed.like") == []
    assert bluesky.records("app.bsky.feed.repost") == []
    assert "liked by" not in str(cards(slack_fake)[0]["blocks"])


def test_a_post_deleted_before_the_reply_says_so_and_marks_the_case(
    bsky: Services, bluesky: BlueskyFake
) -> None:
    """Bluesky itself would take a reply to a deleted post (it does not check the parent):
    the source looks first, nothing is posted, the case says the author deleted it."""
    post_id = carded(bsky, bluesky, "@earshot.bsky.social never mind")
    found = CaseStore(bsky.redis).get(post_id)
    assert found is not None
    bluesky.delete_post(post_id.removeprefix("bsky:"))
    outcome = send_reply(bsky, found[0], found[1], "Hi Dana!", ALICE)
    assert not outcome.sent and "gone" in outcome.message
    case = CaseStore(bsky.redis).get(post_id)
    assert case is not None and case[0].status.value == "deleted"
