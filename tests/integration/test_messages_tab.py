"""The app's Messages tab: the Slack fake, given a manifest, refuses the bot's DMs as Slack does
when the tab is off, and the repository's manifests turn it on, so on-call DMs and pages work."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from slack_sdk.errors import SlackApiError

from bot.oncall.paging import send_dm
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import build_services
from tests.conftest import sandbox_settings
from tests.integration.slack_contract import assert_error, call, post

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
MANIFESTS = sorted(DEPLOY.glob("slack-manifest*.yaml"))


def repo_manifest(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def old_manifest() -> dict[str, Any]:
    """The manifest as it was shipped before: the Messages tab switched off."""
    manifest = copy.deepcopy(repo_manifest(DEPLOY / "slack-manifest.yaml"))
    manifest["features"]["app_home"] = {"home_tab_enabled": True, "messages_tab_enabled": False}
    return manifest


@pytest.fixture
def tab_off() -> Iterator[SlackFake]:
    with SlackFake(manifest=old_manifest()) as fake:
        yield fake


def test_with_the_tab_off_the_fake_refuses_dms_with_messages_tab_disabled(
    tab_off: SlackFake,
) -> None:
    """conversations.open still answers (Slack opens the DM), but chat.postMessage into it, or
    to the user id, and chat.postEphemeral there fail with the documented messages_tab_disabled;
    channels are not affected."""
    opened = call(tab_off, "conversations.open", {"users": "U0ALICE"}).json()
    dm = opened["channel"]["id"]
    assert_error(
        "chat.postMessage", post(tab_off, dm, text="you are on call"), "messages_tab_disabled"
    )
    assert_error("chat.postMessage", post(tab_off, "U0ALICE", text="hi"), "messages_tab_disabled")
    ephemeral = call(tab_off, "chat.postEphemeral", {"channel": dm, "user": "U0ALICE", "text": "x"})
    assert_error("chat.postEphemeral", ephemeral, "messages_tab_disabled")
    assert post(tab_off, "C0MENTIONS").json()["ok"] is True
    assert tab_off.messages(dm) == []


def test_earshot_dms_fail_against_the_old_manifest(
    tab_off: SlackFake, x_fake: XFake, redis_client: redis.Redis
) -> None:
    """Earshot's own DM path (conversations.open, then chat.postMessage, as SLA steps, pages and
    source alerts use it) is refused by an app whose Messages tab is off."""
    services = build_services(sandbox_settings(x_fake, tab_off), redis_client)
    with pytest.raises(SlackApiError) as refused:
        send_dm(services, "U0ALICE", "You are on call for support.")
    assert refused.value.response["error"] == "messages_tab_disabled"


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_with_the_repositorys_manifests_earshot_dms_arrive(
    path: Path, x_fake: XFake, redis_client: redis.Redis
) -> None:
    """Each shipped manifest (HTTP and Socket Mode) turns the Messages tab on, so the same DM
    reaches the person, both through conversations.open and to the user id."""
    with SlackFake(manifest=repo_manifest(path)) as fake:
        services = build_services(sandbox_settings(x_fake, fake), redis_client)
        send_dm(services, "U0ALICE", "You are on call for support.")
        assert post(fake, "U0ALICE", text="second").json()["ok"] is True
        assert [m["text"] for m in fake.messages("D0ALICE")] == [
            "You are on call for support.",
            "second",
        ]


def test_a_manifest_that_does_not_mention_the_tab_is_taken_as_off() -> None:
    """A manifest that does not turn the tab on is taken as off: the fake assumes no default, so
    a manifest only passes the DM tests when it says so."""
    manifest = old_manifest()
    del manifest["features"]["app_home"]["messages_tab_enabled"]
    with SlackFake(manifest=manifest) as fake:
        opened = call(fake, "conversations.open", {"users": "U0BOB"}).json()
        assert_error(
            "chat.postMessage", post(fake, opened["channel"]["id"]), "messages_tab_disabled"
        )
