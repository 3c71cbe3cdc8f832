"""Contract tests of the X fake's user posts timeline, post lookups, edits and deletions,
driven over HTTP by the real tweepy client (and requests where tweepy cannot say it)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import tweepy

from bot.sandbox.x_api import XFake
from bot.sandbox.x_writes import REPLY_TARGET_GONE
from tests.integration.x_fake.contract import (
    APP,
    USER,
    assert_problem,
    assert_schema,
    call,
)

ALICE = ("2001", "alice", "Alice")
BOB = ("2002", "bob", "Bob")
OURS = ("1000", "earshot_co", "Earshot Co")
ALICE_POSTS = "/2/users/2001/tweets"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"


def control(fake: XFake, path: str, body: dict[str, Any]) -> requests.Response:
    return requests.post(fake.base_url + path, json=body, timeout=5)


def ids_of(body: dict[str, Any]) -> list[str]:
    return [post["id"] for post in body.get("data", [])]


def tweet_not_found(post_id: str, parameter: str = "id") -> dict[str, Any]:
    """X's resource-not-found entry for a post, as GET /2/tweets/:id and ?ids= send it."""
    return {
        "value": post_id,
        "detail": f"Could not find tweet with {parameter}: [{post_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": post_id,
        "type": NOT_FOUND,
    }


# -- GET /2/users/:id/tweets -------------------------------------------------------------------


def test_user_timeline_lists_own_posts_replies_and_reposts_newest_first(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """The user's own posts only, replies and reposts included, with the thread fields."""
    root = fake.add_post("my first post", author=ALICE)["id"]
    theirs = fake.add_post("bob says hi", author=BOB)["id"]
    reply = fake.add_post(
        "@bob hi back", author=ALICE, referenced_tweets=[{"type": "replied_to", "id": theirs}]
    )["id"]
    repost = fake.add_post(
        "RT @bob: bob says hi", author=ALICE,
        referenced_tweets=[{"type": "retweeted", "id": theirs}],
    )["id"]  # fmt: skip
    fake.add_post("@alice unrelated", author=BOB)
    fields = ["conversation_id", "in_reply_to_user_id", "referenced_tweets", "author_id"]
    response = client.get_users_tweets(
        "2001", tweet_fields=fields, expansions=["author_id", "referenced_tweets.id"]
    )
    body = response.json()
    assert_schema(spec, "Get2UsersIdTweetsResponse", body)
    assert ids_of(body) == [repost, reply, root]
    replied = body["data"][1]
    assert replied["conversation_id"] == theirs
    assert replied["in_reply_to_user_id"] == "2002"
    assert replied["referenced_tweets"] == [{"type": "replied_to", "id": theirs}]
    assert body["data"][2]["conversation_id"] == root
    assert "in_reply_to_user_id" not in body["data"][2]
    assert [user["id"] for user in body["includes"]["users"]] == ["2001"]
    assert [post["id"] for post in body["includes"]["tweets"]] == [theirs]
    assert body["meta"] == {"result_count": 3, "newest_id": repost, "oldest_id": root}
    no_replies = client.get_users_tweets("2001", exclude=["replies"]).json()
    assert ids_of(no_replies) == [repost, root]
    originals = client.get_users_tweets("2001", exclude=["replies", "retweets"]).json()
    assert ids_of(originals) == [root]
    assert set(originals["data"][0]) == {"id", "text", "edit_history_tweet_ids"}


def test_user_timeline_pages_with_since_id_without_loss_or_repeat(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Paging from since_id gives every newer post once; posts made while paging wait for the
    next poll, whose since_id is the first page's newest_id."""
    ids = []
    for n in range(23):
        ids.append(fake.add_post(f"alice post {n}", author=ALICE)["id"])
        fake.add_post(f"bob post {n}", author=BOB)
    seen: list[str] = []
    token, newest = None, None
    while True:
        page = client.get_users_tweets(
            "2001", since_id=ids[4], max_results=5, pagination_token=token, user_auth=True
        ).json()
        assert_schema(spec, "Get2UsersIdTweetsResponse", page)
        newest = newest or page["meta"]["newest_id"]
        seen += ids_of(page)
        fake.add_post("alice again while paging", author=ALICE)
        token = page["meta"].get("next_token")
        if token is None:
            break
    assert seen == ids[5:][::-1]
    later = client.get_users_tweets("2001", since_id=newest, max_results=100).json()
    assert later["meta"]["result_count"] == 4
    older = client.get_users_tweets("2001", until_id=ids[2], max_results=5).json()
    assert ids_of(older) == [ids[1], ids[0]]


def test_since_and_until_id_take_precedence_over_start_and_end_time(
    client: tweepy.Client, fake: XFake
) -> None:
    """As the contract says: since_id wins over start_time, until_id over end_time."""
    long_ago = (datetime.now(UTC) - timedelta(hours=5)).replace(microsecond=0)  # tweepy: seconds
    ids = [
        fake.add_post(f"old {n}", author=ALICE, created_at=long_ago + timedelta(minutes=n))["id"]
        for n in range(4)
    ]
    now = datetime.now(UTC)
    assert client.get_users_tweets("2001", start_time=now).json()["meta"]["result_count"] == 0
    both = client.get_users_tweets("2001", since_id=ids[1], start_time=now).json()
    assert ids_of(both) == [ids[3], ids[2]]
    ended = client.get_users_tweets("2001", until_id=ids[2], end_time=long_ago).json()
    assert ids_of(ended) == [ids[1], ids[0]]
    start, end = long_ago + timedelta(minutes=1), long_ago + timedelta(minutes=3)
    window = client.get_users_tweets("2001", start_time=start, end_time=end).json()
    assert ids_of(window) == [ids[2], ids[1]]  # start_time inclusive, end_time exclusive


def test_user_timeline_reaches_3200_posts_and_800_without_replies(fake: XFake) -> None:
    """The 3,200 most recent posts are reachable; with exclude=replies, the 800 most recent."""
    ids = [fake.add_post(f"post {n}", author=ALICE)["id"] for n in range(3205)]

    def walk(params: dict[str, Any]) -> list[str]:
        seen: list[str] = []
        while True:
            page = call(fake, "GET", ALICE_POSTS, params={**params, "max_results": 100}).json()
            seen += ids_of(page)
            if "next_token" not in page["meta"]:
                return seen
            params = {**params, "pagination_token": page["meta"]["next_token"]}

    assert walk({}) == ids[5:][::-1]
    assert walk({"exclude": "replies"}) == ids[-800:][::-1]


@pytest.mark.parametrize(
    ("params", "parameter", "message"),
    [
        ({"max_results": 4}, "max_results", "The `max_results` query parameter value [4] is not"
         " between 5 and 100"),
        ({"max_results": 101}, "max_results", "The `max_results` query parameter value [101] is"
         " not between 5 and 100"),
        ({"exclude": "likes"}, "exclude", "The `exclude` query parameter value [likes] is not one"
         " of [replies,retweets]"),
        ({"since_id": "abc"}, "since_id", "The `since_id` query parameter value [abc] does not"
         " match ^[0-9]{1,19}$"),
        ({"start_time": "yesterday"}, "start_time", "The `start_time` query parameter value"
         " [yesterday] is not a valid RFC 3339 date-time"),
        ({"pagination_token": "nope"}, "pagination_token", "The `pagination_token` query"
         " parameter value [nope] is not a valid token"),
        ({"sort_order": "recency"}, "sort_order", "The query parameter [sort_order] is not one of"
         " [end_time,exclude,expansions,max_results,media.fields,pagination_token,place.fields,"
         "poll.fields,since_id,start_time,tweet.fields,until_id,user.fields]"),
    ],
)  # fmt: skip
def test_user_timeline_bad_parameters_are_invalid_requests(
    fake: XFake, spec: Any, params: dict[str, Any], parameter: str, message: str
) -> None:
    """A bad parameter is 400 invalid-request naming the parameter, its value and the rule."""
    fake.add_post("alice exists", author=ALICE)
    body = assert_problem(spec, call(fake, "GET", ALICE_POSTS, params=params), 400)
    [error] = body["errors"]
    assert error == {"parameters": {parameter: [str(params[parameter])]}, "message": message}
    assert body["title"] == "Invalid Request"
    assert body["detail"] == "One or more parameters to your request was invalid."


def test_user_timeline_bad_max_results_through_tweepy(client: tweepy.Client, spec: Any) -> None:
    """tweepy raises BadRequest on the 400, whose body is the contract's InvalidRequestProblem."""
    with pytest.raises(tweepy.BadRequest) as raised:
        client.get_users_tweets("2001", max_results=4)
    body = assert_problem(spec, raised.value.response, 400)
    assert body["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert body["errors"][0]["parameters"] == {"max_results": ["4"]}


def test_user_timeline_of_unknown_or_malformed_user(fake: XFake, spec: Any) -> None:
    """An unknown user is 200 with a not-found error; a malformed id is 400."""
    body = call(fake, "GET", "/2/users/42/tweets").json()
    assert_schema(spec, "Get2UsersIdTweetsResponse", body)
    assert body["errors"][0]["detail"] == "Could not find user with id: [42]."
    assert "data" not in body
    bad = assert_problem(spec, call(fake, "GET", "/2/users/alice/tweets"), 400)
    assert bad["errors"][0]["parameters"] == {"id": ["alice"]}
    fake.add_post("@earshot_co hello", author=ALICE)
    assert call(fake, "GET", "/2/users/1000/tweets").json() == {"meta": {"result_count": 0}}


# -- rate limits -------------------------------------------------------------------------------


def test_default_rate_limits_of_the_new_endpoints(client: tweepy.Client, fake: XFake) -> None:
    """Per contracts/x/docs/rate-limits.mdx: users/:id/tweets 10,000/app and 900/user,
    tweets/:id 450 and 900, GET tweets 3,500 and 5,000; POST tweets keeps its own 100."""
    post = fake.add_post("hello", author=ALICE)["id"]
    expected = {
        ALICE_POSTS: ("10000", "900"),
        f"/2/tweets/{post}": ("450", "900"),
        f"/2/tweets?ids={post}": ("3500", "5000"),
    }
    for path, (per_app, per_user) in expected.items():
        assert call(fake, "GET", path).headers["x-rate-limit-limit"] == per_app
        assert call(fake, "GET", path, USER).headers["x-rate-limit-limit"] == per_user
    created = client.create_tweet(text="a post of ours")
    assert created.headers["x-rate-limit-limit"] == "100"
    assert created.headers["x-rate-limit-remaining"] == "99"
    looked_up = call(fake, "GET", f"/2/tweets?ids={post}", USER)
    assert looked_up.headers["x-rate-limit-remaining"] == "4998"


def test_rate_limited_timeline_and_lookups_answer_429_with_headers(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Once a window is used up the next call is 429 Too Many Requests with x-rate-limit-*."""
    post = fake.add_post("hello", author=ALICE)["id"]
    limits = {"/2/users/:id/tweets": {"limit": 2}, "GET /2/tweets": {"limit": 1, "window": 60}}
    assert control(fake, "/_control/config", {"rate_limit": limits}).ok
    fake.set_rate_limit("/2/tweets/:id", 1)
    remaining = [client.get_users_tweets("2001").headers["x-rate-limit-remaining"] for _ in "ab"]
    assert remaining == ["1", "0"]
    with pytest.raises(tweepy.TooManyRequests) as raised:
        client.get_users_tweets("2001")
    refused = raised.value.response
    assert assert_problem(spec, refused, 429) == XFake.problem(429)
    assert (refused.headers["x-rate-limit-limit"], refused.headers["x-rate-limit-remaining"]) == (
        "2",
        "0",
    )
    assert time.time() < int(refused.headers["x-rate-limit-reset"]) <= time.time() + 901
    assert client.get_tweet(post).status_code == 200
    with pytest.raises(tweepy.TooManyRequests):
        client.get_tweet(post)
    assert client.get_tweets([post]).status_code == 200
    many = call(fake, "GET", "/2/tweets", params={"ids": post})
    assert_problem(spec, many, 429)
    assert int(many.headers["x-rate-limit-reset"]) <= time.time() + 61
    assert client.create_tweet(text="posting is limited apart").status_code == 201


# -- GET /2/tweets/:id and GET /2/tweets?ids= --------------------------------------------------


def test_single_lookup_renders_the_thread_fields(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """GET /2/tweets/:id answers `data` as one object, with conversation and reply fields."""
    ours = client.create_tweet(text="We shipped it").json()["data"]["id"]
    reply = fake.add_post(
        "@earshot_co it broke", author=ALICE, referenced_tweets=[{"type": "replied_to", "id": ours}]
    )["id"]
    fields = ["conversation_id", "in_reply_to_user_id", "referenced_tweets", "author_id"]
    body = client.get_tweet(
        reply, tweet_fields=fields, expansions=["referenced_tweets.id", "in_reply_to_user_id"]
    ).json()
    assert_schema(spec, "Get2TweetsIdResponse", body)
    data = body["data"]
    assert (data["id"], data["conversation_id"], data["in_reply_to_user_id"]) == (
        reply,
        ours,
        "1000",
    )
    assert data["referenced_tweets"] == [{"type": "replied_to", "id": ours}]
    assert data["edit_history_tweet_ids"] == [reply]
    assert [post["id"] for post in body["includes"]["tweets"]] == [ours]
    assert [user["username"] for user in body["includes"]["users"]] == ["earshot_co"]
    plain = client.get_tweet(ours).json()
    assert plain == {
        "data": {"id": ours, "text": "We shipped it", "edit_history_tweet_ids": [ours]}
    }


def test_multi_lookup_answers_found_posts_and_one_error_per_missing_id(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """GET /2/tweets?ids= keeps the order asked; each missing id is a not-found error."""
    first = fake.add_post("first", author=ALICE)["id"]
    second = fake.add_post("@alice second", author=BOB)["id"]
    body = client.get_tweets(
        [second, "1234", first, "5678"], tweet_fields=["author_id", "conversation_id"]
    ).json()
    assert_schema(spec, "Get2TweetsResponse", body)
    assert ids_of(body) == [second, first]
    assert body["data"][0]["author_id"] == "2002"
    assert body["errors"] == [tweet_not_found("1234", "ids"), tweet_not_found("5678", "ids")]
    for error in body["errors"]:
        assert_schema(spec, "ResourceNotFoundProblem", error)
    assert client.get_tweets(["1234"]).json() == {"errors": [tweet_not_found("1234", "ids")]}


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (None, "The `ids` query parameter can not be empty"),
        (",".join(["1"] * 101), "The number of values in the `ids` query parameter list [101] is"
         " not between 1 and 100"),
        ("1,abc", "The `ids` query parameter value [abc] is not valid"),
        ("12345678901234567890", "The `ids` query parameter value [12345678901234567890] does not"
         " match ^[0-9]{1,19}$"),
    ],
)  # fmt: skip
def test_multi_lookup_refuses_bad_ids(
    fake: XFake, spec: Any, ids: str | None, message: str
) -> None:
    """Missing, too many or malformed ids are 400 invalid-request; 100 ids are fine."""
    params = {} if ids is None else {"ids": ids}
    body = assert_problem(spec, call(fake, "GET", "/2/tweets", params=params), 400)
    assert [error["message"] for error in body["errors"]] == [message]
    hundred = ",".join(str(n) for n in range(1, 101))
    assert len(call(fake, "GET", "/2/tweets", params={"ids": hundred}).json()["errors"]) == 100


def test_single_lookup_refuses_bad_ids_and_parameters(fake: XFake, spec: Any) -> None:
    """A malformed post id or an unknown parameter is 400 invalid-request."""
    body = assert_problem(spec, call(fake, "GET", "/2/tweets/abc"), 400)
    message = "The `id` query parameter value [abc] is not valid"
    assert body["errors"] == [{"parameters": {"id": ["abc"]}, "message": message}]
    post = fake.add_post("hello")["id"]
    assert_problem(spec, call(fake, "GET", f"/2/tweets/{post}", params={"max_results": 5}), 400)
    assert_problem(spec, call(fake, "GET", f"/2/tweets/{post}", params={"tweet.fields": "x"}), 400)


# -- edits -------------------------------------------------------------------------------------


def test_an_edit_chain_is_seen_as_x_shows_it(client: tweepy.Client, fake: XFake, spec: Any) -> None:
    """Each edit is a new post id; every version lists the chain oldest first; timelines and
    search show only the newest version, lookups still answer every version by its id."""
    original = fake.add_post("@earshot_co the app is brokn", author=ALICE)["id"]
    since = fake.add_post("@earshot_co unrelated", author=BOB)["id"]
    second = fake.edit_post(original, "@earshot_co the app is broken")
    assert second["id"] != original
    assert second["edit_history_tweet_ids"] == [original, second["id"]]
    edited = control(fake, "/_control/posts/edit", {"id": second["id"], "text": "@earshot_co down"})
    assert edited.status_code == 200
    newest = edited.json()["id"]
    chain = [original, second["id"], newest]

    versions = client.get_tweets(chain, tweet_fields=["edit_controls", "conversation_id"]).json()
    assert_schema(spec, "Get2TweetsResponse", versions)
    assert [post["text"] for post in versions["data"]] == [
        "@earshot_co the app is brokn", "@earshot_co the app is broken", "@earshot_co down",
    ]  # fmt: skip
    assert all(post["edit_history_tweet_ids"] == chain for post in versions["data"])
    assert all(post["conversation_id"] == original for post in versions["data"])
    controls = versions["data"][0]["edit_controls"]
    assert (controls["is_edit_eligible"], controls["edits_remaining"]) == (True, 3)

    mentions = client.get_users_mentions("1000", since_id=since).json()
    assert ids_of(mentions) == [newest]
    assert mentions["data"][0]["edit_history_tweet_ids"] == chain
    assert ids_of(client.get_users_mentions("1000").json()) == [newest, since]
    assert ids_of(client.search_recent_tweets("broken OR brokn OR down").json()) == [newest]
    assert ids_of(client.get_users_tweets("2001").json()) == [newest]

    expanded = client.get_tweet(newest, expansions=["edit_history_tweet_ids"]).json()
    assert_schema(spec, "Get2TweetsIdResponse", expanded)
    assert [post["id"] for post in expanded["includes"]["tweets"]] == chain[:2]
    assert client.get_tweet(original).json()["data"]["text"] == "@earshot_co the app is brokn"


def test_edits_x_would_refuse(fake: XFake) -> None:
    """Only the newest version, within 30 minutes, 5 edits at most, not replies to others."""
    post = fake.add_post("@earshot_co v0", author=ALICE)["id"]
    versions = [post]
    for n in range(1, 6):
        versions.append(fake.edit_post(versions[-1], f"@earshot_co v{n}")["id"])
    with pytest.raises(ValueError, match="already edited 5 times"):
        fake.edit_post(versions[-1], "@earshot_co v6")
    with pytest.raises(ValueError, match="not the newest version"):
        fake.edit_post(post, "@earshot_co again")
    old = fake.add_post("old", author=ALICE, created_at=datetime.now(UTC) - timedelta(minutes=31))
    with pytest.raises(ValueError, match="older than 30 minutes"):
        fake.edit_post(old["id"], "too late")
    reply = fake.add_post("hey", author=BOB, referenced_tweets=[{"type": "replied_to", "id": post}])
    with pytest.raises(ValueError, match="reply to someone else"):
        fake.edit_post(reply["id"], "hey!")
    assert reply["edit_controls"]["is_edit_eligible"] is False
    thread = fake.add_post(
        "1/2", author=ALICE, referenced_tweets=[{"type": "replied_to", "id": post}]
    )
    assert fake.edit_post(thread["id"], "1/2 (fixed)")["in_reply_to_user_id"] == "2001"
    refused = control(fake, "/_control/posts/edit", {"id": old["id"], "text": "late"})
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_post")
    unknown = control(fake, "/_control/posts/edit", {"id": "1234", "text": "x"})
    assert (unknown.status_code, unknown.json()["error"]) == (404, "post_not_found")


# -- deletions ---------------------------------------------------------------------------------


def test_a_deleted_post_is_gone_from_every_read(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Deleting any version deletes the chain and its reposts: lookups answer X's Not Found
    error, timelines and search no longer list it; replies to it stay."""
    original = fake.add_post("@earshot_co refund please", author=ALICE)["id"]
    edited = fake.edit_post(original, "@earshot_co refund please!")["id"]
    repost = fake.add_post(
        "RT", author=BOB, referenced_tweets=[{"type": "retweeted", "id": edited}]
    )["id"]
    reply = fake.add_post(
        "@alice same refund", author=BOB, referenced_tweets=[{"type": "replied_to", "id": edited}]
    )["id"]
    deleted = control(fake, "/_control/posts/delete", {"id": edited})
    assert deleted.json() == {"deleted": [original, edited, repost]}

    for gone in (original, edited):
        response = client.get_tweet(gone)
        assert response.status_code == 200
        assert response.json() == {"errors": [tweet_not_found(gone)]}
        assert_schema(spec, "Get2TweetsIdResponse", response.json())
    both = client.get_tweets([edited, reply]).json()
    assert ids_of(both) == [reply]
    assert both["errors"] == [tweet_not_found(edited, "ids")]

    assert ids_of(client.get_users_mentions("1000").json()) == []
    assert ids_of(client.get_users_tweets("2001").json()) == []
    assert ids_of(client.get_users_tweets("2002").json()) == [reply]
    assert ids_of(client.search_recent_tweets("refund").json()) == [reply]
    expanded = client.get_tweet(reply, expansions=["referenced_tweets.id"]).json()
    assert expanded["errors"][0]["resource_id"] == edited
    assert expanded["errors"][0]["parameter"] == "referenced_tweets.id"
    assert [post["id"] for post in fake.all_posts()] == [reply]

    again = control(fake, "/_control/posts/delete", {"id": original})
    assert (again.status_code, again.json()["error"]) == (404, "post_not_found")
    with pytest.raises(ValueError, match="taken"):
        fake.add_post("reborn", post_id=original)


def test_a_reply_to_a_deleted_post_is_refused(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Replying to a deleted post is 403, the same answer as for a post that never existed."""
    mention = fake.add_post("@earshot_co help", author=ALICE)["id"]
    fake.delete_post(mention)
    with pytest.raises(tweepy.Forbidden) as raised:
        client.create_tweet(text="@alice on it", in_reply_to_tweet_id=mention)
    assert assert_problem(spec, raised.value.response, 403)["detail"] == REPLY_TARGET_GONE
    assert fake.posts_by_us() == []
    ours = client.create_tweet(text="our announcement").json()["data"]["id"]
    assert fake.delete_post(ours) == [ours]
    assert fake.posts_by_us() == []
    assert client.create_tweet(text="our announcement").status_code == 201
    with pytest.raises(tweepy.NotFound):
        client.retweet(mention)
    assert call(fake, "GET", f"/2/tweets/{mention}", APP).json() == {
        "errors": [tweet_not_found(mention)]
    }
