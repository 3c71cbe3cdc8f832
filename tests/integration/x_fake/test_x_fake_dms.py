"""Contract tests of the X fake's direct messages: one-to-one sends, the DM event reads, their
refusals and rate limits, driven over HTTP by the real tweepy client (requests for the bodies
tweepy does not show) and checked against the OpenAPI schemas."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import tweepy
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sandbox.x_api import XFake
from tests.integration.x_fake.contract import (
    APP,
    USER,
    assert_problem,
    assert_schema,
    call,
)

ALICE = ("2001", "alice", "Alice")
BOB = ("2002", "bob", "Bob")
EVENTS = "/2/dm_events"
SEND = "/2/dm_conversations/with/:participant_id/messages"
PROBLEMS = "https://api.twitter.com/2/problems/"
OTHER_USER = {
    "Authorization": 'OAuth oauth_consumer_key="ck", oauth_token="3000-tok", oauth_signature="s"'
}


def send_path(participant_id: str) -> str:
    return f"/2/dm_conversations/with/{participant_id}/messages"


def conversation_path(participant_id: str) -> str:
    return f"/2/dm_conversations/with/{participant_id}/dm_events"


@pytest.fixture
def clock(fake: XFake) -> Callable[[float], None]:
    """Moves the fake's rate-limit clock `seconds` ahead of the moment the test began."""
    start = time.time()
    offset = [0.0]
    fake.clock = lambda: start + offset[0]

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def ids_of(body: dict[str, Any]) -> list[str]:
    return [event["id"] for event in body.get("data", [])]


def every_event(fake: XFake, path: str = EVENTS, **params: Any) -> list[str]:
    """The ids of every page of `path`, following next_token."""
    seen: list[str] = []
    while True:
        page = call(fake, "GET", path, USER, params=params).json()
        seen += ids_of(page)
        if "next_token" not in page["meta"]:
            return seen
        params["pagination_token"] = page["meta"]["next_token"]


# -- POST /2/dm_conversations/with/:participant_id/messages ------------------------------------


def test_a_send_opens_the_one_to_one_conversation(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """201 with the conversation ("<smaller id>-<larger id>", numerically) and the new event."""
    fake.add_dm(ALICE, "my order never came")
    sent = client.create_direct_message(participant_id="2001", text="Sorry! Looking now.")
    assert sent.status_code == 201
    assert_schema(spec, "CreateDmEventResponse", sent.json())
    data = sent.json()["data"]
    assert data["dm_conversation_id"] == "1000-2001"
    fake.add_dm(("42", "early", "Early Adopter"), "hello")  # 42 < 1000 as numbers, not as text
    to_42 = client.create_direct_message(participant_id="42", text="Hi!").json()["data"]
    assert to_42["dm_conversation_id"] == "42-1000"
    stored = {event["id"]: event for event in fake.dms()}
    assert stored[data["dm_event_id"]] == {
        "id": data["dm_event_id"], "event_type": "MessageCreate", "text": "Sorry! Looking now.",
        "sender_id": "1000", "dm_conversation_id": "1000-2001",
        "created_at": stored[data["dm_event_id"]]["created_at"],
    }  # fmt: skip
    listed = requests.get(fake.base_url + "/_control/dms", timeout=5).json()["dms"]
    assert [event["id"] for event in listed] == list(stored)


def test_attachments_alone_are_a_message(fake: XFake, spec: Any) -> None:
    """Text or attachments: one media id alone sends a DM whose event names its media key."""
    fake.add_dm(ALICE, "photo please")
    body = {"attachments": [{"media_id": "1583157113245011970"}]}
    sent = call(fake, "POST", send_path("2001"), USER, json=body)
    assert sent.status_code == 201
    params = {"dm_event.fields": "attachments", "expansions": "attachments.media_keys"}
    page = call(fake, "GET", EVENTS, USER, params=params).json()
    assert_schema(spec, "Get2DmEventsResponse", page)
    assert page["data"][0]["attachments"] == {"media_keys": ["3_1583157113245011970"]}
    assert page["includes"]["media"] == [{"media_key": "3_1583157113245011970", "type": "photo"}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"text": ""}, "$.text: must be at least 1 characters long"),
        (
            {"text": "x" * 10_001},
            "The text of your direct message is over the max character limit.",
        ),
        ({"text": 7}, "$.text: is not a string"),
        ({}, "$.text: is missing but it is required"),
        ({"attachments": []}, "$.attachments: there must be a minimum of 1 items in the array"),
        (
            {"text": "two", "attachments": [{"media_id": "1"}, {"media_id": "2"}]},
            "$.attachments: there must be a maximum of 1 items in the array",
        ),
        ({"attachments": [{"media_id": "a1"}]}, "$.attachments[0].media_id: does not match"),
    ],
)
def test_invalid_messages_are_invalid_requests(
    fake: XFake, spec: Any, body: dict[str, Any], message: str
) -> None:
    """Empty or 10,001-character text, no content, or more than one attachment: 400."""
    fake.add_dm(ALICE, "hi")
    refused = call(fake, "POST", send_path("2001"), USER, json=body)
    problem = assert_problem(spec, refused, 400)
    assert problem["type"] == PROBLEMS + "invalid-request"
    assert problem["detail"] == "One or more parameters to your request was invalid."
    assert problem["errors"][0]["message"].startswith(message)
    assert len(fake.dms()) == 1


def test_text_up_to_10000_characters_and_tweepy_without_text(
    client: tweepy.Client, fake: XFake
) -> None:
    """10,000 characters pass; tweepy's send without text ({} as the body) is a BadRequest."""
    fake.add_dm(ALICE, "hi")
    assert client.create_direct_message(participant_id="2001", text="x" * 10_000).ok
    with pytest.raises(tweepy.BadRequest):
        client.create_direct_message(participant_id="2001")


def test_closed_dms_are_forbidden(client: tweepy.Client, fake: XFake, spec: Any) -> None:
    """A user who does not accept our DMs: 403 (receives_your_dm false); reopened, 201."""
    fake.add_dm(ALICE, "please don't DM me again")
    fake.set_dm_open("2001", False)
    refused = call(fake, "POST", send_path("2001"), USER, json={"text": "one more thing"})
    assert assert_problem(spec, refused, 403) == {
        "title": "Forbidden", "detail": "You cannot send messages to this user.",
        "type": "about:blank", "status": 403,
    }  # fmt: skip
    with pytest.raises(tweepy.Forbidden):
        client.create_direct_message(participant_id="2001", text="one more thing")
    page = client.get_direct_message_events(
        expansions=["sender_id"], user_fields=["receives_your_dm"]
    )
    assert page.json()["includes"]["users"] == [
        {"id": "2001", "name": "Alice", "username": "alice", "receives_your_dm": False}
    ]
    reopen = {"user_id": "2001", "open": True}
    assert requests.post(fake.base_url + "/_control/dms/open", json=reopen, timeout=5).ok
    assert client.create_direct_message(participant_id="2001", text="one more thing").ok
    assert len(fake.dms()) == 2


def test_unknown_participants_and_malformed_ids(fake: XFake, spec: Any) -> None:
    """A user X does not know: 404 resource-not-found; a non-numeric id or ourselves: 400."""
    gone = call(fake, "POST", send_path("2999"), USER, json={"text": "hello?"})
    assert assert_problem(spec, gone, 404) == {
        "value": "2999", "detail": "Could not find user with participant_id: [2999].",
        "title": "Not Found Error", "resource_type": "user", "parameter": "participant_id",
        "resource_id": "2999", "type": PROBLEMS + "resource-not-found", "status": 404,
    }  # fmt: skip
    for bad in ("alice", "1000"):
        body = assert_problem(
            spec, call(fake, "POST", send_path(bad), USER, json={"text": "x"}), 400
        )
        assert body["errors"][0]["parameters"] == {"participant_id": [bad]}
    assert fake.dms() == []


def test_user_context_is_required(client: tweepy.Client, fake: XFake, spec: Any) -> None:
    """An app-only Bearer token is refused on every DM endpoint: 403 unsupported-authentication."""
    fake.add_dm(ALICE, "hi")
    for method, path in (
        ("POST", send_path("2001")), ("GET", EVENTS), ("GET", conversation_path("2001")),
    ):  # fmt: skip
        refused = call(fake, method, path, APP, json={"text": "hi"} if method == "POST" else None)
        body = assert_problem(spec, refused, 403)
        assert body["type"] == PROBLEMS + "unsupported-authentication"
    with pytest.raises(tweepy.Forbidden):
        client.get_direct_message_events(user_auth=False)
    with pytest.raises(tweepy.Forbidden):
        client.create_direct_message(participant_id="2001", text="hi", user_auth=False)
    assert assert_problem(spec, requests.get(fake.base_url + EVENTS, timeout=5), 401)


# -- GET /2/dm_events, GET /2/dm_conversations/with/:participant_id/dm_events -------------------


def test_dm_events_cover_every_conversation_newest_first(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Received and sent events of every conversation we are in, newest first; by default id,
    event_type and text; asked-for fields and the sender expansion as the contract shapes them."""
    first = fake.add_dm(ALICE, "where is my order @earshot_co #late")["id"]
    fake.add_dm(BOB, "just to alice", to="2001")  # a conversation we are not in
    second = fake.add_dm(BOB, "love the app")["id"]
    ours = client.create_direct_message(participant_id="2001", text="On its way!").json()
    plain = client.get_direct_message_events().json()
    assert_schema(spec, "Get2DmEventsResponse", plain)
    assert ids_of(plain) == [ours["data"]["dm_event_id"], second, first]
    assert all(set(event) == {"id", "event_type", "text"} for event in plain["data"])
    assert set(plain["meta"]) == {"result_count", "previous_token"}
    fields = ["id", "event_type", "text", "sender_id", "created_at", "dm_conversation_id"]
    rich = client.get_direct_message_events(
        dm_event_fields=[*fields, "entities"], event_types="MessageCreate",
        expansions=["sender_id"], user_fields=["public_metrics", "verified"],
    ).json()  # fmt: skip
    assert_schema(spec, "Get2DmEventsResponse", rich)
    oldest = rich["data"][-1]
    assert {key: oldest[key] for key in fields if key != "created_at"} == {
        "id": first, "event_type": "MessageCreate", "text": "where is my order @earshot_co #late",
        "sender_id": "2001", "dm_conversation_id": "1000-2001",
    }  # fmt: skip
    assert datetime.fromisoformat(oldest["created_at"]) <= datetime.now(UTC)
    assert oldest["entities"]["hashtags"] == [{"start": 30, "end": 35, "tag": "late"}]
    assert [user["id"] for user in rich["includes"]["users"]] == ["1000", "2002", "2001"]
    assert rich["includes"]["users"][1]["public_metrics"]["followers_count"] == 10


def test_pages_concatenate_without_loss_or_repeat(fake: XFake, spec: Any) -> None:
    """next_token walks older, previous_token walks back; an event arriving between pages is
    neither repeated nor lost (it is on the previous side)."""
    ids = [fake.add_dm(ALICE if n % 2 else BOB, f"message {n}")["id"] for n in range(23)]
    first = call(fake, "GET", EVENTS, USER, params={"max_results": 7}).json()
    assert_schema(spec, "Get2DmEventsResponse", first)
    assert ids_of(first) == ids[::-1][:7] and first["meta"]["result_count"] == 7
    late = fake.add_dm(ALICE, "arrived while paging")["id"]
    params = {"max_results": 7, "pagination_token": first["meta"]["next_token"]}
    second = call(fake, "GET", EVENTS, USER, params=params).json()
    assert ids_of(second) == ids[::-1][7:14]
    assert len(first["meta"]["next_token"]) >= 16  # PaginationToken32
    back = {"max_results": 7, "pagination_token": second["meta"]["previous_token"]}
    assert ids_of(call(fake, "GET", EVENTS, USER, params=back).json()) == ids[::-1][:7]
    newer = {"pagination_token": first["meta"]["previous_token"]}
    assert ids_of(call(fake, "GET", EVENTS, USER, params=newer).json()) == [late]
    assert every_event(fake, max_results=7) == [late, *ids[::-1]]
    assert every_event(fake) == [late, *ids[::-1]]  # max_results defaults to 100


@settings(max_examples=15, deadline=None)
@given(count=st.integers(0, 40), size=st.integers(1, 12))
def test_any_paging_returns_each_event_once(server: XFake, count: int, size: int) -> None:
    """For any number of events and page size, pages concatenate to every event, newest first."""
    server.reset()
    server.set_rate_limit(EVENTS, 1_000)
    ids = [server.add_dm(ALICE, f"n{n}")["id"] for n in range(count)]
    assert every_event(server, max_results=size) == ids[::-1]


def test_one_conversation(client: tweepy.Client, fake: XFake, spec: Any) -> None:
    """/dm_conversations/with/:participant_id/dm_events holds that conversation only; an unknown
    user is a partial error, a known one without a conversation an empty page."""
    fake.add_dm(BOB, "bob here")
    asked = fake.add_dm(ALICE, "alice here")["id"]
    answered = client.create_direct_message(participant_id="2001", text="hi alice").json()
    page = client.get_direct_message_events(participant_id="2001", dm_event_fields=["sender_id"])
    body = page.json()
    assert_schema(spec, "Get2DmConversationsWithParticipantIdDmEventsResponse", body)
    assert ids_of(body) == [answered["data"]["dm_event_id"], asked]
    assert [event["sender_id"] for event in body["data"]] == ["1000", "2001"]
    fake.add_post("never wrote to us", author=("2003", "carol", "Carol"))
    empty = call(fake, "GET", conversation_path("2003"), USER).json()
    assert empty == {"meta": {"result_count": 0}}
    unknown = call(fake, "GET", conversation_path("2999"), USER).json()
    assert_schema(spec, "Get2DmConversationsWithParticipantIdDmEventsResponse", unknown)
    assert unknown["errors"][0]["type"] == PROBLEMS + "resource-not-found"
    assert_problem(spec, call(fake, "GET", conversation_path("al1ce"), USER), 400)


def test_filters_fields_and_references(fake: XFake, spec: Any) -> None:
    """event_types filters; a Post URL becomes referenced_tweets (expanded, or a partial error
    when the post is gone); events older than 30 days are out of reach."""
    post = fake.add_post("our launch", author=("1000", "earshot_co", "Earshot Co"))["id"]
    fake.add_dm(ALICE, f"is this real? https://x.com/earshot_co/status/{post}")
    fake.add_dm(BOB, "see https://twitter.com/bob/status/1234567")
    fake.add_dm(BOB, "old news", created_at=datetime.now(UTC) - timedelta(days=31))
    joins = call(fake, "GET", EVENTS, USER, params={"event_types": "ParticipantsJoin"}).json()
    assert joins == {"meta": {"result_count": 0}}
    params = {
        "dm_event.fields": "referenced_tweets",
        "expansions": "referenced_tweets.id",
        "tweet.fields": "author_id",
        "event_types": "MessageCreate,ParticipantsLeave",
    }
    body = call(fake, "GET", EVENTS, USER, params=params).json()
    assert_schema(spec, "Get2DmEventsResponse", body)
    assert [event["referenced_tweets"] for event in body["data"]] == [
        [{"id": "1234567"}], [{"id": post}],
    ]  # fmt: skip
    assert body["includes"]["tweets"][0] == {
        "id": post, "text": "our launch", "edit_history_tweet_ids": [post], "author_id": "1000",
    }  # fmt: skip
    assert [error["resource_id"] for error in body["errors"]] == ["1234567"]
    assert len(fake.dms()) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"max_results": 0},
        {"max_results": 101},
        {"event_types": "MessageDelete"},
        {"dm_event.fields": "body"},
        {"expansions": "author_id"},
        {"since_id": "1"},
        {"pagination_token": "7140dibd1234567890"},
    ],
)
def test_bad_parameters_are_invalid_requests(
    fake: XFake, spec: Any, params: dict[str, Any]
) -> None:
    """max_results is 1-100; unknown event types, fields, expansions, parameters and tokens: 400."""
    body = assert_problem(spec, call(fake, "GET", EVENTS, USER, params=params), 400)
    [name] = params
    assert body["errors"][0]["parameters"] == {name: [str(params[name])]}


# -- rate limits -------------------------------------------------------------------------------


def test_fifteen_sends_per_fifteen_minutes(
    client: tweepy.Client, fake: XFake, spec: Any, clock: Callable[[float], None]
) -> None:
    """15 sends per 15 minutes per user, then 429 with X's headers; the window reopens."""
    fake.add_dm(ALICE, "hi")
    for n in range(15):
        sent = client.create_direct_message(participant_id="2001", text=f"reply {n}")
    assert sent.headers["x-rate-limit-remaining"] == "0"
    assert sent.headers["x-user-limit-24hour-remaining"] == "1425"
    with pytest.raises(tweepy.TooManyRequests):
        client.create_direct_message(participant_id="2001", text="one too many")
    refused = call(fake, "POST", send_path("2001"), USER, json={"text": "one too many"})
    assert assert_problem(spec, refused, 429) == XFake.problem(429)
    headers = refused.headers
    assert (headers["x-rate-limit-limit"], headers["x-rate-limit-remaining"]) == ("15", "0")
    assert time.time() < int(headers["x-rate-limit-reset"]) <= time.time() + 901
    assert headers["x-user-limit-24hour-limit"] == headers["x-app-limit-24hour-limit"] == "1440"
    assert headers["x-user-limit-24hour-remaining"] == "1425"
    assert int(headers["x-user-limit-24hour-reset"]) > time.time() + 86_000
    clock(900)
    assert client.create_direct_message(participant_id="2001", text="next window").ok
    assert len(fake.dms()) == 17


def test_fifteen_lookups_per_fifteen_minutes(client: tweepy.Client, fake: XFake) -> None:
    """Both DM lookups allow 15 requests per 15 minutes per user, each its own window."""
    for _ in range(15):
        page = client.get_direct_message_events()
    assert page.headers["x-rate-limit-limit"] == "15"
    assert "x-user-limit-24hour-limit" not in page.headers
    with pytest.raises(tweepy.TooManyRequests):
        client.get_direct_message_events()
    fake.add_dm(ALICE, "hi")
    conversation = client.get_direct_message_events(participant_id="2001")
    assert conversation.headers["x-rate-limit-remaining"] == "14"


def send(fake: XFake, text: str, headers: dict[str, str] = USER) -> requests.Response:
    """One DM to Alice over a fresh connection (the sandbox server answers a kept-alive
    connection some 40 ms late, too slow for a day's worth of sends)."""
    return call(fake, "POST", send_path("2001"), headers, json={"text": text})


def test_the_24_hour_cap_per_user(fake: XFake, clock: Callable[[float], None]) -> None:
    """1,440 sends per 24 hours per user, even with room left in the 15-minute window; 429 with
    x-user-limit-24hour-remaining 0 while x-rate-limit-remaining is not."""
    fake.add_dm(ALICE, "hi")
    fake.set_rate_limit(SEND, 2_000)
    statuses = {send(fake, f"{n}").status_code for n in range(1_440)}
    assert statuses == {201}
    refused = send(fake, "one too many")
    assert refused.status_code == 429
    assert refused.json() == XFake.problem(429)
    headers = refused.headers
    assert (
        headers["x-user-limit-24hour-remaining"] == headers["x-app-limit-24hour-remaining"] == "0"
    )
    assert headers["x-rate-limit-remaining"] == "560"
    assert int(headers["x-user-limit-24hour-reset"]) > int(headers["x-rate-limit-reset"])
    clock(86_400)
    assert send(fake, "a new day").status_code == 201


def test_the_24_hour_cap_per_app_counts_every_user(
    fake: XFake, clock: Callable[[float], None]
) -> None:
    """The app's 1,440 sends per 24 hours are shared by its users: two users sending 15 every
    15 minutes use them up in 12 hours, and then both are refused."""
    fake.add_dm(ALICE, "hi")
    for window in range(48):
        for n in range(30):
            assert send(fake, f"{window}.{n}", USER if n % 2 else OTHER_USER).status_code == 201
        clock(900)
    for who in (USER, OTHER_USER):
        refused = send(fake, "one too many", who)
        assert refused.status_code == 429
        headers = refused.headers
        assert headers["x-app-limit-24hour-remaining"] == "0"
        assert headers["x-user-limit-24hour-remaining"] == "720"
        assert headers["x-rate-limit-remaining"] == "15"
    assert len(fake.dms()) == 1 + 1_440


def test_daily_caps_can_be_set_through_the_control_api(fake: XFake) -> None:
    """POST /_control/config "daily_limit" lowers a 24-hour cap (for tests of what hits it)."""
    fake.add_dm(ALICE, "hi")
    config = {"daily_limit": {SEND: {"user": 2}}}
    answer = requests.post(fake.base_url + "/_control/config", json=config, timeout=5).json()
    assert answer["daily_limit"] == {SEND: {"user": 2, "app": 1440}}
    statuses = [
        call(fake, "POST", send_path("2001"), USER, json={"text": f"{n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]
    bad = {"daily_limit": {EVENTS: {"user": 2}}}
    assert requests.post(fake.base_url + "/_control/config", json=bad, timeout=5).status_code == 400


# -- control API -------------------------------------------------------------------------------


def test_control_routes_add_list_and_close(fake: XFake) -> None:
    """Another process seeds DMs and closes a user's DMs over /_control; reset clears them."""
    base = fake.base_url + "/_control/dms"
    added = requests.post(
        base, json={"sender": ["2009", "zed", "Zed"], "text": "hello from zed"}, timeout=5
    ).json()
    assert (added["sender_id"], added["dm_conversation_id"]) == ("2009", "1000-2009")
    assert call(fake, "GET", EVENTS, USER).json()["data"][0]["id"] == added["id"]
    as_object = {"sender": {"id": "2009", "username": "zed", "name": "Zed"}, "text": "again"}
    assert requests.post(base, json=as_object, timeout=5).ok
    assert len(requests.get(base, timeout=5).json()["dms"]) == 2
    closed = requests.post(base + "/open", json={"user_id": "2009", "open": False}, timeout=5)
    assert closed.json() == {"user_id": "2009", "open": False}
    assert call(fake, "POST", send_path("2009"), USER, json={"text": "hi"}).status_code == 403
    for bad, status in (
        ({"sender": ["2009", "zed"], "text": "hi"}, 400),
        ({"sender": ["2009", "zed", "Zed"], "text": ""}, 400),
        ({"sender": ["2009", "zed", "Zed"], "text": "hi", "to": "2999"}, 404),
    ):
        assert requests.post(base, json=bad, timeout=5).status_code == status
    unknown = {"user_id": "2999", "open": True}
    assert requests.post(base + "/open", json=unknown, timeout=5).status_code == 404
    fake.reset()
    assert fake.dms() == []
