"""The /track poller against the X fake's recent search, real Redis and the Slack fake: one card
per post however many sources match it, per-rule checkpoints, errors, rate limits, the budget."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from bot.domain.track_rule import MARK_HIGH_PRIORITY, Priority, RuleStatus, TrackRule
from bot.pipeline.deliver import Deliverer
from bot.pipeline.priority_order import PriorityOrder
from bot.pipeline.track_poll import build_track_poller
from bot.pipeline.track_route import TrackRouter
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.sla import sla_record_hook, stop_case_clock
from bot.store.track_schedule import TrackSchedule
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore
from tests.conftest import CHANNEL
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.track_helpers import make_track_poller, run_track
from tests.integration.waiting import wait_for

PRODUCT, URGENT = "C0PRODUCT", "C0URGENT"
CAROL = ("3001", "carol", "Carol")


@pytest.fixture(autouse=True)
def channels(slack_fake: SlackFake) -> None:
    slack_fake.set_channel(PRODUCT, name="product")
    slack_fake.set_channel(URGENT, name="urgent")
    slack_fake.set_rate(0, 0)


def add_rule(
    services: Services, query: str, channel: str | None = None, **fields: object
) -> TrackRule:
    rule = TrackRule(
        id="",
        query=query,
        created_by="U0ALICE",
        created_at=time.time() - 1,
        channel=channel,
        **fields,  # type: ignore[arg-type]
    )
    stored = TrackStore(services.redis).add(rule, query)
    assert isinstance(stored, TrackRule)
    return stored


def routed_deliverer(services: Services, *, prioritised: bool = False) -> Deliverer:
    """The deliverer as the worker wires it: placed by the /track router, SLA clocks started;
    `prioritised`: each read ordered urgent first, by the same router."""
    deliverer = make_deliverer(services)
    router = TrackRouter(services.redis, services.settings.slack_mentions_channel or "")
    return Deliverer(
        deliverer.client,
        deliverer.slack,
        deliverer.config,
        deliverer.pacer,
        on_recorded=[sla_record_hook(services.redis)],
        place=router.place,
        order=PriorityOrder(services.redis, router.rank) if prioritised else None,
    )


def cards(slack: SlackFake) -> list[dict[str, object]]:
    return [m for m in slack.messages() if m.get("metadata") and not m.get("thread_ts")]


def meta_text(card: dict[str, object]) -> str:
    blocks = card["blocks"]
    assert isinstance(blocks, list)
    meta = next(b for b in blocks if b.get("block_id") == "card_meta")
    return str(meta["elements"][0]["text"])


def test_a_post_matched_by_mentions_and_two_rules_is_one_card_in_the_top_rules_channel(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Mentions timeline + a normal rule (#product) + a high-priority rule (#urgent) all match
    one post: exactly one card, in #urgent, listing all three and marked high priority."""
    make_poller(services).poll_once()  # mentions start at "now"
    normal = add_rule(services, "acmeapp", PRODUCT, name="App")
    high = add_rule(services, "broken", URGENT, priority=Priority.HIGH)
    post = x_fake.add_post("@earshot_co acmeapp is broken again", author=CAROL)
    make_poller(services).poll_once()
    make_track_poller(services).poll_round()
    drain(routed_deliverer(services))
    found = cards(slack_fake)
    assert len(found) == 1
    card = found[0]
    assert card["channel"] == URGENT
    assert meta_text(card).endswith(f"Rules: mentions, App ({normal.id}), broken ({high.id})")
    stored = services.cases.get(post["id"])
    assert stored is not None and stored[1].marks == (MARK_HIGH_PRIORITY,)
    assert stored[1].rules == ("mentions", normal.id, high.id)  # stable ids, e.g. for SLA rules
    assert "High priority" in str(card["blocks"])


def test_a_rule_matching_a_post_already_carded_updates_that_card_in_place(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """The card is already out when a rule matches the post: no second card, the first one is
    re-rendered (chat.update) to list the rule too, and re-polls change nothing more."""
    make_poller(services).poll_once()
    post = x_fake.add_post("@earshot_co acmeapp question", author=CAROL)
    make_poller(services).poll_once()
    deliverer = routed_deliverer(services)
    drain(deliverer)
    assert [c["channel"] for c in cards(slack_fake)] == [CHANNEL]
    rule = add_rule(services, "acmeapp", PRODUCT)
    TrackStore(services.redis).client.zadd("{earshot}:track:due", {rule.id: 0})
    poller = make_track_poller(services)
    poller.poll_round()
    drain(deliverer)
    found = cards(slack_fake)
    assert len(found) == 1 and found[0]["channel"] == CHANNEL
    assert meta_text(found[0]).endswith(f"Rules: mentions, acmeapp ({rule.id})")
    updates = len(slack_fake.calls_to("/api/chat.update"))
    services.redis.zadd("{earshot}:track:due", {rule.id: 0})
    services.redis.delete(f"{{earshot}}:checkpoint:track:{rule.id}")  # read it all again
    poller.poll_round()
    drain(deliverer)
    assert len(cards(slack_fake)) == 1
    assert len(slack_fake.calls_to("/api/chat.update")) == updates
    assert services.cases.get(post["id"]) is not None


def test_each_rule_keeps_its_own_checkpoint_and_starts_when_it_was_added(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Posts from before the rule existed are not fetched; later ones arrive once each; the
    rule's since_id moves to the newest post it saw."""
    x_fake.add_post("acmeapp old news", author=CAROL, created_at="2026-01-01T00:00:00+00:00")
    rule = add_rule(services, "acmeapp")
    first = x_fake.add_post("acmeapp is down", author=CAROL)
    poller = make_track_poller(services)
    poller.poll_round()
    second = x_fake.add_post("acmeapp is back", author=CAROL)
    redis_client.zadd("{earshot}:track:due", {rule.id: 0})
    poller.poll_round()
    drain(routed_deliverer(services))
    delivered = sorted(str(c["metadata"]["event_payload"]["post_id"]) for c in cards(slack_fake))  # type: ignore[index]
    assert delivered == sorted([first["id"], second["id"]])
    assert redis_client.get(f"{{earshot}}:checkpoint:track:{rule.id}") == second["id"]
    calls = x_fake.calls_to("/2/tweets/search/recent")
    assert "since_id" in calls[-1]["query"] and "start_time" in calls[0]["query"]


def test_a_query_x_refuses_marks_the_rule_erroring_and_others_still_run(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """X answers 400 for one rule's query: that rule is erroring with X's words as its last
    error; the other rule still delivers."""
    bad = add_rule(services, "acmeapp has:links")  # the sandbox refuses has: with a 400
    good = add_rule(services, "acmecloud")
    post = x_fake.add_post("acmecloud works", author=CAROL)
    make_track_poller(services).poll_round()
    drain(routed_deliverer(services))
    store = TrackStore(services.redis)
    failing = store.get(bad.id)
    assert failing is not None and failing.status is RuleStatus.ERRORING
    assert failing.last_error and "has:links" in failing.last_error
    working = store.get(good.id)
    assert working is not None and working.status is RuleStatus.ACTIVE
    assert working.last_poll_at is not None
    assert services.cases.get(post["id"]) is not None


def test_a_429_holds_every_rule_until_x_resets(services: Services, x_fake: XFake) -> None:
    """Recent search answers 429: no rule is searched again before x-rate-limit-reset."""
    for query in ("acmeapp", "acmecloud", "acmepay"):
        add_rule(services, query)
    reset = int(time.time()) + 30
    headers = {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": str(reset),
    }
    x_fake.inject(Fault("/2/tweets/search/recent", Response(429, XFake.problem(429), headers)))
    poller = make_track_poller(services)
    poller.poll_round()
    searched = len(x_fake.calls_to("/2/tweets/search/recent"))
    assert searched == 1
    wait = poller.poll_round()
    assert len(x_fake.calls_to("/2/tweets/search/recent")) == searched
    assert 0 < wait <= 2.0
    assert TrackSchedule(services.redis).held_until() == pytest.approx(reset + 1, abs=1)


def test_a_paused_rule_is_not_polled_and_resuming_starts_from_now(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """While paused nothing is searched; posts made while paused are not fetched on resume."""
    rule = add_rule(services, "acmeapp")
    store = TrackStore(services.redis)
    store.pause(rule.id, "test")
    x_fake.add_post("acmeapp while paused", author=CAROL)
    make_track_poller(services).poll_round()
    assert x_fake.calls_to("/2/tweets/search/recent") == []
    time.sleep(1.1)  # X's start_time has one-second resolution
    store.resume(rule.id, time.time())
    later = x_fake.add_post("acmeapp after resume", author=CAROL)
    make_track_poller(services).poll_round()
    drain(routed_deliverer(services))
    assert [str(c["metadata"]["event_payload"]["post_id"]) for c in cards(slack_fake)] == [  # type: ignore[index]
        later["id"]
    ]


def test_a_rule_whose_volume_breaks_the_budget_is_paused_and_its_channel_told(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Budget $10/month; a rule matching 40 posts in its first minutes is estimated far above
    it: it is paused, and its channel is told why and how to resume. A quiet rule keeps going."""
    TrackUsage(services.redis).set_budget(10)
    quiet = add_rule(services, "acmepay")
    noisy = add_rule(services, "acmeapp", PRODUCT)
    for n in range(40):
        x_fake.add_post(f"acmeapp {n}", author=CAROL)
    make_track_poller(services).poll_round()
    store = TrackStore(services.redis)
    paused = store.get(noisy.id)
    assert paused is not None and paused.status is RuleStatus.PAUSED
    assert paused.monthly_estimate > 10
    assert store.get(quiet.id).status is RuleStatus.ACTIVE  # type: ignore[union-attr]
    notices = [m["text"] for m in slack_fake.messages(PRODUCT) if not m.get("metadata")]
    assert any(f"/track resume {noisy.id}" in text and "$10.00" in text for text in notices)


def test_stats_count_matches_and_the_share_answered(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """`/track stats` after a rule caught two posts, one of which was replied to: counts for
    24 h and 7 d, 1 of 2 answered, an average first response."""
    rule = add_rule(services, "acmeapp", PRODUCT)
    posts = [x_fake.add_post(f"acmeapp help {n}", author=CAROL) for n in range(2)]
    make_track_poller(services).poll_round()
    drain(routed_deliverer(services))
    stop_case_clock(services.redis, posts[0]["id"], "replied", by="U0ALICE")  # as a send does
    answer = run_track(bolt, slack_fake, "stats")
    assert f"*{rule.id}*" in answer.text
    assert "24 h: 2 · 7 d: 2 · answered: 1 of 2 cards (50%)" in answer.text
    assert "avg first response" in answer.text


def test_the_worker_loop_polls_in_parallel_and_survives_a_restart(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """TrackPoller.run as the worker runs it (searches in parallel): rules are polled and
    their posts carded; run again after a stop (as the worker restarts a crashed loop), it
    still works. (X's search window is set large: with the real 450 per 15 minutes, six rules
    are rightly spread to one poll each ~15 s.)"""
    x_fake.set_rate_limit("/2/tweets/search/recent", 100_000)
    rules = [add_rule(services, f"acmeword{n}") for n in range(6)]
    poller = build_track_poller(services)
    deliverer = routed_deliverer(services)
    for attempt in range(2):
        posts = [x_fake.add_post(f"{r.query} news {attempt}", author=CAROL) for r in rules]
        seen = [f"{{earshot}}:seen:{post['id']}" for post in posts]
        stop = threading.Event()
        loop = threading.Thread(target=poller.run, args=(stop,), daemon=True)
        loop.start()
        try:
            wait_for(
                lambda: services.redis.exists(*seen) == len(seen),  # noqa: B023
                timeout=10,
                what="every rule's post to be ingested",
            )
        finally:
            stop.set()
            loop.join(timeout=10)
        assert not loop.is_alive()
    drain(deliverer)
    assert len(cards(slack_fake)) == 12
