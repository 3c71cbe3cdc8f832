"""Contract tests: the Bluesky fake answers like the AT Protocol services, driven by the real
`atproto` SDK (0.0.73) over loopback HTTP, with raw HTTP where the SDK would hide the wire.

Contract: ../shared/contracts/bluesky/KEY-FACTS.md and the lexicons beside it. Response shapes are
checked by the SDK's own models, with its strict string formats (DID, handle, AT-URI, CID,
datetime) switched on where a test says so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from atproto import CID, Client, Session, SessionEvent, models
from atproto_client import exceptions
from atproto_client.models.utils import get_or_create

from bot.sandbox.bluesky_api import BRAND_HANDLE, BRAND_PASSWORD, BlueskyFake

NOTIFICATIONS = "app.bsky.notification.listNotifications"
LIKE, REPOST = "app.bsky.feed.like", "app.bsky.feed.repost"


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[BlueskyFake]:
    fake = BlueskyFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server: BlueskyFake) -> BlueskyFake:
    server.reset()
    return server


def sdk(fake: BlueskyFake) -> Client:
    """A real SDK client built the way Earshot builds it (the SDK appends /xrpc if missing)."""
    return Client(base_url=fake.base_url + "/xrpc")


@pytest.fixture
def client(fake: BlueskyFake) -> Iterator[Client]:
    """The SDK, logged in as the brand with its app password."""
    api = sdk(fake)
    api.login(BRAND_HANDLE, BRAND_PASSWORD)
    yield api
    api.request.close()


@pytest.fixture
def http(fake: BlueskyFake) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url + "/xrpc/") as raw:
        yield raw


def login_raw(http: httpx.Client) -> dict[str, Any]:
    response = http.post(
        "com.atproto.server.createSession",
        json={"identifier": BRAND_HANDLE, "password": BRAND_PASSWORD},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def xrpc_error(excinfo: pytest.ExceptionInfo[exceptions.RequestErrorBase]) -> tuple[int, str, str]:
    """(status, error, message) of an SDK exception raised from an XRPC error response."""
    response = excinfo.value.response
    assert response is not None
    content = response.content
    assert isinstance(content, models.common.XrpcError), content
    return response.status_code, content.error, content.message or ""


def notifications(
    api: Client, **params: Any
) -> models.AppBskyNotificationListNotifications.Response:
    return api.app.bsky.notification.list_notifications(params or None)


def strict(body: Any, model: type[Any]) -> Any:
    """Parse a raw body with the SDK's model, validating every string format."""
    return get_or_create(body, model, strict=True, strict_string_format=True)


# -- sessions ---------------------------------------------------------------------------------


def test_login_with_the_app_password_by_handle_or_email(fake: BlueskyFake) -> None:
    """createSession takes the handle or the email; the SDK then follows the DID document's
    PDS endpoint (this fake) and fetches the profile it keeps as `me`."""
    for identifier in (BRAND_HANDLE, "social@earshot.example", "EarShot.bsky.social"):
        api = sdk(fake)
        profile = api.login(identifier, BRAND_PASSWORD)
        assert profile is not None
        assert (profile.did, profile.handle) == (fake.brand_did, BRAND_HANDLE)
        assert profile.did.startswith("did:plc:")
        session = api.com.atproto.server.get_session()
        assert (session.did, session.handle, session.active) == (fake.brand_did, BRAND_HANDLE, True)
        api.request.close()


def test_session_bodies_have_the_lexicon_shape(fake: BlueskyFake, http: httpx.Client) -> None:
    """createSession / refreshSession answer jwt-shaped tokens with a real `exp` (the SDK reads
    it) and a DID document naming the PDS."""
    created = strict(login_raw(http), models.ComAtprotoServerCreateSession.Response)
    claims = Session(BRAND_HANDLE, created.did, created.access_jwt, created.refresh_jwt)
    assert claims.access_jwt_payload.scope == "com.atproto.appPass"
    assert 7190 <= claims.access_jwt_payload.exp - time.time() <= 7200
    assert claims.refresh_jwt_payload.scope == "com.atproto.refresh"
    assert created.did_doc["service"][0]["serviceEndpoint"] == fake.base_url
    refreshed = http.post("com.atproto.server.refreshSession", headers=bearer(created.refresh_jwt))
    fresh = strict(refreshed.json(), models.ComAtprotoServerRefreshSession.Response)
    assert fresh.access_jwt != created.access_jwt and fresh.refresh_jwt != created.refresh_jwt


def test_a_wrong_password_is_refused_with_a_clear_error(fake: BlueskyFake) -> None:
    """401 AuthenticationRequired "Invalid identifier or password", for a wrong password and
    for an account that does not exist alike; the SDK raises UnauthorizedError."""
    for identifier, password in ((BRAND_HANDLE, "wxyz-wxyz-wxyz-wxyz"), ("nobody.test", "x")):
        api = sdk(fake)
        with pytest.raises(exceptions.UnauthorizedError) as excinfo:
            api.login(identifier, password)
        assert xrpc_error(excinfo) == (
            401,
            "AuthenticationRequired",
            "Invalid identifier or password",
        )
        api.request.close()
    fake.set_password("new1-new2-new3-new4")
    api = sdk(fake)
    with pytest.raises(exceptions.UnauthorizedError):
        api.login(BRAND_HANDLE, BRAND_PASSWORD)
    assert api.login(BRAND_HANDLE, "new1-new2-new3-new4") is not None
    api.request.close()


def test_the_sdk_refreshes_an_expiring_access_token_by_itself(fake: BlueskyFake) -> None:
    """The SDK decodes the access token's `exp` before each call and refreshes (Bearer =
    refreshJwt) when less than 15 minutes remain; with a 10-minute lifetime that is every
    call, and each refresh hands out a new pair that the next call uses."""
    fake.set_token_lifetimes(access_seconds=600)
    events: list[SessionEvent] = []
    api = sdk(fake)
    api.on_session_change(lambda event, _: events.append(event))
    api.login(BRAND_HANDLE, BRAND_PASSWORD)  # createSession, then a refresh before getProfile
    fake.add_post("alice.bsky.social", "hello")
    assert len(notifications(api).notifications) == 1
    assert events == [SessionEvent.CREATE, SessionEvent.REFRESH, SessionEvent.REFRESH]
    refreshes = fake.calls_to("/xrpc/com.atproto.server.refreshSession")
    assert len(refreshes) == 2
    api.request.close()


def test_an_expired_access_token_is_400_expired_token_and_refresh_recovers(
    fake: BlueskyFake, client: Client
) -> None:
    """When the server expires a token whose `exp` the SDK still trusts, the call fails with
    400 ExpiredToken (BadRequestError; the SDK does not retry). refreshSession with the refresh
    token gives a new pair that works."""
    fake.expire_tokens()
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        notifications(client)
    assert xrpc_error(excinfo) == (400, "ExpiredToken", "Token has expired")
    assert fake.calls_to("/xrpc/com.atproto.server.refreshSession") == []
    old = Session.decode(client.export_session_string())
    fresh = client.com.atproto.server.refresh_session(headers=bearer(old.refresh_jwt))
    client.login(session_string=Session(fresh.handle, fresh.did, fresh.access_jwt,
                                        fresh.refresh_jwt, old.pds_endpoint).export())  # fmt: skip
    assert notifications(client).notifications == []


def test_missing_bad_and_expired_refresh_tokens(fake: BlueskyFake, http: httpx.Client) -> None:
    """No token: 401 AuthMissing. A refresh token where an access token belongs (or the other
    way round), or garbage: 400 InvalidToken. An expired refresh token: 400 ExpiredToken."""
    tokens = login_raw(http)
    assert http.get(NOTIFICATIONS).json() == {
        "error": "AuthMissing", "message": "Authentication Required"}  # fmt: skip
    assert http.get(NOTIFICATIONS).status_code == 401
    for path, token in ((NOTIFICATIONS, tokens["refreshJwt"]), (NOTIFICATIONS, "garbage"),
                        ("com.atproto.server.refreshSession", tokens["accessJwt"])):  # fmt: skip
        response = http.request("GET" if path == NOTIFICATIONS else "POST", path,
                                headers=bearer(token))  # fmt: skip
        assert (response.status_code, response.json()["error"]) == (400, "InvalidToken")
    fake.expire_tokens(refresh=True)
    response = http.post("com.atproto.server.refreshSession", headers=bearer(tokens["refreshJwt"]))
    assert (response.status_code, response.json()["error"]) == (400, "ExpiredToken")


# -- notifications ----------------------------------------------------------------------------


def test_notifications_are_newest_first_and_the_cursor_walks_to_older_pages(
    fake: BlueskyFake, client: Client
) -> None:
    """Pages of `limit`, newest first; the cursor only goes older, so a mention arriving while
    paging shows on the next first page, not in the walk; the last page is followed by an
    empty one without a cursor (the reference returns a cursor for every non-empty page)."""
    uris = [fake.add_post("alice.bsky.social", f"number {n}")["uri"] for n in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = notifications(client, limit=3, cursor=cursor)
        seen += [item.uri for item in page.notifications]
        fake.add_post("bob.bsky.social", "arrived while paging")
        pages += 1
        if page.cursor is None:
            break
        cursor = page.cursor
    assert seen == uris[::-1]
    assert pages == 4  # 3 + 3 + 1, then an empty page
    newest = notifications(client, limit=50).notifications
    assert [n.record.text for n in newest[:4]] == ["@earshot.bsky.social arrived while paging"] * 4
    first = newest[-1]
    assert (first.reason, first.author.handle, first.is_read) == ("mention", "alice.bsky.social",
                                                                   False)  # fmt: skip


def test_a_mention_notifies_only_with_a_mention_facet_of_the_brand_did(
    fake: BlueskyFake, client: Client
) -> None:
    """Plain "@handle" text notifies no one; the facet with the brand's DID does."""
    fake.add_post("alice.bsky.social", "@earshot.bsky.social plain text", mention_brand=False)
    assert notifications(client).notifications == []
    fake.add_post("alice.bsky.social", "hi @earshot.bsky.social")
    [item] = notifications(client).notifications
    facet = item.record.facets[0]
    assert facet.features[0].did == fake.brand_did
    assert (facet.index.byte_start, facet.index.byte_end) == (3, 23)


def test_one_notification_per_post_mention_before_quote_before_reply(
    fake: BlueskyFake, client: Client
) -> None:
    """A recipient gets one notification per post: mention first, then quote, then reply."""
    ours = client.send_post("our launch post")
    both = fake.add_post("alice.bsky.social", "mention and reply", reply_to=ours.uri)
    quote = fake.add_post("bob.bsky.social", "look at this", quote=ours.uri, mention_brand=False)
    reply = fake.add_post("carol.bsky.social", "a plain reply", reply_to=ours.uri,
                          mention_brand=False)  # fmt: skip
    deep = fake.add_post("dave.bsky.social", "reply to a reply", reply_to=reply["uri"],
                         mention_brand=False)  # fmt: skip
    found = [(n.uri, n.reason, n.reason_subject) for n in notifications(client).notifications]
    assert found == [
        (deep["uri"], "reply", ours.uri),
        (reply["uri"], "reply", ours.uri),
        (quote["uri"], "quote", ours.uri),
        (both["uri"], "mention", None),
    ]


def test_the_reasons_filter_applies_after_the_page_is_fetched(
    fake: BlueskyFake, client: Client
) -> None:
    """`reasons` (a repeated parameter) filters each page of `limit` after fetching: pages may
    hold fewer items, even none, while the cursor still leads on."""
    ours = client.send_post("our post")
    fake.add_like("alice.bsky.social", ours.uri)
    fake.add_like("bob.bsky.social", ours.uri)
    wanted = [fake.add_post("carol.bsky.social", "mention")["uri"]]
    fake.add_repost("dave.bsky.social", ours.uri)
    wanted.append(fake.add_post("erin.bsky.social", "reply", reply_to=ours.uri,
                                mention_brand=False)["uri"])  # fmt: skip
    first = notifications(client, limit=2, reasons=["mention", "reply"])
    assert [n.reason for n in first.notifications] == ["reply"]  # the repost was filtered out
    second = notifications(client, limit=2, reasons=["mention", "reply"], cursor=first.cursor)
    assert [n.reason for n in second.notifications] == ["mention"]
    third = notifications(client, limit=2, reasons=["mention", "reply"], cursor=second.cursor)
    assert third.notifications == [] and third.cursor is not None  # two likes, filtered out
    call = fake.calls_to("/xrpc/" + NOTIFICATIONS)[-1]
    assert call["query"]["reasons"] == "reply"  # repeated: reasons=mention&reasons=reply
    everything = notifications(client, limit=10, reasons=["mention", "reply"])
    assert [n.uri for n in everything.notifications] == wanted[::-1]


def test_the_seen_at_parameter_is_refused_and_update_seen_marks_read(
    fake: BlueskyFake, client: Client
) -> None:
    """listNotifications?seenAt= is 400 "The seenAt parameter is unsupported"; updateSeen
    (no output) marks what was indexed before seenAt as read."""
    fake.add_post("alice.bsky.social", "first")
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        notifications(client, seen_at="2024-01-01T00:00:00Z")
    assert xrpc_error(excinfo) == (400, "InvalidRequest", "The seenAt parameter is unsupported")
    seen_at = client.get_current_time_iso()
    assert client.app.bsky.notification.update_seen({"seen_at": seen_at}) is True
    fake.add_post("bob.bsky.social", "second")
    page = notifications(client)
    assert [n.is_read for n in page.notifications] == [False, True]
    assert page.seen_at is not None


# -- posting ----------------------------------------------------------------------------------


def test_a_reply_to_a_mention_in_a_thread_lands_with_its_root_and_parent(
    fake: BlueskyFake, client: Client
) -> None:
    """Replying to a mention that was itself a reply: root = the mention's record.reply.root,
    parent = the mention. The reply shows in the thread under it."""
    root = fake.add_post("alice.bsky.social", "the thread starts", mention_brand=False)
    fake.add_post("bob.bsky.social", "this broke for me", reply_to=root["uri"])
    [item] = notifications(client).notifications
    assert item.record.reply.root.uri == root["uri"]
    ref = models.AppBskyFeedPost.ReplyRef(root=item.record.reply.root,
                                          parent=models.create_strong_ref(item))  # fmt: skip
    sent = client.send_post("sorry, fixing it", reply_to=ref)
    [ours] = fake.posts()
    assert (ours["uri"], ours["cid"]) == (sent.uri, sent.cid)
    assert ours["value"]["reply"]["root"]["uri"] == root["uri"]
    assert ours["value"]["reply"]["parent"] == {"$type": "com.atproto.repo.strongRef",
                                                "uri": item.uri, "cid": item.cid}  # fmt: skip
    thread = client.get_post_thread(item.uri).thread
    assert thread.parent.post.uri == root["uri"]
    assert [r.post.uri for r in thread.replies] == [sent.uri]
    assert thread.post.reply_count == 1


def test_a_reply_with_a_wrong_cid_unknown_parent_or_wrong_root_is_refused(
    fake: BlueskyFake, client: Client
) -> None:
    """400 InvalidRequest naming the field: a cid that is not the parent's, a parent that does
    not exist, a root that is not the thread's (the official example's root = parent bug)."""
    root = fake.add_post("alice.bsky.social", "root")
    child = fake.add_post("bob.bsky.social", "child", reply_to=root["uri"])
    other = fake.add_post("carol.bsky.social", "unrelated")
    gone = dict(child, uri=child["uri"].rsplit("/", 1)[0] + "/3kzzzzzzzzz22")
    cases = [  # (what the message says, root, parent)
        ("Record/reply/parent/cid", root, dict(child, cid=other["cid"])),
        ("Record/reply/parent/uri names a record that does not exist", root, gone),
        ("Record/reply/root must be the root of the parent's thread", child, child),
    ]
    for expected, root_ref, parent_ref in cases:
        ref = models.AppBskyFeedPost.ReplyRef(
            root=models.ComAtprotoRepoStrongRef.Main(**root_ref),
            parent=models.ComAtprotoRepoStrongRef.Main(**parent_ref),
        )
        with pytest.raises(exceptions.BadRequestError) as excinfo:
            client.send_post("a reply", reply_to=ref)
        status, error, message = xrpc_error(excinfo)
        assert (status, error) == (400, "InvalidRequest")
        assert message.startswith("Invalid app.bsky.feed.post record: " + expected), message
    assert fake.posts() == []


def test_the_300_grapheme_limit_counts_graphemes_not_bytes(client: Client) -> None:
    """301 emoji (1204 bytes, under the 3000-byte limit) are refused; 300 are accepted; past
    3000 bytes the byte limit (the reference calls them "characters") refuses first."""
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        client.send_post("👍" * 301)
    assert xrpc_error(excinfo) == (400, "InvalidRequest", "Invalid app.bsky.feed.post record: "
                                   "Record/text must not be longer than 300 graphemes")  # fmt: skip
    family = "👨\u200d👩\u200d👧"  # one grapheme, 18 bytes
    assert client.send_post("👍" * 300).uri
    assert client.send_post(family * 166).uri  # 166 graphemes, 2988 bytes
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        client.send_post(family * 167)  # 167 graphemes, 3006 bytes
    assert xrpc_error(excinfo)[2].endswith("Record/text must not be longer than 3000 characters")


def test_facets_must_lie_inside_the_text_and_not_overlap(fake: BlueskyFake, client: Client) -> None:
    """Facet byte ranges count UTF-8 bytes; past the end or overlapping another is refused."""
    text = "café #tag"  # "café " is 6 bytes, "#tag" bytes 6..10

    def tag(start: int, end: int) -> models.AppBskyRichtextFacet.Main:
        return models.AppBskyRichtextFacet.Main(
            index=models.AppBskyRichtextFacet.ByteSlice(byte_start=start, byte_end=end),
            features=[models.AppBskyRichtextFacet.Tag(tag="tag")],
        )

    assert client.send_post(text, facets=[tag(6, 10)]).uri
    for facets, expected in (([tag(6, 11)], "past the end of the text (10 UTF-8 bytes)"),
                             ([tag(0, 7), tag(6, 10)], "overlaps"),
                             ([tag(4, 10)], "splits a UTF-8 character")):  # fmt: skip
        with pytest.raises(exceptions.BadRequestError) as excinfo:
            client.send_post(text, facets=facets)
        assert expected in xrpc_error(excinfo)[2]
    assert len(fake.posts()) == 1


def test_a_post_needs_created_at_and_its_own_repo(fake: BlueskyFake, http: httpx.Client) -> None:
    """createRecord validates the record (createdAt is required) and writes only the caller's
    repository."""
    token = login_raw(http)["accessJwt"]
    alice = fake.add_user("alice.bsky.social")
    for repo, record, status, message in (
        (fake.brand_did, {"text": "hi"}, 400,
         'Invalid app.bsky.feed.post record: Record must have the property "createdAt"'),
        (alice, {"text": "hi", "createdAt": "2025-01-01T00:00:00Z"}, 401,
         "Authentication Required"),
        ("nobody.test", {"text": "hi", "createdAt": "2025-01-01T00:00:00Z"}, 400,
         "Could not find repo: nobody.test"),
    ):  # fmt: skip
        body = {"repo": repo, "collection": "app.bsky.feed.post", "record": record}
        response = http.post("com.atproto.repo.createRecord", json=body, headers=bearer(token))
        assert (response.status_code, response.json()["message"]) == (status, message)


def test_like_and_repost_are_records_and_deleting_them_undoes(
    fake: BlueskyFake, client: Client
) -> None:
    """like/repost create records with a strong ref subject; the post's viewer state and counts
    show them; deleteRecord undoes them; a subject whose cid is stale is refused."""
    post = fake.add_post("alice.bsky.social", "like me")
    like = client.like(post["uri"], post["cid"])
    repost = client.repost(post["uri"], post["cid"])
    assert [r["uri"] for r in fake.records(LIKE)] == [like.uri]
    assert fake.records(REPOST)[0]["value"]["subject"] == {
        "$type": "com.atproto.repo.strongRef", **post}  # fmt: skip
    [view] = client.get_posts([post["uri"]]).posts
    assert (view.like_count, view.repost_count) == (1, 1)
    assert (view.viewer.like, view.viewer.repost) == (like.uri, repost.uri)
    assert client.unlike(like.uri) and client.unrepost(repost.uri)
    assert fake.records(LIKE) == fake.records(REPOST) == []
    [view] = client.get_posts([post["uri"]]).posts
    assert (view.like_count, view.viewer.like) == (0, None)
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        client.like(post["uri"], like.cid)
    assert "Record/subject/cid" in xrpc_error(excinfo)[2]


def test_deleting_a_post_removes_it_and_its_notification(fake: BlueskyFake, client: Client) -> None:
    ours = client.send_post("oops")
    assert client.delete_post(ours.uri) is True
    assert fake.posts() == []
    theirs = fake.add_post("alice.bsky.social", "gone soon")
    fake.delete_post(theirs["uri"])
    assert notifications(client).notifications == []
    assert client.get_posts([theirs["uri"]]).posts == []


# -- reads ------------------------------------------------------------------------------------


def test_get_posts_and_post_thread(fake: BlueskyFake, client: Client, http: httpx.Client) -> None:
    """getPosts keeps the order asked and skips what is gone (at most 25 URIs); getPostThread
    of an unknown post is 400 NotFound."""
    first = fake.add_post("alice.bsky.social", "one")
    second = fake.add_post("bob.bsky.social", "two")
    missing = first["uri"].rsplit("/", 1)[0] + "/3kzzzzzzzzz22"
    posts = client.get_posts([second["uri"], missing, first["uri"]]).posts
    assert [p.uri for p in posts] == [second["uri"], first["uri"]]
    assert posts[0].author.handle == "bob.bsky.social"
    too_many = http.get("app.bsky.feed.getPosts", params={"uris": [first["uri"]] * 26})
    assert too_many.json() == {
        "error": "InvalidRequest",
        "message": "Params/uris must not have more than 25 elements",
    }
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        client.get_post_thread(missing)
    assert xrpc_error(excinfo) == (400, "NotFound", f"Post not found: {missing}")


def test_search_posts_newest_first_with_a_cursor(fake: BlueskyFake, client: Client) -> None:
    """searchPosts matches every word (any case), `from:` and `author` filter by account,
    results are newest first with an offset cursor; an empty q is 400 BadQueryString."""
    hits = [fake.add_post("alice.bsky.social", f"Earshot is great {n}", mention_brand=False)["uri"]
            for n in range(3)]  # fmt: skip
    hits.append(fake.add_post("bob.bsky.social", "earshot GREAT", mention_brand=False)["uri"])
    fake.add_post("carol.bsky.social", "something else", mention_brand=False)

    def search(**params: Any) -> models.AppBskyFeedSearchPosts.Response:
        return client.app.bsky.feed.search_posts(params)

    page = search(q="great earshot", sort="latest", limit=3)
    assert [p.uri for p in page.posts] == hits[::-1][:3] and page.hits_total == 4
    rest = search(q="great earshot", sort="latest", limit=3, cursor=page.cursor)
    assert [p.uri for p in rest.posts] == [hits[0]] and rest.cursor is None
    assert [p.uri for p in search(q="great from:bob.bsky.social").posts] == [hits[3]]
    assert len(search(q="great", author="alice.bsky.social").posts) == 3
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        search(q=" ")
    assert xrpc_error(excinfo)[:2] == (400, "BadQueryString")


def test_resolve_handle_and_profiles(fake: BlueskyFake, client: Client) -> None:
    """resolveHandle of an unknown handle is 400 HandleNotFound; a known one gives its DID."""
    alice = fake.add_user("alice.bsky.social", "Alice")
    assert client.resolve_handle("alice.bsky.social").did == alice
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        client.resolve_handle("nobody.bsky.social")
    assert xrpc_error(excinfo) == (400, "HandleNotFound", "Unable to resolve handle")
    profile = client.get_profile("alice.bsky.social")
    assert (profile.did, profile.display_name, profile.posts_count) == (alice, "Alice", 0)
    with pytest.raises(exceptions.BadRequestError) as excinfo:
        client.get_profile("nobody.bsky.social")
    assert xrpc_error(excinfo) == (400, "InvalidRequest", "Profile not found")


def test_read_bodies_pass_the_sdk_models_with_strict_string_formats(
    fake: BlueskyFake, client: Client, http: httpx.Client
) -> None:
    """Raw bodies parsed by the SDK models with DID, handle, AT-URI, CID and datetime formats
    validated; cids are real CIDv1 (dag-cbor, sha2-256) and rkeys TIDs."""
    token = login_raw(http)["accessJwt"]
    ours = client.send_post("ours")
    root = fake.add_post("alice.bsky.social", "root", quote=ours.uri)
    child = fake.add_post("bob.bsky.social", "child", reply_to=root["uri"])
    auth = bearer(token)
    bodies = {
        NOTIFICATIONS: (models.AppBskyNotificationListNotifications.Response, {}),
        "app.bsky.feed.getPosts": (models.AppBskyFeedGetPosts.Response,
                                   {"uris": [root["uri"], child["uri"]]}),
        "app.bsky.feed.getPostThread": (models.AppBskyFeedGetPostThread.Response,
                                        {"uri": child["uri"]}),
        "app.bsky.feed.searchPosts": (models.AppBskyFeedSearchPosts.Response, {"q": "root"}),
        "app.bsky.actor.getProfile": (models.AppBskyActorDefs.ProfileViewDetailed,
                                      {"actor": "alice.bsky.social"}),
    }  # fmt: skip
    for nsid, (model, params) in bodies.items():
        response = http.get(nsid, params=params, headers=auth)
        assert response.status_code == 200, response.text
        strict(response.json(), model)
    [view, _] = client.get_posts([root["uri"], child["uri"]]).posts
    assert view.embed.record.uri == ours.uri and view.quote_count == 0
    assert CID.decode(root["cid"]).codec == 0x71
    assert len(root["uri"].rsplit("/", 1)[1]) == 13


# -- rate limits and errors -------------------------------------------------------------------


def test_ordinary_responses_carry_the_rate_limit_headers(
    fake: BlueskyFake, http: httpx.Client
) -> None:
    """RateLimit-Limit, -Remaining, -Reset (epoch seconds) and -Policy ("<limit>;w=<window>")
    on every response, errors included: here the 3000-per-5-minutes global limit."""
    fake.add_user("alice.bsky.social")
    for n in (1, 2):
        response = http.get("com.atproto.identity.resolveHandle",
                            params={"handle": "alice.bsky.social"})  # fmt: skip
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "3000"
        assert response.headers["RateLimit-Remaining"] == str(3000 - n)
        assert response.headers["RateLimit-Policy"] == "3000;w=300"
        assert 0 < int(response.headers["RateLimit-Reset"]) - time.time() <= 301
    failed = http.get("app.bsky.feed.getPostThread", params={"uri": "at://x/y/z"})
    assert failed.status_code == 400 and "RateLimit-Limit" in failed.headers


def test_past_the_limit_is_429_with_retry_after(fake: BlueskyFake, client: Client) -> None:
    """A per-endpoint limit (set by the test): 429 RateLimitExceeded "Rate Limit Exceeded"
    with Retry-After and the headers of the window that refused."""
    fake.set_rate(NOTIFICATIONS, 2, window_seconds=60)
    notifications(client)
    notifications(client)
    with pytest.raises(exceptions.RateLimitExceededError) as excinfo:
        notifications(client)
    assert xrpc_error(excinfo) == (429, "RateLimitExceeded", "Rate Limit Exceeded")
    error = excinfo.value
    assert (error.limit, error.remaining, error.policy) == (2, 0, "2;w=60")
    assert error.retry_after is not None and 0 < error.retry_after <= 60
    assert error.reset_at is not None
    assert client.resolve_handle(BRAND_HANDLE).did == fake.brand_did  # other methods still work


def test_record_writes_cost_points(fake: BlueskyFake, client: Client) -> None:
    """Writes share one budget of points per DID: a create costs 3, a delete 1."""
    fake.set_rate("writes", 7, window_seconds=3600)
    first = client.send_post("one")
    client.send_post("two")  # 6 points used
    with pytest.raises(exceptions.RateLimitExceededError) as excinfo:
        client.send_post("three")
    assert (excinfo.value.limit, excinfo.value.remaining) == (7, 1)
    assert client.delete_post(first.uri)  # 1 point: fits
    assert len(fake.posts()) == 1


def test_create_session_allows_30_logins_per_5_minutes(
    fake: BlueskyFake, http: httpx.Client
) -> None:
    """The documented login limit, per identifier; other accounts are not affected."""
    body = {"identifier": BRAND_HANDLE, "password": "wrong"}
    statuses = [http.post("com.atproto.server.createSession", json=body).status_code
                for _ in range(31)]  # fmt: skip
    assert statuses == [401] * 30 + [429]
    refused = http.post("com.atproto.server.createSession", json=body)
    assert refused.headers["RateLimit-Policy"] == "30;w=300" and "Retry-After" in refused.headers
    fake.add_user("alice.bsky.social", password="pass-word-pass-word")
    other = {"identifier": "alice.bsky.social", "password": "pass-word-pass-word"}
    assert http.post("com.atproto.server.createSession", json=other).status_code == 200


def test_error_bodies_are_json_with_error_and_message(
    fake: BlueskyFake, http: httpx.Client
) -> None:
    """Every error is {"error", "message"} with a JSON content type: an unknown method is 501
    MethodNotImplemented; a query sent as POST is 400; a missing parameter names it."""
    cases = [
        (http.get("app.bsky.feed.getTimeline"), 501, "MethodNotImplemented"),
        (http.post("app.bsky.feed.getPosts"), 400, "InvalidRequest"),
        (http.get("com.atproto.identity.resolveHandle"), 400, "InvalidRequest"),
        (http.post("com.atproto.server.createSession", content=b"{"), 400, "InvalidRequest"),
    ]
    for response, status, error in cases:
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert set(body) == {"error", "message"} and body["error"] == error and body["message"]
    assert cases[2][0].json()["message"] == 'Params must have the property "handle"'


def test_injected_faults_answer_xrpc_errors(fake: BlueskyFake, client: Client) -> None:
    """Fault injection from SandboxServer: the next call of the method fails as asked (a 502 is
    the SDK's NetworkError), with an XRPC body and the rate-limit headers; then it recovers."""
    fake.inject(BlueskyFake.fault(NOTIFICATIONS, 502))
    with pytest.raises(exceptions.NetworkError) as excinfo:
        notifications(client)
    assert xrpc_error(excinfo) == (502, "UpstreamFailure", "Upstream Failure")
    assert excinfo.value.response is not None
    assert "ratelimit-limit" in excinfo.value.response.headers
    assert notifications(client).notifications == []
