"""Mastodon as a network: mentions become cards, replies keep their visibility and go out once
(real Redis, the Mastodon and Slack fakes, the real Mastodon.py client, deliverer and Bolt)."""

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
from bot.domain.network import mastodon_post_id
from bot.domain.permissions import Person
from bot.domain.reply import draft_problem
from bot.pipeline.mastodon_poll import SOURCE, MastodonPoller
from bot.sandbox.mastodon_api import MastodonFake
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


@pytest.fixture
def mastodon() -> Iterator[MastodonFake]:
    fake = MastodonFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def toot_settings(x_fake: XFake, slack_fake: SlackFake, mastodon: MastodonFake) -> Settings:
    return sandbox_settings(
        x_fake,
        slack_fake,
        mastodon_base_url=mastodon.base_url,
        mastodon_access_token=mastodon.token,
    )


@pytest.fixture
def toot(toot_settings: Settings, redis_client: redis.Redis) -> Iterator[Services]:
    services = build_services(toot_settings, redis_client)
    yield services
    if services.mastodon is not None:
        services.mastodon.close()


@pytest.fixture
def bolt_toot(toot: Services, slack_fake: SlackFake) -> Iterator[BoltDriver]:
    driver = BoltDriver(toot, slack_fake)
    yield driver
    driver.close()


def poller(services: Services) -> MastodonPoller:
    assert services.mastodon is not None
    return MastodonPoller.for_worker(services, services.mastodon)


def carded(services: Services, mastodon: MastodonFake, text: str, **status: Any) -> str:
    """Start the poller at "now", post `text` mentioning the brand, poll and deliver."""
    poller(services).poll_once()
    customer = mastodon.add_account("dana", domain="remote.example", display_name="Dana")
    posted = mastodon.add_status(customer, text, **status)
    poller(services).poll_once()
    drain(routed_deliverer(services))
    return mastodon_post_id(str(posted["id"]))


def ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [str(s["id"]) for s in statuses]


def inbox_ids(services: Services) -> list[str]:
    entries: Any = services.redis.xrange(keys.INBOX)
    return [Mention.from_json(f["mention"]).post_id for _i, f in entries if "mention" in f]


def test_a_mention_becomes_a_card_that_names_mastodon_with_its_text_not_its_html(
    toot: Services, mastodon: MastodonFake, slack_fake: SlackFake
) -> None:
    post_id = carded(toot, mastodon, "my order & my refund, anyone?")
    [card] = cards(slack_fake)
    assert card["metadata"]["event_payload"]["post_id"] == post_id  # type: ignore[index]
    assert ":elephant: Mastodon" in meta_text(card) and "Open on Mastodon" in meta_text(card)
    shown = str(card["blocks"])
    assert "my order &amp; my refund, anyone?" in shown and "<span" not in shown
    found = CaseStore(toot.redis).get(post_id)
    assert found is not None and found[1].author.username == "dana@remote.example"
    actions = buttons(slack_fake, str(card["ts"]))
    assert actions == ["reply", "claim", "escalate", "like", "repost", "resolve", "mute_author"]


def test_a_direct_mention_is_marked_private_and_cannot_be_boosted(
    toot: Services, mastodon: MastodonFake, slack_fake: SlackFake
) -> None:
    carded(toot, mastodon, "my address is 1 Main St", visibility="direct")
    [card] = cards(slack_fake)
    assert ":lock: Direct mention: the reply stays private" in meta_text(card)
    assert '"repost"' not in str(card["blocks"]).replace("'", '"')


def test_a_reply_keeps_the_visibility_and_goes_out_once(
    toot: Services, mastodon: MastodonFake
) -> None:
    """A direct mention is answered directly, in reply to it; the same text sent twice is one
    status; the case says Replied with the status's link."""
    post_id = carded(toot, mastodon, "where is my parcel?", visibility="direct")
    found = CaseStore(toot.redis).get(post_id)
    assert found is not None
    text = "@dana@remote.example sorry! Checking now."
    assert send_reply(toot, found[0], found[1], text, ALICE).sent
    assert not send_reply(toot, found[0], found[1], text, ALICE).first_time
    [reply] = mastodon.statuses()
    assert reply["in_reply_to_id"] == post_id.removeprefix("mstdn:")
    assert reply["visibility"] == "direct"
    case = CaseStore(toot.redis).get(post_id)
    assert case is not None and f"/{reply['id']}" in str(case[0].status_note)


def test_a_reply_whose_answer_was_lost_is_one_status(
    toot: Services, mastodon: MastodonFake
) -> None:
    """The status is made, then the connection drops: the retry carries the same
    Idempotency-Key and Mastodon answers with the status it already made."""
    post_id = carded(toot, mastodon, "hello?")
    found = CaseStore(toot.redis).get(post_id)
    assert found is not None
    mastodon.inject(Fault("/api/v1/statuses", Response(200, {}), after=True, drop=True))
    assert send_reply(toot, found[0], found[1], "@dana@remote.example hi!", ALICE).sent
    assert len(mastodon.statuses()) == 1


def test_the_instances_own_limit_is_the_one_a_draft_is_held_to(
    toot: Services, mastodon: MastodonFake
) -> None:
    """A server with 100 characters: 101 refused; a long link counts 23 whatever its length."""
    mastodon.set_max_characters(100)
    assert toot.mastodon is not None
    limit = toot.mastodon.limits().max_characters
    assert limit == 100
    assert draft_problem("x" * 101, handle="dana", network="mastodon", limit=limit) is not None
    long_link = "see https://example.com/" + "a" * 200
    assert draft_problem(long_link, handle="dana", network="mastodon", limit=limit) is None


def test_a_burst_larger_than_a_page_is_read_without_a_gap(
    toot: Services, mastodon: MastodonFake
) -> None:
    """120 mentions between two rounds (pages hold 80): every one is ingested, once."""
    poller(toot).poll_once()
    customer = mastodon.add_account("burst", domain="remote.example")
    made = [mastodon.add_status(customer, f"mention {n}") for n in range(120)]
    poller(toot).poll_once()
    poller(toot).poll_once()
    assert sorted(inbox_ids(toot)) == sorted(mastodon_post_id(str(s["id"])) for s in made)
    assert toot.redis.get(keys.checkpoint(SOURCE))


def test_favourite_and_boost_from_the_card_and_their_undo(
    toot: Services, mastodon: MastodonFake, slack_fake: SlackFake, bolt_toot: BoltDriver
) -> None:
    post_id = carded(toot, mastodon, "love the new release")
    [card] = cards(slack_fake)
    ts = str(card["ts"])
    bolt_toot.block_action("like", post_id, message_ts=ts)
    bolt_toot.block_action("repost", post_id, message_ts=ts)
    status_id = post_id.removeprefix("mstdn:")
    assert ids(mastodon.favourites()) == ids(mastodon.reblogs()) == [status_id]
    bolt_toot.block_action("unlike", post_id, message_ts=ts)
    bolt_toot.block_action("unrepost", post_id, message_ts=ts)
    assert ids(mastodon.favourites()) == ids(mastodon.reblogs()) == []


def test_a_wrong_token_is_named_in_health_and_in_earshot_check(
    x_fake: XFake, slack_fake: SlackFake, mastodon: MastodonFake, redis_client: redis.Redis
) -> None:
    settings = sandbox_settings(
        x_fake,
        slack_fake,
        mastodon_base_url=mastodon.base_url,
        mastodon_access_token="not-the-token",
    )
    services = build_services(settings, redis_client)
    with capture_logs() as logs:
        poller(services).poll_once()
    assert services.mastodon is not None
    services.mastodon.close()
    assert [e for e in logs if e["event"] == "mastodon_auth_failed"]
    problems = services.health.problems()
    assert any(
        mastodon.base_url in str(p) and "MASTODON_ACCESS_TOKEN" in str(p) for p in problems.values()
    )
    lines = find_problems(settings)
    assert [line.split(":")[0] for line in lines] == ["MASTODON_ACCESS_TOKEN"]
    assert "not-the-token" not in str(lines) + str(logs) + str(problems)


def test_a_status_deleted_before_the_reply_says_so_and_marks_the_case(
    toot: Services, mastodon: MastodonFake
) -> None:
    """Mastodon answers 404: the person is told, the case says the author deleted it."""
    post_id = carded(toot, mastodon, "never mind")
    found = CaseStore(toot.redis).get(post_id)
    assert found is not None
    mastodon.delete_status(post_id.removeprefix("mstdn:"))
    outcome = send_reply(toot, found[0], found[1], "@dana@remote.example hi!", ALICE)
    assert not outcome.sent and "gone" in outcome.message
    case = CaseStore(toot.redis).get(post_id)
    assert case is not None and case[0].status.value == "deleted"
