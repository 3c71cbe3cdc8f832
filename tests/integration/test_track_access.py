"""Guests and Slack Connect users may read /track but never change rules, the budget or VIPs,
with or without TRACK_ADMIN_GROUP: signed requests to the real Bolt app, real Redis, the fakes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.blocks.home import ACTION_PAUSE
from bot.domain.track_rule import RuleStatus
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import build_services
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.track_helpers import block_text, home_of, run_track
from tests.integration.waiting import wait_for

ADMINS = "S0TRACKERS"
HOME_VIEW = {"id": "V0HOME", "type": "home"}
# Who is refused, and the words that say why: a guest, a single-channel guest, a user of
# another organisation, and one Slack only shows as a stranger.
OUTSIDERS = [
    ("U0GUEST", "Guests cannot"),
    ("U0SCGUEST", "Guests cannot"),
    ("U0EXT", "other organisations"),
    ("U0STRANGER", "other organisations"),
]
CHANGES = [
    "add acmeapp",
    "remove t1",
    "pause t1",
    "budget 5",
    "vip followers 10",
    "vip add @carol",
]


@pytest.fixture(params=[False, True], ids=["no-admin-group", "admin-group"])
def driver(
    request: pytest.FixtureRequest,
    x_fake: XFake,
    slack_fake: SlackFake,
    redis_client: redis.Redis,
) -> Iterator[BoltDriver]:
    """The app without TRACK_ADMIN_GROUP, and with one that (wrongly) lists every outsider:
    membership of the group must not let a guest or an outsider in."""
    slack_fake.add_user(
        "U0SCGUEST", name="scguest", real_name="Single Channel", is_ultra_restricted=True
    )
    slack_fake.add_user("U0STRANGER", name="stranger", real_name="Some Stranger", is_stranger=True)
    everyone = ["U0ALICE", *(user for user, _ in OUTSIDERS)]
    slack_fake.set_channel(CHANNEL, members=["U0BOT", *everyone])
    overrides: dict[str, object] = {}
    if request.param:
        slack_fake.set_usergroup(ADMINS, everyone)
        overrides["track_admin_group"] = ADMINS
    services = build_services(sandbox_settings(x_fake, slack_fake, **overrides), redis_client)
    bolt = BoltDriver(services, slack_fake)
    yield bolt
    bolt.close()


def stored_state(redis_client: redis.Redis) -> tuple[object, ...]:
    usage = TrackUsage(redis_client)
    return (TrackStore(redis_client).all(), usage.budget(), usage.vip())


@pytest.mark.parametrize(("user", "why"), OUTSIDERS)
def test_outsiders_cannot_change_rules_budget_or_vips(
    driver: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis, user: str, why: str
) -> None:
    """Every changing /track command from a guest or a Slack Connect user is refused with an
    ephemeral message that says why and what still works; the rules, budget and VIP settings
    stay exactly as they were, and nothing is announced in the channel. Reading still works,
    and a full member can still make the change."""
    run_track(driver, slack_fake, "add acmepay")
    before = stored_state(redis_client)
    for text in CHANGES:
        answer = run_track(driver, slack_fake, text, user=user)
        assert why in answer.text, text
        assert "`/track list`, `/track test` and `/track stats` still work" in answer.text
        assert answer.public == [], text
        assert stored_state(redis_client) == before, text
    assert "acmepay" in run_track(driver, slack_fake, "list", user=user).text
    run_track(driver, slack_fake, "pause t1")
    assert TrackStore(redis_client).get("t1").status is RuleStatus.PAUSED  # type: ignore[union-attr]


@pytest.mark.parametrize(("user", "why"), OUTSIDERS[::2])
def test_outsiders_cannot_pause_from_the_home_tab(
    driver: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis, user: str, why: str
) -> None:
    """The Home tab's Pause button from a guest or a Slack Connect user leaves the rule active,
    and their tab says why."""
    run_track(driver, slack_fake, "add acmeapp")
    driver.block_action(ACTION_PAUSE, "t1", user=user, view=HOME_VIEW)

    def notice() -> str:
        view = home_of(slack_fake)
        return block_text({"blocks": view["blocks"]}) if view is not None else ""

    wait_for(lambda: why in notice(), what="the refusal on the Home tab")
    assert TrackStore(redis_client).get("t1").status is RuleStatus.ACTIVE  # type: ignore[union-attr]
    assert not any("paused" in m["text"] for m in slack_fake.messages(CHANNEL))
