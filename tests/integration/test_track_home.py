"""The App Home tab lists every /track rule; its Pause/Resume buttons go through the same checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.blocks.home import ACTION_PAUSE, ACTION_RESUME
from bot.domain.track_rule import RuleStatus
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import build_services
from bot.store.tracks import TrackStore
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.track_helpers import block_text, home_of, open_home, run_track
from tests.integration.waiting import wait_for

HOME_VIEW = {"id": "V0HOME", "type": "home"}


def home_text(slack: SlackFake) -> str:
    view = home_of(slack)
    return block_text({"blocks": view["blocks"]}) if view is not None else ""


def test_opening_home_shows_every_rule_with_status_channel_and_a_button(
    bolt: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """app_home_opened publishes the tab: each rule's id, status, query, channel, last poll,
    volume, the erroring rule's last error, and Pause or Resume as fits."""
    run_track(bolt, slack_fake, "add acmeapp")
    run_track(bolt, slack_fake, 'add "acme cloud"')
    run_track(bolt, slack_fake, "pause t2")
    redis_client.hset(
        "{earshot}:track:rule:t1", mapping={"status": "erroring", "last_error": "X said: boom"}
    )
    assert open_home(bolt).status_code == 200
    wait_for(lambda: home_of(slack_fake), what="the Home tab")
    text = home_text(slack_fake)
    assert "*t1* :warning: Erroring" in text and "X said: boom" in text
    assert "*t2* :double_vertical_bar: Paused" in text and "Paused by <@U0ALICE>" in text
    assert f"<#{CHANNEL}> (default)" in text and "last successful poll never" in text
    buttons = [b["accessory"] for b in home_of(slack_fake)["blocks"] if "accessory" in b]  # type: ignore[index]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ACTION_PAUSE, "t1"),
        (ACTION_RESUME, "t2"),
    ]


def test_pause_button_pauses_announces_and_refreshes_the_tab(
    bolt: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Pause on the Home tab: the rule is paused, its channel sees who did it, the tab shows
    it paused with a Resume button."""
    run_track(bolt, slack_fake, "add acmeapp")
    views = len(slack_fake.views())
    assert bolt.block_action(ACTION_PAUSE, "t1", view=HOME_VIEW).status_code == 200
    wait_for(lambda: len(slack_fake.views()) > views or home_of(slack_fake), what="the tab")
    wait_for(
        lambda: "Paused" in home_text(slack_fake) and "Resume" in str(home_of(slack_fake)),
        what="the refreshed tab",
    )
    assert TrackStore(redis_client).get("t1").status is RuleStatus.PAUSED  # type: ignore[union-attr]
    assert any("paused /track rule *t1*" in m["text"] for m in slack_fake.messages(CHANNEL))


@pytest.fixture
def guarded(
    x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> Iterator[BoltDriver]:
    slack_fake.set_usergroup("S0TRACKERS", ["U0ALICE"])
    services = build_services(
        sandbox_settings(x_fake, slack_fake, track_admin_group="S0TRACKERS"), redis_client
    )
    driver = BoltDriver(services, slack_fake)
    yield driver
    driver.close()


def test_a_button_from_someone_without_the_right_changes_nothing_and_says_why(
    guarded: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Bob is not in TRACK_ADMIN_GROUP: his Pause leaves the rule active and his tab says why."""
    run_track(guarded, slack_fake, "add acmeapp", user="U0ALICE")
    guarded.block_action(ACTION_PAUSE, "t1", user="U0BOB", view=HOME_VIEW)
    wait_for(lambda: "Only members of" in home_text(slack_fake), what="the notice on the tab")
    assert TrackStore(redis_client).get("t1").status is RuleStatus.ACTIVE  # type: ignore[union-attr]
