"""Contract tests of the Slack fake: real HTTP, every body checked against Slack's method pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from slack_sdk import WebClient

from bot.sandbox.slack_api import SlackFake
from tests.integration.slack_contract import (
    CARD_METADATA,
    ESCALATE,
    MENTIONS,
    TOKEN,
    TS,
    assert_error,
    assert_success,
    call,
    modal,
    post,
    section,
)


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake() as server:
        yield server


@pytest.fixture
def client(fake: SlackFake) -> WebClient:
    return WebClient(token=TOKEN, base_url=f"{fake.base_url}/api/")


# -- auth -----------------------------------------------------------------------------------


def test_auth_test_answers_like_the_bot_token_example(client: WebClient) -> None:
    """auth.test with the bot token has every key of Slack's bot-token example."""
    body = client.auth_test().data
    assert isinstance(body, dict)
    assert_success("auth.test", body, "success_with_bot_token")


@pytest.mark.parametrize("method", ["auth.test", "chat.postMessage", "conversations.history"])
def test_missing_or_wrong_token_fails_like_slack(fake: SlackFake, method: str) -> None:
    """No token is not_authed, a wrong one invalid_auth; a token form field also works."""
    args = {"channel": MENTIONS, "text": "hi"}
    assert_error(method, call(fake, method, args, token=None), "not_authed")
    assert_error(method, call(fake, method, args, token="xoxb-wrong"), "invalid_auth")
    assert call(fake, method, args | {"token": TOKEN}, token=None).json()["ok"] is True


def test_token_inside_a_json_body_is_not_accepted(fake: SlackFake) -> None:
    """Slack reads the token of a JSON post only from the Authorization header."""
    url = f"{fake.base_url}/api/auth.test"
    assert_error("auth.test", requests.post(url, json={"token": TOKEN}, timeout=5), "not_authed")


def test_get_with_query_string_arguments_works(fake: SlackFake) -> None:
    """GET /api/<method>?args with the token in the query string answers like a POST."""
    url = f"{fake.base_url}/api/users.info"
    body = requests.get(url, params={"token": TOKEN, "user": "U0ALICE"}, timeout=5).json()
    assert body["ok"] is True and body["user"]["id"] == "U0ALICE"


def test_unknown_method_is_a_documented_common_error(fake: SlackFake) -> None:
    """A method Slack does not have answers unknown_method (HTTP 200)."""
    assert_error("auth.test", call(fake, "chat.postMessagez", {}), "unknown_method")


# -- chat.postMessage -----------------------------------------------------------------------


def test_post_message_answers_the_documented_shape_and_is_recorded(
    fake: SlackFake, client: WebClient
) -> None:
    """A JSON post through WebClient returns channel, ts and the message with its blocks and
    metadata; the fake records it. (The page's example message is a legacy bot_message with a
    username override and attachments, which a bot-token app does not get back.)"""
    blocks = [section("*@alice* my order is late")]
    body = client.chat_postMessage(
        channel=MENTIONS, text="New mention", blocks=blocks, metadata=CARD_METADATA
    ).data
    assert isinstance(body, dict)
    legacy = ("/message/username", "/message/attachments", "/message/subtype")
    assert_success("chat.postMessage", body, skip=legacy)
    assert TS.match(body["ts"]) and body["message"]["ts"] == body["ts"]
    assert (body["message"]["blocks"], body["message"]["metadata"]) == (blocks, CARD_METADATA)
    [stored] = fake.messages(MENTIONS)
    assert stored["channel"] == MENTIONS and stored["ts"] == body["ts"]
    assert (stored["text"], stored["blocks"], stored["metadata"]) == (
        "New mention",
        blocks,
        CARD_METADATA,
    )
    assert stored["thread_ts"] is None


def test_form_encoded_blocks_and_metadata_are_json_strings(fake: SlackFake) -> None:
    """Form posts carry blocks and metadata as JSON text, as Slack's pages describe."""
    body = post(fake, blocks=[section("hi")], metadata=CARD_METADATA).json()
    assert body["ok"] is True and body["message"]["metadata"] == CARD_METADATA
    assert fake.messages()[0]["blocks"] == [section("hi")]


def test_ts_values_are_unique_increasing_and_slack_shaped(fake: SlackFake) -> None:
    """Every ts looks like "1700000000.000100" and later posts sort after earlier ones."""
    fake.set_rate(0, 0)
    stamps = [post(fake, channel).json()["ts"] for channel in [MENTIONS, ESCALATE] * 15]
    assert all(TS.match(ts) for ts in stamps)
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == len(stamps)


def test_thread_replies_keep_their_thread_ts(fake: SlackFake) -> None:
    """A reply carries thread_ts in the answer and in the record; the parent shows the count."""
    parent = post(fake).json()["ts"]
    reply = post(fake, thread_ts=parent, text="drafting").json()
    assert reply["message"]["thread_ts"] == parent
    assert [m["thread_ts"] for m in fake.messages()] == [None, parent]
    history = call(fake, "conversations.history", {"channel": MENTIONS}).json()
    assert [(m["ts"], m.get("reply_count")) for m in history["messages"]] == [(parent, 1)]


def test_text_over_40000_characters_is_truncated_with_a_warning(fake: SlackFake) -> None:
    """Slack cuts message text at 40,000 characters and warns message_truncated."""
    body = post(fake, text="x" * 40_001).json()
    assert body["warning"] == "message_truncated"
    assert body["response_metadata"] == {"warnings": ["message_truncated"]}
    assert len(fake.messages()[0]["text"]) == 40_000


# -- errors, each checked against the method page -------------------------------------------

OTHER, ONE_TS = "C0OTHER", "1.000001"
TEXT = {"channel": MENTIONS, "text": "x"}
AWAY, SECRET, ARCHIVED = {"is_member": False}, {"is_private": True}, {"is_archived": True}
HIDDEN = {"is_member": False, "is_private": True}

# (method, arguments, the error, how C0OTHER is set up first if it matters)
ERROR_CASES: list[tuple[str, dict[str, Any], str, dict[str, Any] | None]] = [
    ("chat.postMessage", TEXT | {"channel": "C0NOPE"}, "channel_not_found", None),
    ("chat.postMessage", TEXT | {"channel": OTHER}, "not_in_channel", AWAY),
    ("chat.postMessage", TEXT | {"channel": OTHER}, "channel_not_found", HIDDEN),
    ("chat.postMessage", TEXT | {"channel": OTHER}, "is_archived", ARCHIVED),
    ("chat.postMessage", {"channel": MENTIONS}, "no_text", None),
    ("chat.postMessage", {"channel": MENTIONS, "blocks": "[oops"}, "invalid_blocks_format", None),
    ("chat.postMessage", TEXT | {"metadata": "{oops"}, "invalid_metadata_format", None),
    ("chat.postMessage", TEXT | {"metadata": {"event_type": "card"}},
     "invalid_metadata_schema", None),
    ("chat.update", TEXT | {"ts": ONE_TS}, "message_not_found", None),
    ("chat.postEphemeral", TEXT | {"user": "U0EXT"}, "user_not_in_channel", None),
    ("chat.getPermalink", {"channel": MENTIONS, "message_ts": ONE_TS}, "message_not_found", None),
    ("conversations.history", {"channel": OTHER}, "not_in_channel", AWAY),
    ("conversations.history", {"channel": MENTIONS, "oldest": "soon"}, "invalid_ts_oldest", None),
    ("conversations.history", {"channel": MENTIONS, "cursor": "%%%"}, "invalid_cursor", None),
    ("conversations.info", {"channel": "C0NOPE"}, "channel_not_found", None),
    ("conversations.join", {"channel": OTHER}, "method_not_supported_for_channel_type", SECRET),
    ("users.info", {"user": "U0NOBODY"}, "user_not_found", None),
    ("usergroups.users.list", {"usergroup": "S0NOPE"}, "no_such_subteam", None),
    ("reactions.add", {"channel": MENTIONS, "name": "eyes"}, "no_item_specified", None),
    ("reactions.add", {"channel": MENTIONS, "name": "Bad!", "timestamp": ONE_TS},
     "invalid_name", None),
    ("reactions.add", {"channel": MENTIONS, "name": "eyes", "timestamp": ONE_TS},
     "message_not_found", None),
    ("views.open", {"view": modal()}, "invalid_arguments", None),
    ("views.update", {"view_id": "V0NOPE", "view": modal()}, "not_found", None),
    ("views.push", {"trigger_id": "1.2.abc", "view": modal()}, "not_found", None),
    ("views.publish", {"user_id": "U0NOBODY", "view": {"type": "home", "blocks": []}},
     "invalid_arguments", None),
    ("files.getUploadURLExternal", {"filename": "a.txt"}, "missing_argument", None),
    ("files.completeUploadExternal", {"files": [{"id": "F0NOPE"}]}, "file_not_found", None),
]  # fmt: skip


@pytest.mark.parametrize(("method", "args", "code", "other"), ERROR_CASES)
def test_each_error_is_one_the_method_page_documents(
    fake: SlackFake, method: str, args: dict[str, Any], code: str, other: dict[str, Any] | None
) -> None:
    """Each failure answers HTTP 200 {"ok": false, "error": code} with a code Slack documents
    for that method, and posts nothing."""
    if other is not None:
        fake.set_channel(OTHER, **other)
    assert_error(method, call(fake, method, args), code)
    assert fake.messages() == []


def test_update_looks_the_message_up_in_the_named_channel(fake: SlackFake) -> None:
    """chat.update with the ts of a message in another channel is message_not_found."""
    args = {"channel": ESCALATE, "text": "x", "ts": post(fake).json()["ts"]}
    assert_error("chat.update", call(fake, "chat.update", args), "message_not_found")


# -- chat.update, chat.postEphemeral, chat.getPermalink, reactions.add ----------------------


def test_update_applies_to_the_record_and_keeps_metadata_unless_cleared(fake: SlackFake) -> None:
    """chat.update answers the documented shape; the record shows the new text and blocks, the
    metadata stays when not sent and goes when an empty object is sent."""
    ts = post(fake, metadata=CARD_METADATA).json()["ts"]
    args = {"channel": MENTIONS, "ts": ts, "text": "claimed", "blocks": [section("claimed")]}
    body = call(fake, "chat.update", args).json()
    assert_success("chat.update", body)
    assert (body["text"], body["message"]["metadata"]) == ("claimed", CARD_METADATA)
    [stored] = fake.messages()
    assert (stored["text"], stored["blocks"], stored["metadata"]) == (
        "claimed", [section("claimed")], CARD_METADATA,
    )  # fmt: skip
    call(fake, "chat.update", {"channel": MENTIONS, "ts": ts, "text": "x", "metadata": {}})
    assert fake.messages()[0]["metadata"] is None


def test_ephemeral_messages_are_kept_apart(fake: SlackFake) -> None:
    """chat.postEphemeral answers message_ts; the message is in ephemerals(), not messages()."""
    args = {"channel": MENTIONS, "user": "U0ALICE", "text": "Only you can see this"}
    body = call(fake, "chat.postEphemeral", args).json()
    assert_success("chat.postEphemeral", body)
    assert fake.messages() == []
    [ephemeral] = fake.ephemerals()
    assert (ephemeral["user"], ephemeral["ts"]) == ("U0ALICE", body["message_ts"])


def test_permalinks_follow_slack_formats(fake: SlackFake) -> None:
    """A permalink is /archives/<channel>/p<ts without dot>; a reply's names its thread."""
    parent = post(fake).json()["ts"]
    reply = post(fake, thread_ts=parent).json()["ts"]
    body = call(fake, "chat.getPermalink", {"channel": MENTIONS, "message_ts": parent}).json()
    assert_success("chat.getPermalink", body)
    assert body["permalink"].endswith(f"/archives/{MENTIONS}/p{parent.replace('.', '')}")
    threaded = call(fake, "chat.getPermalink", {"channel": MENTIONS, "message_ts": reply}).json()
    assert threaded["permalink"].endswith(f"?thread_ts={parent}&cid={MENTIONS}")


def test_a_reaction_is_added_once(fake: SlackFake) -> None:
    """reactions.add answers ok; the same reaction again is already_reacted."""
    args = {"channel": MENTIONS, "name": "eyes"} | {"timestamp": post(fake).json()["ts"]}
    assert_success("reactions.add", call(fake, "reactions.add", args).json())
    assert_error("reactions.add", call(fake, "reactions.add", args), "already_reacted")
    assert fake.messages()[0]["reactions"] == [{"name": "eyes", "users": ["U0BOT"], "count": 1}]


# -- conversations --------------------------------------------------------------------------


def test_history_returns_the_metadata_of_posted_messages_newest_first(
    fake: SlackFake, client: WebClient
) -> None:
    """With include_all_metadata, conversations.history (through WebClient) shows each card's
    metadata newest first, as reconciling an in-doubt post needs; pages follow next_cursor;
    without the flag there is no metadata."""
    fake.set_rate(0, 0)
    cards = [{**CARD_METADATA, "event_payload": {"post_id": str(n)}} for n in range(3)]
    stamps = [post(fake, metadata=card).json()["ts"] for card in cards]
    post(fake, thread_ts=stamps[0], text="a reply stays in its thread")
    first = client.conversations_history(channel=MENTIONS, include_all_metadata=True, limit=2)
    assert isinstance(first.data, dict)
    assert_success("conversations.history", first.data)
    assert [m["metadata"] for m in first["messages"]] == [cards[2], cards[1]]
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel=MENTIONS, include_all_metadata=True, cursor=cursor)
    assert ([m["ts"] for m in rest["messages"]], rest["has_more"]) == ([stamps[0]], False)
    plain = call(fake, "conversations.history", {"channel": MENTIONS}).json()
    assert all("metadata" not in m for m in plain["messages"])


def test_history_honours_oldest_and_latest(fake: SlackFake) -> None:
    """Only messages strictly between oldest and latest are returned unless inclusive."""
    stamps = [post(fake).json()["ts"] for _ in range(3)]
    window = {"channel": MENTIONS, "oldest": stamps[0], "latest": stamps[2]}
    body = call(fake, "conversations.history", window).json()
    assert [m["ts"] for m in body["messages"]] == [stamps[1]]
    inclusive = call(fake, "conversations.history", window | {"inclusive": "1"}).json()
    assert [m["ts"] for m in inclusive["messages"]] == stamps[::-1]


def test_conversation_info_reports_membership_and_privacy(fake: SlackFake) -> None:
    """conversations.info has the example's keys (properties.tabs is omitted when empty, as
    the page says) and the name, is_member and is_private the fake was given."""
    fake.set_channel("C0OUT", name="outside", is_member=False)
    fake.set_channel("C0SECRET", name="secret", is_private=True)
    body = call(fake, "conversations.info", {"channel": MENTIONS}).json()
    assert_success("conversations.info", body, skip=("/channel/properties",))
    found = {
        channel: call(fake, "conversations.info", {"channel": channel}).json()["channel"]
        for channel in (MENTIONS, "C0OUT", "C0SECRET")
    }
    assert [(c["name"], c["is_member"], c["is_private"]) for c in found.values()] == [
        ("mentions", True, False), ("outside", False, False), ("secret", True, True),
    ]  # fmt: skip


def test_join_makes_the_bot_a_member_and_warns_when_it_already_is(fake: SlackFake) -> None:
    """conversations.join lets the bot post; joining again warns already_in_channel."""
    fake.set_channel("C0OUT", is_member=False)
    assert call(fake, "conversations.join", {"channel": "C0OUT"}).json()["channel"]["is_member"]
    assert post(fake, "C0OUT").json()["ok"] is True
    again = call(fake, "conversations.join", {"channel": "C0OUT"}).json()
    assert_success("conversations.join", again)
    assert again["warning"] == "already_in_channel"


# -- users, user groups, files --------------------------------------------------------------


def test_seeded_users_cover_members_guests_and_other_teams(fake: SlackFake) -> None:
    """users.info has every key of the page's example; the seeded users differ as named."""
    users = {
        user: call(fake, "users.info", {"user": user}).json()["user"]
        for user in ("U0ALICE", "U0GUEST", "U0EXT", "U0BOT")
    }
    assert_success("users.info", {"ok": True, "user": users["U0ALICE"]})
    kinds = [(u["is_restricted"], u["team_id"], u["is_bot"]) for u in users.values()]
    assert kinds == [
        (False, "T0SANDBOX", False), (True, "T0SANDBOX", False),
        (False, "T0OTHER", False), (False, "T0SANDBOX", True),
    ]  # fmt: skip
    assert users["U0ALICE"]["profile"]["display_name"] == "alice"


def test_usergroup_members_are_listed(fake: SlackFake) -> None:
    """usergroups.users.list answers the user ids of the group."""
    fake.set_usergroup("S0TEAM", ["U0ALICE", "U0BOB"])
    body = call(fake, "usergroups.users.list", {"usergroup": "S0TEAM"}).json()
    assert_success("usergroups.users.list", body)
    assert body["users"] == ["U0ALICE", "U0BOB"]


def test_files_upload_v2_goes_through_the_external_upload_methods(
    fake: SlackFake, client: WebClient
) -> None:
    """WebClient.files_upload_v2 works: upload URL, the bytes, completion into a channel."""
    body = client.files_upload_v2(channel=MENTIONS, content="export", filename="case.txt").data
    assert isinstance(body, dict)
    assert_success("files.completeUploadExternal", body)
    [upload] = fake.uploads()
    assert (upload["content"], upload["channels"], upload["title"]) == (
        "export", [MENTIONS], "case.txt",
    )  # fmt: skip
    url = call(fake, "files.getUploadURLExternal", {"filename": "b.txt", "length": "3"}).json()
    assert_success("files.getUploadURLExternal", url)


# -- control API over HTTP ------------------------------------------------------------------


def test_control_endpoints_drive_the_fake_from_another_process(fake: SlackFake) -> None:
    """Channels, users and pacing can be set over HTTP and messages, ephemerals and views
    read back; reset clears activity but keeps the configured channels and users."""
    control = f"{fake.base_url}/_control"
    requests.post(f"{control}/channels", json={"id": "C0OUT", "is_member": False}, timeout=5)
    requests.post(f"{control}/users", json={"id": "U0NEW", "name": "newbie"}, timeout=5)
    requests.post(f"{control}/rate", json={"per_channel_per_second": 0, "burst": 0}, timeout=5)
    assert_error("chat.postMessage", post(fake, "C0OUT"), "not_in_channel")
    assert call(fake, "users.info", {"user": "U0NEW"}).json()["user"]["name"] == "newbie"
    assert all(post(fake).json()["ok"] for _ in range(5))
    call(fake, "chat.postEphemeral", {"channel": MENTIONS, "user": "U0NEW", "text": "psst"})
    trigger = requests.post(f"{control}/triggers", json={}, timeout=5).json()["trigger_id"]
    call(fake, "views.open", {"trigger_id": trigger, "view": modal()})
    read = {
        name: requests.get(f"{control}/{name}", params={"channel": MENTIONS}, timeout=5).json()
        for name in ("messages", "ephemerals", "views")
    }
    assert [len(read[name][name]) for name in read] == [5, 1, 1]
    requests.post(f"{control}/reset", timeout=5)
    assert (fake.messages(), fake.views()) == ([], [])
    assert_error("chat.postMessage", post(fake, "C0OUT"), "not_in_channel")


def test_a_malformed_control_request_is_refused(fake: SlackFake) -> None:
    """A control write missing a field answers 400 instead of breaking the connection."""
    answer = requests.post(f"{fake.base_url}/_control/rate", json={"burst": 1}, timeout=5)
    assert answer.status_code == 400
