"""Contract tests: the X fake answers like X API v2 (OpenAPI schemas, errors, limits) over HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import tweepy
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sandbox.x_api import XFake
from bot.sandbox.x_data import XStore, XUser
from bot.sandbox.x_query import QueryError, matches, parse_query
from bot.sandbox.x_writes import REPLY_NOT_ALLOWED, REPLY_TARGET_GONE, TOO_LONG
from tests.integration.x_fake.contract import USER, assert_problem, assert_schema, call

MENTIONS = "/2/users/1000/mentions"
SEARCH = "/2/tweets/search/recent"


def test_users_me_answers_the_authenticated_user(client: tweepy.Client, spec: Any) -> None:
    """GET /2/users/me answers our account with the requested user.fields, schema-valid."""
    response = client.get_me(user_fields=["public_metrics", "verified"])
    assert_schema(spec, "Get2UsersMeResponse", response.json())
    data = response.json()["data"]
    assert (data["id"], data["username"], data["verified"]) == ("1000", "earshot_co", False)
    assert set(data["public_metrics"]) >= {"followers_count", "tweet_count", "listed_count"}


def test_mentions_return_requested_fields_and_expanded_authors(fake: XFake, spec: Any) -> None:
    """Mentions hold @mentions (any case) and replies to us, with only the fields asked for."""
    ours = fake.add_post("our launch post", author=("1000", "earshot_co", "Earshot Co"))
    first = fake.add_post("hi @EARSHOT_CO it broke", followers=42, verified=True)
    fake.add_post("no mention of earshot_co here", author=("2002", "bob", "Bob"))
    reply = fake.add_post("love it", referenced_tweets=[{"type": "replied_to", "id": ours["id"]}])
    params = {
        "tweet.fields": "author_id,created_at,conversation_id,entities,referenced_tweets",
        "expansions": "author_id",
        "user.fields": "public_metrics,verified,verified_type",
    }
    body = call(fake, "GET", MENTIONS, params=params).json()
    assert_schema(spec, "Get2UsersIdMentionsResponse", body)
    assert [post["id"] for post in body["data"]] == [reply["id"], first["id"]]
    assert set(body["data"][1]) == {"id", "text", "edit_history_tweet_ids", "author_id",
                                    "created_at", "conversation_id", "entities"}  # fmt: skip
    assert body["data"][0]["conversation_id"] == ours["id"]
    [alice] = body["includes"]["users"]
    assert alice["public_metrics"]["followers_count"] == 42
    assert (alice["verified"], alice["verified_type"]) == (True, "blue")
    plain = call(fake, "GET", MENTIONS).json()
    assert set(plain["data"][0]) == {"id", "text", "edit_history_tweet_ids"}
    assert plain["meta"] == {"result_count": 2, "newest_id": reply["id"], "oldest_id": first["id"]}


def test_empty_mentions_and_unknown_users(fake: XFake, spec: Any) -> None:
    """No mentions = only meta.result_count 0; an unknown user id = 200 with a not-found error."""
    assert call(fake, "GET", MENTIONS).json() == {"meta": {"result_count": 0}}
    body = call(fake, "GET", "/2/users/42/mentions").json()
    assert_schema(spec, "ResourceNotFoundProblem", body["errors"][0])
    assert "data" not in body


def test_mentions_pages_are_newest_first_without_loss_or_repeat(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Paging with since_id yields every newer mention once; posts arriving mid-way wait for
    the next poll, whose since_id is the first page's newest_id."""
    ids = [fake.add_post(f"@earshot_co number {n}")["id"] for n in range(23)]
    seen, token, newest = [], None, None
    while True:
        page = client.get_users_mentions(
            "1000", since_id=ids[4], max_results=5, pagination_token=token, user_auth=True
        ).json()
        assert_schema(spec, "Get2UsersIdMentionsResponse", page)
        newest = newest or page["meta"]["newest_id"]
        seen += [post["id"] for post in page["data"]]
        fake.add_post("@earshot_co arrived while paging")
        token = page["meta"].get("next_token")
        if token is None:
            break
    assert seen == ids[5:][::-1]
    later = client.get_users_mentions("1000", since_id=newest, max_results=100).json()
    assert later["meta"]["result_count"] == 4


@settings(max_examples=15, deadline=None)
@given(count=st.integers(0, 30), size=st.integers(5, 12), since=st.integers(-1, 29))
def test_any_paging_returns_each_mention_once(
    server: XFake, count: int, size: int, since: int
) -> None:
    """For any number of mentions, page size and since_id, pages concatenate to the timeline."""
    server.reset()
    ids = [server.add_post(f"@earshot_co {n}")["id"] for n in range(count)]
    params: dict[str, Any] = {"max_results": size}
    if 0 <= since < count:
        params["since_id"] = ids[since]
    seen: list[str] = []
    while True:
        page = call(server, "GET", MENTIONS, params=params).json()
        seen += [post["id"] for post in page.get("data", [])]
        if "next_token" not in page["meta"]:
            break
        params["pagination_token"] = page["meta"]["next_token"]
    assert seen == ids[since + 1 if 0 <= since < count else 0 :][::-1]


def test_only_the_800_most_recent_mentions_are_reachable(fake: XFake) -> None:
    """The mentions timeline stops at the 800 most recent mentions."""
    ids = [fake.add_post(f"@earshot_co {n}")["id"] for n in range(805)]
    params: dict[str, Any] = {"max_results": 100}
    seen: list[str] = []
    while True:
        page = call(fake, "GET", MENTIONS, params=params).json()
        seen += [post["id"] for post in page["data"]]
        if "next_token" not in page["meta"]:
            break
        params["pagination_token"] = page["meta"]["next_token"]
    assert seen == ids[5:][::-1]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (MENTIONS, {"max_results": 4}, 400),
        (MENTIONS, {"max_results": 5}, 200),
        (MENTIONS, {"max_results": 100}, 200),
        (MENTIONS, {"max_results": 101}, 400),
        (SEARCH, {"query": "earshot", "max_results": 9}, 400),
        (SEARCH, {"query": "earshot", "max_results": 10}, 200),
        (SEARCH, {"query": "earshot", "max_results": 101}, 400),
    ],
)
def test_max_results_bounds(fake: XFake, spec: Any, path: str, params: Any, status: int) -> None:
    """max_results is 5-100 on mentions and 10-100 on search; outside is invalid-request."""
    response = call(fake, "GET", path, params=params)
    assert response.status_code == status
    if status == 400:
        body = assert_problem(spec, response, 400)
        assert body["errors"][0]["parameters"] == {"max_results": [str(params["max_results"])]}
        assert body["detail"] == "One or more parameters to your request was invalid."


def test_unknown_parameters_and_fields_are_invalid_requests(fake: XFake, spec: Any) -> None:
    """Typos in parameter names or field values are refused, as X refuses them."""
    for params in ({"maxresults": 5}, {"tweet.fields": "author"}, {"expansions": "author"}):
        assert_problem(spec, call(fake, "GET", MENTIONS, params=params), 400)


def test_rate_limit_headers_count_down_to_429(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Every /2 answer carries x-rate-limit-*; once remaining is 0 the next call gets 429."""
    config = {"rate_limit": {"/2/users/:id/mentions": {"limit": 2}}}
    assert requests.post(fake.base_url + "/_control/config", json=config, timeout=5).ok
    remaining = [call(fake, "GET", MENTIONS).headers["x-rate-limit-remaining"] for _ in "ab"]
    assert remaining == ["1", "0"]
    refused = call(fake, "GET", MENTIONS)
    assert assert_problem(spec, refused, 429) == XFake.problem(429)
    assert refused.json()["title"] == "Too Many Requests"
    assert refused.headers["x-rate-limit-limit"] == "2"
    assert time.time() < int(refused.headers["x-rate-limit-reset"]) <= time.time() + 901
    with pytest.raises(tweepy.TooManyRequests):
        client.get_users_mentions("1000")


def test_default_limits_and_the_fifteen_minute_window(fake: XFake) -> None:
    """Mentions allow 450/app and 300/user, users/me 75/user; a window reopens after 15 min."""
    assert call(fake, "GET", MENTIONS).headers["x-rate-limit-limit"] == "450"
    assert call(fake, "GET", MENTIONS, USER).headers["x-rate-limit-limit"] == "300"
    assert call(fake, "GET", "/2/users/me", USER).headers["x-rate-limit-limit"] == "75"
    now = time.time()
    fake.clock = lambda: now
    fake.set_rate_limit("/2/users/me", 1)
    assert call(fake, "GET", "/2/users/me", USER).status_code == 200
    assert call(fake, "GET", "/2/users/me", USER).status_code == 429
    fake.clock = lambda: now + 901
    assert call(fake, "GET", "/2/users/me", USER).status_code == 200


def test_missing_or_revoked_credentials_are_unauthorized(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """No Authorization header, or a revoked token, answers 401 Unauthorized."""
    bare = requests.get(fake.base_url + MENTIONS, timeout=5)
    assert assert_problem(spec, bare, 401) == {
        "title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized",
    }  # fmt: skip
    requests.post(
        fake.base_url + "/_control/config", json={"revoked_token": "app-bearer"}, timeout=5
    )
    assert_problem(spec, call(fake, "GET", MENTIONS), 401)
    fake.revoked_token = "1000-tok"
    with pytest.raises(tweepy.Unauthorized):
        client.get_me()


def test_app_only_bearer_cannot_write(fake: XFake, spec: Any) -> None:
    """Posting with an app-only Bearer token is 403 unsupported-authentication."""
    response = call(fake, "POST", "/2/tweets", json={"text": "hello"})
    body = assert_problem(spec, response, 403)
    assert body["type"] == "https://api.twitter.com/2/problems/unsupported-authentication"


def test_created_posts_are_stored_and_duplicates_forbidden(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """POST /2/tweets answers 201 and stores our post; the same text again is 403."""
    created = client.create_tweet(text="Thanks for flagging!")
    assert created.status_code == 201
    assert_schema(spec, "TweetCreateResponse", created.json())
    [stored] = fake.posts_by_us()
    assert (stored["id"], stored["author_id"]) == (created.json()["data"]["id"], "1000")
    listed = requests.get(fake.base_url + "/_control/posts", timeout=5).json()["posts"]
    assert [post["id"] for post in listed] == [stored["id"]]
    again = call(fake, "POST", "/2/tweets", USER, json={"text": "Thanks for flagging!"})
    assert assert_problem(spec, again, 403) == {
        "detail": "You are not allowed to create a Tweet with duplicate content.",
        "type": "about:blank", "title": "Forbidden", "status": 403,
    }  # fmt: skip


def test_self_serve_replies_need_to_be_summoned(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """On self-serve a reply needs the post to @mention us or quote us; Enterprise is exempt."""
    ours = client.create_tweet(text="We shipped it").json()["data"]["id"]
    mention = fake.add_post("@earshot_co is it fixed?")["id"]
    stranger = fake.add_post("earshot is slow", author=("2002", "bob", "Bob"))["id"]
    quote = fake.add_post("nice", referenced_tweets=[{"type": "quoted", "id": ours}])["id"]
    assert client.create_tweet(text="Yes!", in_reply_to_tweet_id=mention).status_code == 201
    assert client.create_tweet(text="Glad!", in_reply_to_tweet_id=quote).status_code == 201
    reply = {"text": "Sorry!", "reply": {"in_reply_to_tweet_id": stranger}}
    refused = call(fake, "POST", "/2/tweets", USER, json=reply)
    assert assert_problem(spec, refused, 403)["detail"] == REPLY_NOT_ALLOWED
    fake.set_tier("enterprise")
    assert client.create_tweet(text="Sorry!", in_reply_to_tweet_id=stranger).status_code == 201


def test_reply_to_an_unknown_post_is_forbidden(fake: XFake, spec: Any) -> None:
    """Replying to a post that does not exist (deleted) is 403, as X answers."""
    body = {"text": "hello", "reply": {"in_reply_to_tweet_id": "1234"}}
    response = call(fake, "POST", "/2/tweets", USER, json=body)
    assert assert_problem(spec, response, 403)["detail"] == REPLY_TARGET_GONE


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("字" * 140, 201),
        ("字" * 141, 400),
        ("a" * 280, 201),
        ("a" * 281, 400),
        ("https://earshot.co/" + "x" * 300 + " " + "a" * 256, 201),
    ],
)
def test_weighted_length_limit(fake: XFake, spec: Any, text: str, status: int) -> None:
    """Posts may weigh 280 (CJK counts 2, a URL 23); heavier ones are 400 invalid-request."""
    response = call(fake, "POST", "/2/tweets", USER, json={"text": text})
    assert response.status_code == status
    if status == 400:
        assert assert_problem(spec, response, 400)["errors"] == [{"message": TOO_LONG}]


def test_quote_posts_need_enterprise(fake: XFake, spec: Any) -> None:
    """quote_tweet_id is 403 client-forbidden on self-serve and accepted on Enterprise."""
    quoted = fake.add_post("great thread")["id"]
    body = {"text": "worth reading", "quote_tweet_id": quoted}
    assert_problem(spec, call(fake, "POST", "/2/tweets", USER, json=body), 403)
    fake.set_tier("enterprise")
    assert call(fake, "POST", "/2/tweets", USER, json=body).status_code == 201


def test_likes_need_enterprise_and_reposts_do_not(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """Likes are 403 on self-serve (removed 2026-04-20); reposts work on every tier."""
    post = fake.add_post("@earshot_co you rock")["id"]
    with pytest.raises(tweepy.Forbidden):
        client.like(post)
    unlike = call(fake, "DELETE", f"/2/users/1000/likes/{post}", USER)
    assert assert_problem(spec, unlike, 403)["type"].endswith("/client-forbidden")
    reposted = client.retweet(post)
    assert_schema(spec, "UsersRetweetsCreateResponse", reposted.json())
    assert reposted.json() == {"data": {"retweeted": True}}
    undone = client.unretweet(post).json()
    assert_schema(spec, "UsersRetweetsDeleteResponse", undone)
    assert undone == {"data": {"retweeted": False}}
    fake.set_tier("enterprise")
    liked = client.like(post).json()
    assert_schema(spec, "UsersLikesCreateResponse", liked)
    assert (liked, fake.config()["likes"]) == ({"data": {"liked": True}}, [post])
    assert client.unlike(post).json() == {"data": {"liked": False}}
    assert_problem(
        spec, call(fake, "POST", "/2/users/1000/likes", USER, json={"tweet_id": "9"}), 404
    )


def _corpus() -> tuple[XStore, dict[str, Any]]:
    store = XStore(XUser("1000", "earshot_co", "Earshot Co"))
    alice = store.upsert_user("2001", "alice", "Alice")
    bob = store.upsert_user("2002", "bob", "Bob")
    posts = {"a": store.add_post("Love the new Earshot dashboard", alice)}
    posts["b"] = store.add_post("earshot is down again #Outage @earshot_co", bob)
    posts["c"] = store.add_post("Le tableau de bord est génial", alice, lang="fr")
    retweet = [{"type": "retweeted", "id": posts["a"].id}]
    posts["d"] = store.add_post(
        "RT @alice: Love the new Earshot dashboard", bob, referenced_tweets=retweet
    )
    reply = [{"type": "replied_to", "id": posts["b"].id}]
    posts["e"] = store.add_post("same here, earshot down", alice, referenced_tweets=reply)
    posts["f"] = store.add_post(
        "so true", bob, referenced_tweets=[{"type": "quoted", "id": posts["a"].id}]
    )
    posts["g"] = store.add_post("earshotting is not a word", alice)
    return store, posts


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("earshot", "abde"),
        ("EarShot -is:retweet", "abe"),
        ('"new earshot"', "ad"),
        ("@earshot_co", "b"),
        ("@bob", "e"),
        ("@alice", "d"),
        ("#outage", "b"),
        ("from:alice", "aceg"),
        ("from:2002 is:quote", "f"),
        ("earshot is:reply", "e"),
        ("(from:alice OR from:bob) down", "be"),
        ("dashboard OR outage earshot", "abd"),
        ("genial lang:fr", "c"),
        ("word -earshotting", ""),
    ],
)
def test_search_matcher(query: str, expected: str) -> None:
    """The query matcher: words on word boundaries, phrases, entities, from:, is:, lang:, OR, -."""
    _, posts = _corpus()
    node = parse_query(query)
    assert "".join(key for key, post in posts.items() if matches(node, post)) == expected


@pytest.mark.parametrize(
    "query",
    ["-earshot", "is:reply", "lang:en OR earshot", "has:media cats", "min_faves:10 cats",
     '"open phrase', "skiing -(snow OR day)", "(a OR b", "a )", "a OR", ""],
)  # fmt: skip
def test_search_matcher_refuses_what_x_refuses(query: str) -> None:
    """Negation-only, conjunction-only, unknown or unimplemented operators and bad syntax fail."""
    with pytest.raises(QueryError, match="There were errors processing your request"):
        parse_query(query)


def test_search_endpoint(client: tweepy.Client, fake: XFake, spec: Any) -> None:
    """Recent search pages newest first, hides reposts from keyword queries since 2026-05-04,
    skips posts older than seven days and validates the query."""
    original = fake.add_post("the dashboard is great")["id"]
    fake.add_post(
        "RT: the dashboard is great", referenced_tweets=[{"type": "retweeted", "id": original}]
    )
    old = datetime.now(UTC) - timedelta(days=8)
    fake.add_post("dashboard of old", created_at=old)
    ids = [fake.add_post(f"dashboard tip {n}")["id"] for n in range(12)]
    first = client.search_recent_tweets("dashboard", max_results=10).json()
    assert_schema(spec, "Get2TweetsSearchRecentResponse", first)
    second = client.search_recent_tweets("dashboard", next_token=first["meta"]["next_token"]).json()
    found = [post["id"] for post in first["data"] + second["data"]]
    assert found == [*ids[::-1], original]
    assert "next_token" not in second["meta"]
    reposts = call(fake, "GET", SEARCH, params={"query": "from:alice is:retweet"}).json()
    assert reposts["meta"]["result_count"] == 1
    for bad in ({"query": "x" * 513}, {}, {"query": "-dashboard"}):
        assert_problem(spec, call(fake, "GET", SEARCH, params=bad), 400)


def test_injected_outage_through_the_control_api(
    client: tweepy.Client, fake: XFake, spec: Any
) -> None:
    """A fault injected over /_control/faults answers X's 503 problem once, then service resumes."""
    fault = {"path": MENTIONS, "status": 503}
    assert requests.post(fake.base_url + "/_control/faults", json=fault, timeout=5).ok
    outage = call(fake, "GET", MENTIONS)
    assert assert_problem(spec, outage, 503) == {
        "title": "Service Unavailable", "detail": "Service Unavailable",
        "type": "about:blank", "status": 503,
    }  # fmt: skip
    assert "x-rate-limit-remaining" in outage.headers
    assert call(fake, "GET", MENTIONS).status_code == 200
    fake.inject(XFake.fault("/2/tweets", 503))
    with pytest.raises(tweepy.TwitterServerError):
        client.create_tweet(text="during an outage")


def test_control_api_adds_posts_and_sets_config(fake: XFake) -> None:
    """Another process can seed posts and switch tier through /_control endpoints."""
    seeded = requests.post(
        fake.base_url + "/_control/posts",
        json={"text": "@earshot_co hello", "author": ["2009", "zed", "Zed"], "followers": 5},
        timeout=5,
    ).json()
    assert seeded["author_id"] == "2009"
    assert call(fake, "GET", MENTIONS).json()["data"][0]["id"] == seeded["id"]
    config = requests.post(
        fake.base_url + "/_control/config", json={"tier": "enterprise"}, timeout=5
    )
    assert config.json()["tier"] == fake.tier == "enterprise"
