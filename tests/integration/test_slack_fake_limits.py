"""Limits of the Slack Web API fake: Block Kit, view payloads, triggers, 429 pacing, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import slack_views
from bot.sandbox.slack_api import SlackFake
from tests.integration.slack_contract import (
    ESCALATE,
    MENTIONS,
    TOKEN,
    assert_error,
    assert_success,
    button,
    call,
    documented_errors,
    modal,
    post,
    section,
)


@pytest.fixture
def fake() -> Iterator[SlackFake]:
    with SlackFake() as server:
        yield server


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def fields(count: int, size: int = 4) -> dict[str, Any]:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * size}] * count}


def header(size: int) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": "h" * size}}


def context(count: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * count}


# Each limit: (blocks at the limit, blocks one over it, json-pointer Slack names).
LIMITS: dict[str, tuple[list[Any], list[Any], str]] = {
    "50 blocks": ([{"type": "divider"}] * 50, [{"type": "divider"}] * 51, "/blocks"),
    "section text 3000": ([section("s" * 3000)], [section("s" * 3001)], "/blocks/0/text/text"),
    "10 fields": ([fields(10)], [fields(11)], "/blocks/0/fields"),
    "field 2000": ([fields(1, 2000)], [fields(1, 2001)], "/blocks/0/fields/0/text"),
    "header 150": ([header(150)], [header(151)], "/blocks/0/text/text"),
    "25 actions": (
        [actions(*(button(n) for n in range(25)))],
        [actions(*(button(n) for n in range(26)))],
        "/blocks/0/elements",
    ),
    "10 context elements": ([context(10)], [context(11)], "/blocks/0/elements"),
    "block_id 255": (
        [section("x") | {"block_id": "b" * 255}],
        [section("x") | {"block_id": "b" * 256}],
        "/blocks/0/block_id",
    ),
    "action_id 255": (
        [actions(button(action_id="a" * 255))],
        [actions(button(action_id="a" * 256))],
        "/blocks/0/elements/0/action_id",
    ),
    "button text 75": (
        [actions(button(text={"type": "plain_text", "text": "t" * 75}))],
        [actions(button(text={"type": "plain_text", "text": "t" * 76}))],
        "/blocks/0/elements/0/text/text",
    ),
    "button value 2000": (
        [actions(button(value="v" * 2000))],
        [actions(button(value="v" * 2001))],
        "/blocks/0/elements/0/value",
    ),
    "button url 3000": (
        [actions(button(url="https://x.co/" + "u" * 2987))],
        [actions(button(url="https://x.co/" + "u" * 2988))],
        "/blocks/0/elements/0/url",
    ),
}


@pytest.mark.parametrize("limit", LIMITS)
def test_each_block_kit_limit_is_invalid_blocks_one_past_it(fake: SlackFake, limit: str) -> None:
    """At the limit the post lands; one past it is invalid_blocks, with Slack's errors list and
    `[ERROR] ... [json-pointer:...]` messages naming the offending field."""
    at_limit, over, pointer = LIMITS[limit]
    assert post(fake, blocks=at_limit).json()["ok"] is True
    body = assert_error("chat.postMessage", post(fake, blocks=over), "invalid_blocks")
    assert any(error.endswith(f"[json-pointer:{pointer}]") for error in body["errors"])
    assert body["response_metadata"]["messages"] == [f"[ERROR] {e}" for e in body["errors"]]
    assert len(fake.messages()) == 1


def test_blocks_with_too_much_text_in_total_are_msg_blocks_too_long(fake: SlackFake) -> None:
    """Five valid 2,900-character sections exceed the total Slack allows: msg_blocks_too_long."""
    response = post(fake, blocks=[section("s" * 2900)] * 5)
    assert assert_error("chat.postMessage", response, "msg_blocks_too_long") == {
        "ok": False,
        "error": "msg_blocks_too_long",
    }


# -- 429 pacing and injected faults ---------------------------------------------------------


def test_a_burst_on_one_channel_gets_429_but_another_channel_does_not(fake: SlackFake) -> None:
    """Three quick posts to one channel land, the fourth is HTTP 429 with an integer
    Retry-After and {"ok": false, "error": "ratelimited"}; the other channel is unaffected."""
    assert [post(fake).status_code for _ in range(3)] == [200, 200, 200]
    limited = post(fake)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json() == {"ok": False, "error": "ratelimited"}
    assert "ratelimited" in documented_errors("chat.postMessage")
    assert post(fake, ESCALATE).json()["ok"] is True
    assert [(r["channel"], r["retry_after"]) for r in fake.rate_limited()] == [(MENTIONS, "1")]
    assert len(fake.messages(MENTIONS)) == 3


def test_pacing_refills_at_the_configured_rate(fake: SlackFake) -> None:
    """With 20 posts a second and no burst, the next post after 1/20 s is accepted again."""
    fake.set_rate(20, 1)
    assert [post(fake).status_code for _ in range(2)] == [200, 429]
    time.sleep(0.06)
    assert post(fake).status_code == 200


def test_webclient_sees_the_429_with_its_retry_after(fake: SlackFake) -> None:
    """slack_sdk raises SlackApiError carrying status 429 and the Retry-After header."""
    client = WebClient(token=TOKEN, base_url=f"{fake.base_url}/api/")
    fake.set_rate(0.5, 1)
    client.chat_postMessage(channel=MENTIONS, text="first")
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel=MENTIONS, text="second")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "2"


def test_injected_429s_answer_slack_paths_and_are_recorded(fake: SlackFake) -> None:
    """A fault injected over HTTP answers the next two posts with 429 + Retry-After; the
    third lands; both 429s are recorded and every call is in the call log."""
    fault = {
        "path": "/api/chat.postMessage", "status": 429, "headers": {"Retry-After": "1"},
        "body": {"ok": False, "error": "ratelimited"}, "count": 2,
    }  # fmt: skip
    requests.post(f"{fake.base_url}/_control/faults", json=fault, timeout=5)
    answers = [post(fake) for _ in range(3)]
    assert [(a.status_code, a.headers.get("Retry-After")) for a in answers] == [
        (429, "1"), (429, "1"), (200, None),
    ]  # fmt: skip
    assert [r["retry_after"] for r in fake.rate_limited()] == ["1", "1"]
    assert len(fake.calls_to("/api/chat.postMessage")) == 3


# -- views ----------------------------------------------------------------------------------


def open_view(
    fake: SlackFake, view: dict[str, Any], trigger: str | None = None
) -> requests.Response:
    trigger_id = trigger or fake.new_trigger_id()
    return call(fake, "views.open", {"trigger_id": trigger_id, "view": view})


def test_views_open_rejects_a_25_character_title(fake: SlackFake) -> None:
    """A 25-character modal title is invalid_arguments naming /view/title/text; 24 opens."""
    body = assert_error("views.open", open_view(fake, modal("t" * 25)), "invalid_arguments")
    [message] = body["response_metadata"]["messages"]
    assert message.startswith("[ERROR]") and message.endswith("[json-pointer:/view/title/text]")
    opened = open_view(fake, modal("t" * 24, blocks=[section("x")])).json()
    assert_success("views.open", opened, skip=("/view/blocks",))
    assert fake.views()[0]["id"] == opened["view"]["id"]


VIEW_LIMITS: dict[str, dict[str, Any]] = {
    "101 blocks": modal(blocks=[{"type": "divider"}] * 101),
    "private_metadata 3001": modal(private_metadata="p" * 3001),
    "callback_id 256": modal(callback_id="c" * 256),
    "submit 25": modal(submit={"type": "plain_text", "text": "s" * 25}),
    "input without submit": modal(submit=None, blocks=[{
        "type": "input", "label": {"type": "plain_text", "text": "Reply"},
        "element": {"type": "plain_text_input", "action_id": "reply", "multiline": True},
    }]),
    "no title": {"type": "modal", "blocks": []},
}  # fmt: skip


@pytest.mark.parametrize("limit", VIEW_LIMITS)
def test_views_open_enforces_modal_limits(fake: SlackFake, limit: str) -> None:
    """Each view payload past a documented modal limit is refused with invalid_arguments."""
    body = assert_error("views.open", open_view(fake, VIEW_LIMITS[limit]), "invalid_arguments")
    assert body["response_metadata"]["messages"]
    assert fake.views() == []


def test_trigger_ids_are_single_use_and_expire(
    fake: SlackFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A trigger_id opens one view; reused it is exchanged_trigger_id; late, expired."""
    trigger = fake.new_trigger_id()
    assert open_view(fake, modal(), trigger).json()["ok"] is True
    assert_error("views.open", open_view(fake, modal(), trigger), "exchanged_trigger_id")
    monkeypatch.setattr(slack_views, "TRIGGER_TTL_SECONDS", 0.01)
    late = fake.new_trigger_id()
    time.sleep(0.05)
    assert_error("views.open", open_view(fake, modal(), late), "expired_trigger_id")


def test_views_push_stops_at_three_views_on_the_stack(fake: SlackFake) -> None:
    """After views.open two views.push succeed (same root); a third is push_limit_reached."""
    root = open_view(fake, modal()).json()["view"]["id"]
    pushed = [
        call(fake, "views.push", {"trigger_id": fake.new_trigger_id(view_id=root), "view": modal()})
        for _ in range(3)
    ]
    assert_success("views.push", pushed[0].json(), skip=("/view/blocks",))
    assert [p.json()["view"]["root_view_id"] for p in pushed[:2]] == [root, root]
    assert_error("views.push", pushed[2], "push_limit_reached")


def test_views_update_by_id_or_external_id_honours_the_hash(fake: SlackFake) -> None:
    """views.update finds a view by view_id or external_id; a stale hash is hash_conflict."""
    opened = open_view(fake, modal(external_id="case-1")).json()["view"]
    by_id = {
        "view_id": opened["id"],
        "hash": opened["hash"],
        "view": modal("Sent", external_id="case-1"),
    }
    updated = call(fake, "views.update", by_id).json()
    assert_success("views.update", updated, skip=("/view/blocks",))
    assert_error("views.update", call(fake, "views.update", by_id), "hash_conflict")
    by_external = {"external_id": "case-1", "view": modal("Again", external_id="case-1")}
    again = call(fake, "views.update", by_external).json()["view"]
    assert (again["id"], again["title"]["text"]) == (opened["id"], "Again")
    assert [view["title"]["text"] for view in fake.views()] == ["Again"]


def test_views_publish_keeps_one_home_tab_per_user(fake: SlackFake) -> None:
    """views.publish answers the documented shape, reuses the user's Home view, and refuses a
    modal payload."""
    home = {"type": "home", "blocks": [section("Your open cases")]}
    first = call(fake, "views.publish", {"user_id": "U0ALICE", "view": home}).json()
    assert_success("views.publish", first, skip=("/view/blocks",))
    second = call(fake, "views.publish", {"user_id": "U0ALICE", "view": home}).json()
    assert second["view"]["id"] == first["view"]["id"]
    refused = call(fake, "views.publish", {"user_id": "U0ALICE", "view": modal()})
    assert_error("views.publish", refused, "invalid_arguments")
