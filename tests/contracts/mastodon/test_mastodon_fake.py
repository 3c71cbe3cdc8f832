"""Contract tests: the Mastodon fake answers like a Mastodon server, driven by the real
`Mastodon.py` client (2.3.3) over loopback HTTP, with raw HTTP where the client hides the wire.

Contract: ../shared/contracts/mastodon/KEY-FACTS.md, CLIENT-NOTES.md and the docs beside them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dateutil.parser
import pytest
import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonUnauthorizedError,
)

from bot.sandbox.mastodon_api import BRAND_TOKEN, MastodonFake
from bot.sandbox.mastodon_text import countable_length

LONG_URL = "https://example.com/" + "a" * 200  # counts as 23 whatever its length


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[MastodonFake]:
    fake = MastodonFake().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server: MastodonFake) -> MastodonFake:
    server.reset()
    return server


def client(fake: MastodonFake, token: str = BRAND_TOKEN) -> Mastodon:
    """The real client as a bot builds it: a token, the base URL, 429s raised not slept on."""
    return Mastodon(access_token=token, api_base_url=fake.base_url, ratelimit_method="throw")


@pytest.fixture
def api(fake: MastodonFake) -> Mastodon:
    return client(fake)


def raw(fake: MastodonFake, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {BRAND_TOKEN}", **kwargs.pop("headers", {})}
    return requests.request(method, fake.base_url + path, headers=headers, timeout=5, **kwargs)


# -- account and instance ---------------------------------------------------------------------


def test_verify_credentials_answers_the_brand(fake: MastodonFake, api: Mastodon) -> None:
    me = api.account_verify_credentials()
    assert (me.id, me.username, me.acct) == (fake.brand_id, "earshot", "earshot")
    assert me.url == "https://social.example/@earshot"
    assert me.source.privacy == "public"


def test_a_wrong_token_is_unauthorized(fake: MastodonFake) -> None:
    with pytest.raises(MastodonUnauthorizedError) as excinfo:
        client(fake, "not-the-token").account_verify_credentials()
    assert excinfo.value.args[1] == 401
    assert excinfo.value.args[3] == "The access token is invalid"
    answer = raw(fake, "GET", "/api/v1/notifications", headers={"Authorization": ""})
    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("application/json")
    assert answer.json() == {"error": "The access token is invalid"}


def test_set_token_retires_the_old_one(fake: MastodonFake) -> None:
    fake.set_token("rotated")
    assert client(fake, "rotated").account_verify_credentials().acct == "earshot"
    with pytest.raises(MastodonUnauthorizedError):
        client(fake).account_verify_credentials()


def test_instance_v2_limits_reach_the_client(fake: MastodonFake, api: Mastodon) -> None:
    """max_characters is per server; Mastodon.py reads the version (4.3+, with api_versions,
    so it warns about nothing) and enables every method."""
    fake.set_max_characters(640)
    info = api.instance_v2()
    assert info.configuration.statuses.max_characters == 640
    assert info.configuration.statuses.characters_reserved_per_url == 23
    assert api.retrieve_mastodon_version() == "4.3.8"
    assert api.verify_minimum_version("4.3.0", cached=True)
    assert api.instance().configuration.statuses.max_characters == 640  # v2 chosen on 4.x
    checked = Mastodon(
        access_token=BRAND_TOKEN, api_base_url=fake.base_url, version_check_mode="created"
    )
    assert checked.status_post("version-checked client posts").visibility == "public"


# -- notifications ----------------------------------------------------------------------------


def mentions(fake: MastodonFake, count: int) -> list[dict[str, Any]]:
    alice = fake.add_account("alice", display_name="Alice")
    return [fake.add_status(alice, f"mention {n}") for n in range(count)]


def test_mention_notifications_newest_first_with_full_status(
    fake: MastodonFake, api: Mastodon
) -> None:
    alice = fake.add_account("alice", display_name="Alice")
    bob = fake.add_account("bob", domain="remote.example")
    fake.add_follow(alice)  # a non-mention, filtered out by types[]
    first = fake.add_status(alice, "hi #Earshot see https://example.com/x", visibility="unlisted")
    second = fake.add_status(bob, "psst", visibility="direct", in_reply_to=first["id"])
    got = api.notifications(types=["mention"])
    assert [n.type for n in got] == ["mention", "mention"]
    assert [n.status.id for n in got] == [second["id"], first["id"]]
    assert int(got[0].id) > int(got[1].id) and isinstance(got[0].id, str)
    dm = got[0].status
    assert (dm.visibility, dm.in_reply_to_id, dm.in_reply_to_account_id) == (
        "direct", first["id"], alice,
    )  # fmt: skip
    assert dm.account.acct == "bob@remote.example"
    assert dm.content.startswith(
        '<p><span class="h-card"><a href="https://social.example/@earshot" '
        'class="u-url mention">@<span>earshot</span></a></span> psst'
    )
    assert [(m.acct, m.id) for m in dm.mentions] == [("earshot", fake.brand_id)]
    public = got[1].status
    assert [t.name for t in public.tags] == ["earshot"]
    assert public.uri == f"https://social.example/users/alice/statuses/{first['id']}"
    assert public.url == f"https://social.example/@alice/{first['id']}"
    assert public.language == "en" and public.spoiler_text == ""
    assert isinstance(public.created_at, datetime)
    everything = api.notifications(exclude_types=["mention"])
    assert [n.type for n in everything] == ["follow"]


def test_notifications_paginate_by_link_header(fake: MastodonFake, api: Mastodon) -> None:
    made = mentions(fake, 5)
    page = api.notifications(types=["mention"], limit=2)
    ids = [n.status.id for n in page]
    assert ids == [made[4]["id"], made[3]["id"]]
    following = api.fetch_next(page)
    assert [n.status.id for n in following] == [made[2]["id"], made[1]["id"]]
    last = api.fetch_next(following)
    assert [n.status.id for n in last] == [made[0]["id"]]
    assert list(api.fetch_next(last)) == []
    back = api.fetch_previous(last)  # min_id: the page right above
    assert [n.status.id for n in back] == [made[2]["id"], made[1]["id"]]
    answer = raw(fake, "GET", "/api/v1/notifications?types[]=mention&limit=2")
    newest, oldest = answer.json()[0]["id"], answer.json()[-1]["id"]
    assert answer.links["next"]["url"].endswith(
        f"/api/v1/notifications?limit=2&types%5B%5D=mention&max_id={oldest}"
    )
    assert answer.links["prev"]["url"].endswith(f"&min_id={newest}")


def test_since_id_gives_the_newest_and_min_id_the_next(fake: MastodonFake, api: Mastodon) -> None:
    """since_id: the newest items above the cursor (gaps possible); min_id: the items right
    after it, still answered newest first."""
    mentions(fake, 5)
    all_ids = [n.id for n in api.notifications(types=["mention"])]
    cursor = all_ids[-1]  # the oldest
    assert [n.id for n in api.notifications(since_id=cursor, limit=2)] == all_ids[:2]
    assert [n.id for n in api.notifications(min_id=cursor, limit=2)] == all_ids[-3:-1]
    assert api.notifications(since_id=all_ids[0]) == []
    limited = raw(fake, "GET", "/api/v1/notifications?limit=500")
    assert len(limited.json()) == 5  # at most 80, fewer exist


def test_deleting_a_status_removes_its_notification(fake: MastodonFake, api: Mastodon) -> None:
    made = mentions(fake, 2)
    fake.delete_status(made[0]["id"])
    assert [n.status.id for n in api.notifications()] == [made[1]["id"]]


# -- posting ----------------------------------------------------------------------------------


def test_a_reply_to_a_direct_mention_stays_direct(fake: MastodonFake, api: Mastodon) -> None:
    bob = fake.add_account("bob", domain="remote.example")
    parent = fake.add_status(bob, "private question", visibility="direct")
    note = api.notifications(types=["mention"])[0]
    reply = api.status_reply(note.status, "answer")  # keeps the parent's visibility
    assert reply.in_reply_to_id == parent["id"]
    assert reply.in_reply_to_account_id == bob
    assert reply.visibility == "direct"
    assert [m.acct for m in reply.mentions] == ["bob@remote.example"]
    assert reply.content.startswith('<p><span class="h-card"><a href="https://remote.example/@bob"')
    assert fake.statuses()[-1]["id"] == reply.id
    assert api.status(parent["id"]).replies_count == 1


def test_a_reply_to_an_unknown_or_deleted_status_is_404(fake: MastodonFake, api: Mastodon) -> None:
    alice = fake.add_account("alice")
    gone = fake.add_status(alice, "soon gone")
    fake.delete_status(gone["id"])
    for parent in (gone["id"], "999"):
        with pytest.raises(MastodonNotFoundError):
            api.status_post("hello", in_reply_to_id=parent)
    assert fake.statuses() == []


def test_the_length_limit_counts_urls_as_23_and_mentions_without_domain(
    fake: MastodonFake, api: Mastodon
) -> None:
    fake.add_account("carol", domain="far.example")
    head = f"@carol@far.example {LONG_URL} "  # counts 6 + 1 + 23 + 1 = 31
    text = head + "x" * (500 - 31)
    assert countable_length(text) == 500
    assert api.status_post(text).content.startswith('<p><span class="h-card">')
    with pytest.raises(MastodonAPIError) as excinfo:
        api.status_post(text + "y")
    assert excinfo.value.args[1] == 422
    assert excinfo.value.args[3] == "Validation failed: Text character limit of 500 exceeded"
    with pytest.raises(MastodonAPIError):  # the content warning counts too
        api.status_post(text, spoiler_text="cw")
    assert len(fake.statuses()) == 1


def test_length_is_in_grapheme_clusters_and_follows_max_characters(
    fake: MastodonFake, api: Mastodon
) -> None:
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # one cluster, five code points
    assert countable_length(family * 10) == 10
    fake.set_max_characters(10)
    assert api.status_post(family * 10).id
    with pytest.raises(MastodonAPIError):
        api.status_post("x" * 11)
    assert countable_length("www.example.com") == 15  # no protocol: not a link


def test_blank_status_is_refused(fake: MastodonFake) -> None:
    answer = raw(fake, "POST", "/api/v1/statuses", data={"status": "  "})
    assert (answer.status_code, answer.json()) == (
        422, {"error": "Validation failed: Text can't be blank"},
    )  # fmt: skip


def test_the_same_idempotency_key_returns_the_same_status(
    fake: MastodonFake, api: Mastodon
) -> None:
    first = api.status_post("only once", idempotency_key="key-1")
    again = api.status_post("only once", idempotency_key="key-1")
    other = api.status_post("only once", idempotency_key="key-2")
    assert again.id == first.id != other.id
    assert len(fake.statuses()) == 2
    later = time.time() + 3601  # keys are kept for an hour
    fake.clock = lambda: later
    assert api.status_post("only once", idempotency_key="key-1").id not in (first.id, other.id)


# -- status reads and deletes -----------------------------------------------------------------


def test_delete_then_status_is_not_found(fake: MastodonFake, api: Mastodon) -> None:
    mine = api.status_post("to delete")
    deleted = api.status_delete(mine.id)
    assert deleted.text == "to delete"  # source text, for delete and redraft
    with pytest.raises(MastodonNotFoundError) as excinfo:
        api.status(mine.id)
    assert excinfo.value.args[3] == "Record not found"
    alice = fake.add_account("alice")
    theirs = fake.add_status(alice, "not yours")
    with pytest.raises(MastodonNotFoundError):
        api.status_delete(theirs["id"])


def test_a_direct_status_is_hidden_from_those_not_mentioned(fake: MastodonFake) -> None:
    alice = fake.add_account("alice")
    hidden = fake.add_status(alice, "@bob only", visibility="direct", mention_brand=False)
    answer = raw(fake, "GET", f"/api/v1/statuses/{hidden['id']}")
    assert (answer.status_code, answer.json()) == (404, {"error": "Record not found"})


# -- favourites and boosts --------------------------------------------------------------------


def test_favourite_and_unfavourite(fake: MastodonFake, api: Mastodon) -> None:
    alice = fake.add_account("alice")
    post = fake.add_status(alice, "like me")
    liked = api.status_favourite(post["id"])
    assert (liked.id, liked.favourited, liked.favourites_count) == (post["id"], True, 1)
    assert api.status_favourite(post["id"]).favourites_count == 1  # idempotent
    assert [s["id"] for s in fake.favourites()] == [post["id"]]
    unliked = api.status_unfavourite(post["id"])
    assert (unliked.favourited, unliked.favourites_count) == (False, 0)
    assert fake.favourites() == []
    with pytest.raises(MastodonNotFoundError):
        api.status_favourite("12345")


def test_reblog_answers_a_wrapper_and_unreblog_undoes_it(fake: MastodonFake, api: Mastodon) -> None:
    alice = fake.add_account("alice")
    post = fake.add_status(alice, "boost me")
    boost = api.status_reblog(post["id"])
    assert boost.id != post["id"]
    assert (boost.reblog.id, boost.reblog.reblogged, boost.reblog.reblogs_count) == (
        post["id"], True, 1,
    )  # fmt: skip
    assert boost.account.acct == "earshot" and boost.content == ""
    assert api.status_reblog(post["id"]).id == boost.id  # boosting again: the same wrapper
    assert [s["id"] for s in fake.reblogs()] == [post["id"]]
    undone = api.status_unreblog(post["id"])
    assert (undone.id, undone.reblogged, undone.reblogs_count) == (post["id"], False, 0)
    assert fake.reblogs() == [] and fake.statuses() == []


def test_a_direct_or_private_status_cannot_be_boosted(fake: MastodonFake, api: Mastodon) -> None:
    """StatusPolicy#reblog?: 403 NotPermitted for a status one can see; one cannot see is 404."""
    alice = fake.add_account("alice")
    for visibility in ("direct", "private"):
        seen = fake.add_status(alice, "just us", visibility=visibility)
        with pytest.raises(MastodonAPIError) as excinfo:
            api.status_reblog(seen["id"])
        assert excinfo.value.args[1] == 403
        assert excinfo.value.args[3] == "This action is not allowed"
    unseen = fake.add_status(alice, "not for you", visibility="private", mention_brand=False)
    with pytest.raises(MastodonNotFoundError):
        api.status_reblog(unseen["id"])
    own = api.status_post("my followers only", visibility="private")
    assert api.status_reblog(own.id).reblog.id == own.id  # one's own private post: allowed


# -- search and hashtags ----------------------------------------------------------------------


def test_search_without_full_text_finds_no_statuses_by_words(
    fake: MastodonFake, api: Mastodon
) -> None:
    alice = fake.add_account("alice", display_name="Alice Liddell")
    post = fake.add_status(alice, "loving the #earshot app")
    found = api.search_v2("earshot app")
    assert found.statuses == []
    assert [a.acct for a in api.search_v2("alice").accounts] == ["alice"]
    assert [t.name for t in api.search_v2("#earsh", result_type="hashtags").hashtags] == ["earshot"]
    by_url = api.search_v2(post["url"], resolve=True)  # URL lookup works without Elasticsearch
    assert [s.id for s in by_url.statuses] == [post["id"]]


def test_full_text_search_covers_what_the_brand_may_search(
    fake: MastodonFake, api: Mastodon
) -> None:
    """With Elasticsearch: statuses the brand wrote, was mentioned in, favourited or boosted,
    and public posts of accounts that opted in (indexable); not others' posts."""
    fake.set_full_text_search(True)
    alice = fake.add_account("alice")
    opted = fake.add_account("dana", indexable=True)
    mentioned = fake.add_status(alice, "coffee is great")
    stranger = fake.add_status(alice, "coffee elsewhere", mention_brand=False)
    indexed = fake.add_status(opted, "coffee everywhere", mention_brand=False)
    mine = api.status_post("coffee from the brand")
    found = api.search_v2("coffee", result_type="statuses")
    assert [s.id for s in found.statuses] == [mine.id, indexed["id"], mentioned["id"]]
    api.status_favourite(stranger["id"])
    assert stranger["id"] in [s.id for s in api.search_v2("coffee elsewhere").statuses]
    assert api.search_v2("@alice").statuses == []  # a lone handle is an account search
    assert raw(fake, "GET", "/api/v2/search?q=coffee&resolve=true", headers={
        "Authorization": ""}).status_code == 401  # fmt: skip


def test_hashtag_timeline_lists_public_tagged_statuses(fake: MastodonFake, api: Mastodon) -> None:
    alice = fake.add_account("alice")
    tagged = [fake.add_status(alice, f"#Coffee {n}", mention_brand=False) for n in range(3)]
    fake.add_status(alice, "#coffee quietly", visibility="unlisted", mention_brand=False)
    fake.add_status(alice, "no tag", mention_brand=False)
    page = api.timeline_hashtag("coffee", limit=2)
    assert [s.id for s in page] == [tagged[2]["id"], tagged[1]["id"]]
    assert [s.id for s in api.fetch_next(page)] == [tagged[0]["id"]]


# -- rate limits and faults -------------------------------------------------------------------


def test_every_response_carries_rate_limit_headers(fake: MastodonFake, api: Mastodon) -> None:
    answer = raw(fake, "GET", "/api/v1/accounts/verify_credentials")
    assert answer.headers["X-RateLimit-Limit"] == "300"
    assert answer.headers["X-RateLimit-Remaining"] == "299"
    reset = dateutil.parser.isoparse(answer.headers["X-RateLimit-Reset"])
    assert reset.tzinfo is not None and 0 < (reset - datetime.now(UTC)).total_seconds() <= 300
    api.account_verify_credentials()
    assert (api.ratelimit_limit, api.ratelimit_remaining) == (300, 298)
    assert api.ratelimit_reset == pytest.approx(reset.timestamp(), abs=2)
    error = raw(fake, "GET", "/api/v1/statuses/404")
    assert error.status_code == 404 and "X-RateLimit-Remaining" in error.headers


def test_past_the_limit_the_client_raises_ratelimit_error(
    fake: MastodonFake, api: Mastodon
) -> None:
    fake.set_rate("token", 3)
    for _ in range(3):
        api.account_verify_credentials()
    assert api.ratelimit_remaining == 0
    with pytest.raises(MastodonRatelimitError):
        api.account_verify_credentials()
    answer = raw(fake, "GET", "/api/v1/accounts/verify_credentials")
    assert (answer.status_code, answer.json()) == (429, {"error": "Too many requests"})
    assert answer.headers["X-RateLimit-Remaining"] == "0"


def test_posting_counts_in_the_statuses_family(fake: MastodonFake, api: Mastodon) -> None:
    fake.set_rate("statuses", 2)
    first = raw(fake, "POST", "/api/v1/statuses", data={"status": "one"})
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "2", "1",
    )  # fmt: skip
    api.status_post("two")
    with pytest.raises(MastodonRatelimitError):
        api.status_post("three")
    assert len(fake.statuses()) == 2
    fake.set_rate("deletes", 1)
    api.status_delete(first.json()["id"])
    with pytest.raises(MastodonRatelimitError):
        api.status_delete(fake.statuses()[0]["id"])


def test_injected_faults_answer_mastodon_errors(fake: MastodonFake, api: Mastodon) -> None:
    fake.inject(MastodonFake.fault("/api/v1/statuses", 503))
    with pytest.raises(MastodonAPIError) as excinfo:
        api.status_post("after an outage")
    assert excinfo.value.args[1] == 503
    assert api.status_post("after an outage").content == "<p>after an outage</p>"


def test_wait_and_pace_modes_sleep_until_the_window_resets(fake: MastodonFake) -> None:
    """Mastodon.py's "wait" retries a 429 after X-RateLimit-Reset; "pace" sleeps first when a
    2xx said Remaining 0 (CLIENT-NOTES: this path once hit an UnboundLocalError)."""
    fake.set_rate("token", 2, period_seconds=1.0)
    for method in ("wait", "pace"):
        patient = Mastodon(
            access_token=BRAND_TOKEN, api_base_url=fake.base_url, ratelimit_method=method
        )
        started = time.monotonic()
        for _ in range(3):  # the third is over the limit of the 1-second window
            assert patient.account_verify_credentials().acct == "earshot"
        assert time.monotonic() - started < 3.5  # the window, plus the Date header's second
