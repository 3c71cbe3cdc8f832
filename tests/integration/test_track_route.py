"""/track route and /track spike through signed slash commands to the real Bolt app, and
language routing through the worker's own router (the X and Slack fakes, real Redis)."""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.spike import Sensitivity
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store.spikes import spike_sensitivity
from bot.store.track_usage import TrackUsage
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.pipeline_helpers import drain, make_poller
from tests.integration.test_track_poll import add_rule, cards, meta_text, routed_deliverer
from tests.integration.track_helpers import make_track_poller, run_track

SUPPORT_JP, OUTAGES = "C0SUPPORTJP", "C0OUTAGES"
JAPANESE = "@earshot_co アプリが起動しません。昨日のアップデートからずっとです。助けてください"
ENGLISH = "@earshot_co my order arrived two days early, thank you so much!"


def cards_by_post(slack: SlackFake) -> dict[str, dict[str, Any]]:
    return {str(c["metadata"]["event_payload"]["post_id"]): c for c in cards(slack)}  # type: ignore[index]


def test_a_language_route_sends_those_mentions_to_its_channel(
    bolt: BoltDriver, slack_fake: SlackFake, x_fake: XFake, services: Services
) -> None:
    """After `/track route lang:ja #support-jp`, a Japanese mention's card lands there and
    says Japanese; an English one stays in the mentions channel; a rule with a channel of its
    own still wins for a Japanese post it matches."""
    slack_fake.set_channel(SUPPORT_JP, name="support-jp")
    slack_fake.set_channel(OUTAGES, name="outages")
    answer = run_track(bolt, slack_fake, f"route lang:ja <#{SUPPORT_JP}|support-jp>")
    assert any("routed Japanese (`ja`) mentions to" in line for line in answer.public)
    assert TrackUsage(services.redis).language_routes() == {"ja": SUPPORT_JP}
    make_poller(services).poll_once()
    jp = x_fake.add_post(JAPANESE, author=("3001", "kenji", "Kenji"))
    en = x_fake.add_post(ENGLISH, author=("3002", "dana", "Dana"))
    make_poller(services).poll_once()
    drain(routed_deliverer(services))
    placed = cards_by_post(slack_fake)
    assert placed[jp["id"]]["channel"] == SUPPORT_JP
    assert "Japanese" in meta_text(placed[jp["id"]])
    assert placed[en["id"]]["channel"] == CHANNEL
    assert "English · Praise" in meta_text(placed[en["id"]])
    stored = services.cases.get(jp["id"])
    assert stored is not None and stored[1].triage is not None and stored[1].triage.lang == "ja"

    add_rule(services, "acmeapp", OUTAGES)
    again = x_fake.add_post(
        "acmeapp がまた落ちました。今すぐ直してください", author=("3003", "yui", "Yui")
    )
    make_track_poller(services).poll_round()
    drain(routed_deliverer(services))
    placed = cards_by_post(slack_fake)
    assert placed[again["id"]]["channel"] == OUTAGES
    assert "Japanese" in meta_text(placed[again["id"]])


def test_routes_are_listed_and_removed(
    bolt: BoltDriver, slack_fake: SlackFake, services: Services
) -> None:
    """`/track route` lists the routes to the person; `… off` removes one and says where its
    mentions went; removing a route that does not exist is refused."""
    slack_fake.set_channel(SUPPORT_JP, name="support-jp")
    assert "No language routes" in run_track(bolt, slack_fake, "route").text
    run_track(bolt, slack_fake, f"route lang:ja <#{SUPPORT_JP}|support-jp>")
    listed = run_track(bolt, slack_fake, "route")
    assert f"Japanese (`ja`) → <#{SUPPORT_JP}>" in listed.text and listed.public == []
    removed = run_track(bolt, slack_fake, "route lang:ja off")
    assert any("removed the route of Japanese" in line for line in removed.public)
    assert TrackUsage(services.redis).language_routes() == {}
    missing = run_track(bolt, slack_fake, "route lang:ja off")
    assert "There is no route for ja" in missing.text and missing.public == []


def test_a_wrong_route_is_refused_and_keeps_the_route_there_was(
    bolt: BoltDriver, slack_fake: SlackFake, services: Services
) -> None:
    """An unknown language, a channel Earshot cannot see or a bare #word: the person is told
    what to write, with an example, and the stored route is untouched."""
    slack_fake.set_channel(SUPPORT_JP, name="support-jp")
    run_track(bolt, slack_fake, f"route lang:ja <#{SUPPORT_JP}|support-jp>")
    slack_fake.set_channel("C0SECRET", name="secret", is_private=True, is_member=False)
    for text, says in [
        ("route lang:xx <#C0SUPPORTJP|support-jp>", "does not recognise `xx`"),
        ("route lang:ja <#C0SECRET|secret>", "invite Earshot"),
        ("route lang:ja #support-jp", "is not a channel"),
    ]:
        answer = run_track(bolt, slack_fake, text)
        assert says in answer.text and "/track route lang:ja #support-jp" in answer.text
        assert answer.public == []
    assert TrackUsage(services.redis).language_routes() == {"ja": SUPPORT_JP}


def test_spike_sensitivity_is_set_per_rule_and_for_mentions(
    bolt: BoltDriver, slack_fake: SlackFake, services: Services
) -> None:
    """`/track spike t1 sensitivity high` and `… mentions … off` are stored for the spike
    watch and said in the channel; an unknown rule or level changes nothing."""
    rule = add_rule(services, "acmeapp")
    answer = run_track(bolt, slack_fake, f"spike {rule.id} sensitivity high")
    assert any("spike sensitivity to *high*" in line for line in answer.public)
    assert spike_sensitivity(services.redis, f"track:{rule.id}") is Sensitivity.HIGH
    off = run_track(bolt, slack_fake, "spike mentions sensitivity off")
    assert any("turned spike alerts off for the mentions timeline" in x for x in off.public)
    assert spike_sensitivity(services.redis, "x:mentions") is Sensitivity.OFF
    listed = run_track(bolt, slack_fake, "list")
    assert f"*{rule.id}*" in listed.text and "spike alerts high" in listed.text
    for text, says in [
        ("spike t9 sensitivity low", "There is no rule t9"),
        (f"spike {rule.id} sensitivity loud", "is not a sensitivity"),
    ]:
        refused = run_track(bolt, slack_fake, text)
        assert says in refused.text and refused.public == []
    assert spike_sensitivity(services.redis, f"track:{rule.id}") is Sensitivity.HIGH


def test_only_the_admin_group_changes_routes_and_spikes(
    x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """With TRACK_ADMIN_GROUP set, someone outside it is refused both, and nothing changes;
    anyone may still list the routes."""
    slack_fake.set_usergroup("S0TRACKERS", ["U0ALICE"])
    slack_fake.set_channel(SUPPORT_JP, name="support-jp")
    services = build_services(
        sandbox_settings(x_fake, slack_fake, track_admin_group="S0TRACKERS"), redis_client
    )
    driver = BoltDriver(services, slack_fake)
    try:
        for text in (f"route lang:ja <#{SUPPORT_JP}|support-jp>", "spike mentions sensitivity off"):
            refused = run_track(driver, slack_fake, text, user="U0BOB")
            assert "S0TRACKERS" in refused.text and refused.public == []
        assert "No language routes" in run_track(driver, slack_fake, "route", user="U0BOB").text
    finally:
        driver.close()
    assert TrackUsage(redis_client).language_routes() == {}
    assert spike_sensitivity(redis_client, "x:mentions") is Sensitivity.NORMAL
