"""Contract tests of the Slack fake's direct messages (conversations.open) and binary uploads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bot.sandbox.slack_api import SlackFake
from tests.integration.slack_contract import TOKEN, assert_error, assert_success, call, post


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake() as server:
        yield server


def test_open_answers_like_the_method_page_and_the_dm_takes_messages(fake: SlackFake) -> None:
    """conversations.open with one user answers the documented shape (and the return_im one
    on request); a second call says already_open; chat.postMessage then works in the DM."""
    first = call(fake, "conversations.open", {"users": "U0ALICE"}).json()
    assert_success("conversations.open", first)
    dm = first["channel"]["id"]
    assert dm.startswith("D")
    again = call(fake, "conversations.open", {"users": "U0ALICE", "return_im": "true"}).json()
    assert_success("conversations.open", again, "success_with_return_im")
    assert (again["channel"]["id"], again["already_open"], again["channel"]["user"]) == (
        dm, True, "U0ALICE",
    )  # fmt: skip
    assert post(fake, dm, text="you are on call").json()["ok"] is True
    assert [m["text"] for m in fake.messages(dm)] == ["you are on call"]
    resumed = call(fake, "conversations.open", {"channel": dm}).json()
    assert resumed["channel"]["id"] == dm


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "users_list_not_supplied"),
        ({"users": "U0NOBODY"}, "user_not_found"),
        ({"channel": "C0MENTIONS"}, "channel_not_found"),
        ({"users": "U0ALICE,U0BOB"}, "method_not_supported_for_channel_type"),
    ],
)
def test_open_errors_are_documented_ones(fake: SlackFake, args: dict[str, str], code: str) -> None:
    assert_error("conversations.open", call(fake, "conversations.open", args), code)


def test_a_deactivated_user_cannot_get_a_dm(fake: SlackFake) -> None:
    fake.add_user("U0GONE", name="gone", deleted=True)
    response = call(fake, "conversations.open", {"users": "U0GONE"})
    assert_error("conversations.open", response, "user_disabled")


def test_binary_files_upload_through_the_external_upload_methods(fake: SlackFake) -> None:
    """files_upload_v2 with PNG bytes (posted as the SDK posts them) completes into a channel."""
    client = WebClient(token=TOKEN, base_url=f"{fake.base_url}/api/")
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    client.files_upload_v2(channel="C0MENTIONS", content=png, filename="chart.png")
    [upload] = fake.uploads()
    assert upload["channels"] == ["C0MENTIONS"] and upload["length"] == len(png)
