"""/track through signed slash-command requests to the real Bolt app, real Redis, the fakes."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import redis

from bot.config import Settings
from bot.domain.track_rule import Priority, RuleStatus
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.track_helpers import run_track

PRODUCT = "C0PRODUCT"


@pytest.fixture
def store(redis_client: redis.Redis) -> TrackStore:
    return TrackStore(redis_client)


@pytest.fixture
def admin_bolt(
    x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> Iterator[tuple[BoltDriver, Services]]:
    """The app with TRACK_ADMIN_GROUP set: only U0ALICE is in the admin group."""
    slack_fake.set_usergroup("S0TRACKERS", ["U0ALICE"])
    settings: Settings = sandbox_settings(x_fake, slack_fake, track_admin_group="S0TRACKERS")
    services = build_services(settings, redis_client)
    driver = BoltDriver(services, slack_fake)
    yield driver, services
    driver.close()


def test_help_on_empty_text(bolt: BoltDriver, slack_fake: SlackFake) -> None:
    """`/track` alone answers 200 and shows the usage with examples, only to the person."""
    answer = run_track(bolt, slack_fake, "")
    assert answer.status == 200
    assert "/track add" in answer.text and "/track budget" in answer.text
    assert answer.public == []


def test_add_stores_the_rule_and_the_channel_sees_who_added_it(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore
) -> None:
    """A valid add saves the rule (query, priority, name, creator) and says so publicly; the
    person also sees the exact query Earshot will send to X, exclusions included."""
    answer = run_track(
        bolt, slack_fake, 'add "acme app" OR acmeapp priority:high name:"App issues"'
    )
    rules = store.all()
    assert len(rules) == 1
    rule = rules[0]
    assert (rule.query, rule.priority, rule.name) == (
        '"acme app" OR acmeapp',
        Priority.HIGH,
        "App issues",
    )
    assert rule.created_by == "U0ALICE" and rule.status is RuleStatus.ACTIVE
    assert any("<@U0ALICE> added /track rule *t1*" in line for line in answer.public)
    assert '("acme app" OR acmeapp) -is:retweet -from:earshot_co' in answer.text


def test_add_to_a_public_channel_joins_it(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore
) -> None:
    """A public channel Earshot is not in: it joins it (conversations.join) and routes there."""
    slack_fake.set_channel(PRODUCT, name="product", is_member=False)
    answer = run_track(bolt, slack_fake, f"add acmeapp <#{PRODUCT}|product>")
    assert [rule.channel for rule in store.all()] == [PRODUCT]
    assert slack_fake.calls_to("/api/conversations.join")
    assert "joined" in answer.text


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ({"is_private": True, "is_member": False}, "invite Earshot"),
        ({"exists": False}, "cannot see"),
        ({"is_archived": True}, "archived"),
    ],
)
def test_a_channel_cards_cannot_reach_is_refused_with_what_to_do(
    bolt: BoltDriver,
    slack_fake: SlackFake,
    store: TrackStore,
    setup: dict[str, bool],
    expected: str,
) -> None:
    """Private without Earshot, unknown or archived: nothing stored, the person is told how."""
    slack_fake.set_channel(PRODUCT, name="product", **setup)
    answer = run_track(bolt, slack_fake, f"add acmeapp <#{PRODUCT}|product>")
    assert store.all() == []
    assert expected in answer.text and "/track add" in answer.text
    assert answer.public == []


def test_a_duplicate_rule_is_refused_and_names_the_existing_one(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore
) -> None:
    """The same query (case and spacing aside) is not tracked twice; the answer names t1."""
    run_track(bolt, slack_fake, "add acme OR acmeco")
    answer = run_track(bolt, slack_fake, "add  ACME   OR AcmeCo")
    assert len(store.all()) == 1
    assert "already tracked by *t1*" in answer.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('add "acme app', "not closed"),
        ("add (acme OR acmeco", "not closed"),
        ("add acme foo:bar", "not an X search operator"),
        ("add #", "bare"),
        ("add the", "almost everything"),
        ("add " + "acme " * 120, "too long"),
        ("frobnicate", "not a /track subcommand"),
        ("remove", "Say which one rule"),
        ("pause t99", "There is no rule t99"),
        ("resume banana", "not a rule id"),
        ("budget lots", "dollars a month"),
        ("add acme <@U0BOB|bob>", "not an X account"),
    ],
)
def test_bad_input_gets_an_ephemeral_problem_with_a_correct_example(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore, text: str, expected: str
) -> None:
    """Every kind of bad input: HTTP 200, an ephemeral message saying what was wrong and a
    `Try:` example, nothing posted in the channel and nothing stored."""
    answer = run_track(bolt, slack_fake, text)
    assert answer.status == 200
    assert expected in answer.text
    assert "Try:" in answer.text
    assert answer.public == [] and store.all() == []


def test_pause_resume_remove_change_the_rule_and_are_announced(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore
) -> None:
    """pause/resume/remove by id: the stored status follows, the channel sees each change."""
    run_track(bolt, slack_fake, "add acmeapp")
    paused = run_track(bolt, slack_fake, "pause t1")
    assert store.get("t1") is not None and store.get("t1").status is RuleStatus.PAUSED  # type: ignore[union-attr]
    assert any("paused /track rule *t1*" in line for line in paused.public)
    again = run_track(bolt, slack_fake, "pause T1")
    assert "already paused" in again.text
    run_track(bolt, slack_fake, "resume 1")
    assert store.get("t1").status is RuleStatus.ACTIVE  # type: ignore[union-attr]
    removed = run_track(bolt, slack_fake, "remove t1")
    assert store.all() == []
    assert any("/track add acmeapp" in line for line in removed.public)


def test_resume_is_refused_while_the_rule_would_break_the_budget(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore, redis_client: redis.Redis
) -> None:
    """A paused rule whose estimate does not fit under the budget stays paused; the answer says
    which budget would do."""
    run_track(bolt, slack_fake, "add acmeapp")
    run_track(bolt, slack_fake, "pause t1")
    redis_client.hset("{earshot}:track:rule:t1", "monthly_estimate", "80")
    TrackUsage(redis_client).set_budget(50)
    answer = run_track(bolt, slack_fake, "resume t1")
    assert store.get("t1").status is RuleStatus.PAUSED  # type: ignore[union-attr]
    assert "over the $50.00 budget" in answer.text and "/track budget 80" in answer.text


def test_lowering_the_budget_pauses_what_no_longer_fits_and_tells_its_channel(
    bolt: BoltDriver, slack_fake: SlackFake, store: TrackStore, redis_client: redis.Redis
) -> None:
    """`/track budget 10` with a $30/month rule: the rule is paused, the command's channel sees
    the new budget, and the rule's channel is told why and how to resume."""
    run_track(bolt, slack_fake, "add acmeapp")
    redis_client.hset("{earshot}:track:rule:t1", "monthly_estimate", "30")
    answer = run_track(bolt, slack_fake, "budget $10")
    assert TrackUsage(redis_client).budget() == 10.0
    assert store.get("t1").status is RuleStatus.PAUSED  # type: ignore[union-attr]
    said = "\n".join(m["text"] for m in slack_fake.messages(CHANNEL))
    assert "set the /track budget to $10.00" in said
    assert "/track resume t1" in said and "raise the budget" in said
    assert answer.status == 200


def test_only_the_admin_group_changes_rules_but_anyone_lists_and_tests(
    admin_bolt: tuple[BoltDriver, Services], slack_fake: SlackFake, x_fake: XFake
) -> None:
    """With TRACK_ADMIN_GROUP set, Bob (not a member) cannot add or pause; Alice can; Bob can
    still list and test."""
    driver, services = admin_bolt
    store = TrackStore(services.redis)
    refused = run_track(driver, slack_fake, "add acmeapp", user="U0BOB")
    assert store.all() == [] and "Only members of <!subteam^S0TRACKERS>" in refused.text
    run_track(driver, slack_fake, "add acmeapp", user="U0ALICE")
    assert len(store.all()) == 1
    refused = run_track(driver, slack_fake, "pause t1", user="U0BOB")
    assert store.get("t1").status is RuleStatus.ACTIVE  # type: ignore[union-attr]
    listed = run_track(driver, slack_fake, "list", user="U0BOB")
    assert "*t1*" in listed.text and "acmeapp" in listed.text
    x_fake.add_post("acmeapp is great", author=("3001", "carol", "Carol"))
    tested = run_track(driver, slack_fake, "test acmeapp", user="U0BOB")
    assert "1 posts in the last 24 h" in tested.text


def test_test_counts_matches_and_shows_samples_without_saving(
    bolt: BoltDriver, slack_fake: SlackFake, x_fake: XFake, store: TrackStore
) -> None:
    """`/track test` runs one recent search (exclusions included): it counts only matching
    posts, shows up to three samples with links, estimates the cost, and stores nothing."""
    for n in range(4):
        x_fake.add_post(f"acmeapp crashed again {n}", author=("3001", "carol", "Carol"))
    x_fake.add_post("unrelated post", author=("3002", "dan", "Dan"))
    x_fake.add_post("acmeapp news from us", author=("1000", "earshot_co", "Earshot Co"))
    answer = run_track(bolt, slack_fake, "test acmeapp")
    assert "4 posts in the last 24 h" in answer.text
    assert answer.text.count("https://x.com/carol/status/") == 3
    assert "unrelated" not in answer.text and "news from us" not in answer.text
    assert store.all() == []


def test_vip_settings_are_stored_and_announced(
    bolt: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """`/track vip followers` and `vip add` change who counts as a VIP author, publicly."""
    run_track(bolt, slack_fake, "vip followers 5000")
    answer = run_track(bolt, slack_fake, "vip add @BigCustomer @press")
    vip = TrackUsage(redis_client).vip()
    assert vip.followers == 5000 and vip.handles == frozenset({"bigcustomer", "press"})
    assert any("5,000+ followers" in line for line in answer.public)


def test_slack_gets_its_ack_before_the_work_is_done(
    bolt: BoltDriver, slack_fake: SlackFake, x_fake: XFake
) -> None:
    """`/track test` while X takes 2 s to answer: the HTTP 200 comes back at once (Slack gives
    up after 3 s), the answer follows when X does."""
    x_fake.inject(Fault("/2/tweets/search/recent", Response(0), delay_seconds=2.0))
    started = time.monotonic()
    response = bolt.command("/track", "test acmeapp")  # returns once the listener finished
    assert response.status_code == 200 and response.elapsed.total_seconds() < 1.0
    assert slack_fake.ephemerals(), "the test result"
    assert time.monotonic() - started >= 2.0


def test_text_that_says_payload_still_gets_an_answer(
    bolt: BoltDriver, slack_fake: SlackFake
) -> None:
    """`/track add payload` is ordinary text: it gets a 200 and an answer like any other (Bolt
    alone would drop it; bot.slack_payload.SlackRequestGate works around that)."""
    assert bolt.command("/track", "add payload").status_code == 200
    assert run_track(bolt, slack_fake, "list payload").text
