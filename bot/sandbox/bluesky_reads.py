"""The queries of the Bluesky fake: notifications, posts, threads, search, handles, profiles.

Behaviour of the reference AppView the fake keeps (KEY-FACTS "Receiving mentions"; src:
packages/bsky/src/api/app/bsky/notification/listNotifications.ts): notifications newest first,
the cursor walks only to older pages and comes back with every non-empty page (so the last page
is followed by an empty one), `reasons` filters a page after it was fetched (a page can hold
fewer than `limit` items, even none, and still have a cursor), and `seenAt` is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.sandbox.bluesky_data import POST, Actor, BlueskyStore, Record, mentioned_dids
from bot.sandbox.bluesky_rules import Params, invalid, parse_datetime, require
from bot.sandbox.bluesky_views import notification_view, post_view, profile_detailed, thread_view

MAX_URIS = 25  # app.bsky.feed.getPosts: uris maxLength


def list_notifications(
    store: BlueskyStore, caller: Actor, params: Params, delay_ms: int = 0
) -> dict[str, Any]:
    if "seenAt" in params:
        raise invalid("The seenAt parameter is unsupported")
    limit = params.integer("limit", 50, 1, 100)
    reasons = set(params.all("reasons"))
    after = _notification_cursor(params.get("cursor"))
    newest_visible = store.now_ms() - delay_ms
    rows = [
        (record, n)
        for n in store.notifications
        if n.recipient == caller.did
        and (record := store.visible(n)) is not None
        and record.sort_ms <= newest_visible
    ]
    rows.sort(key=lambda row: row[0].order, reverse=True)
    page = [row for row in rows if after is None or row[0].order < after][:limit]
    body: dict[str, Any] = {
        "notifications": [
            notification_view(store, n, record, caller.did)
            for record, n in page
            if not reasons or n.reason in reasons
        ]
    }
    if page:
        sort_ms, indexed_ms = page[-1][0].order
        body["cursor"] = f"{sort_ms}::{indexed_ms}"
    body["priority"] = False
    seen = store.last_seen.get(caller.did)
    if seen is not None:
        body["seenAt"] = datetime.fromtimestamp(seen / 1000, UTC).isoformat()
    return body


def update_seen(store: BlueskyStore, caller: Actor, body: dict[str, Any]) -> None:
    seen = parse_datetime(require(body, "seenAt"))
    if seen is None:
        raise invalid("Input/seenAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
    store.last_seen[caller.did] = int(seen.timestamp() * 1000)


def get_posts(store: BlueskyStore, viewer: str | None, params: Params) -> dict[str, Any]:
    uris = params.all("uris")
    if not uris:
        raise invalid('Params must have the property "uris"')
    if len(uris) > MAX_URIS:
        raise invalid(f"Params/uris must not have more than {MAX_URIS} elements")
    found = [store.get(uri, POST) for uri in uris]
    return {"posts": [post_view(store, post, viewer) for post in found if post is not None]}


def get_post_thread(store: BlueskyStore, viewer: str | None, params: Params) -> dict[str, Any]:
    uri = params.required("uri")
    depth = params.integer("depth", 6, 0, 1000)
    parent_height = params.integer("parentHeight", 80, 0, 1000)
    post = store.get(uri, POST)
    if post is None:
        raise invalid(f"Post not found: {uri}", "NotFound")
    return {"thread": thread_view(store, post, viewer, depth, parent_height)}


def search_posts(store: BlueskyStore, viewer: str | None, params: Params) -> dict[str, Any]:
    """Posts whose text holds every word of `q` (any case; "quoted phrases" kept whole;
    `from:<handle>` is the author filter), newest first for either sort; offset cursor."""
    query = params.required("q")
    if not query.strip():
        raise invalid("The search query is empty", "BadQueryString")
    if params.get("sort") not in (None, "latest", "top"):
        raise invalid("Params/sort must be one of (top|latest)")
    limit = params.integer("limit", 25, 1, 100)
    offset = _offset_cursor(params.get("cursor"))
    hits = [post for post in _newest_first(store.of(POST)) if _matches(store, post, query, params)]
    body: dict[str, Any] = {
        "posts": [post_view(store, post, viewer) for post in hits[offset : offset + limit]]
    }
    if offset + limit < len(hits):
        body["cursor"] = str(offset + limit)
    body["hitsTotal"] = len(hits)
    return body


def resolve_handle(store: BlueskyStore, params: Params) -> dict[str, Any]:
    actor = store.actor(params.required("handle"))
    if actor is None or params.required("handle").startswith("did:"):
        raise invalid("Unable to resolve handle", "HandleNotFound")
    return {"did": actor.did}


def get_profile(store: BlueskyStore, viewer: str | None, params: Params) -> dict[str, Any]:
    actor = store.actor(params.required("actor"))
    if actor is None:
        raise invalid("Profile not found")
    return profile_detailed(store, actor, viewer)


def _notification_cursor(cursor: str | None) -> tuple[int, int] | None:
    """A keyset cursor "<sortAt ms>::<indexedAt ms>" (the reference's is "<sortAt>::<cid>";
    both are opaque): the next page holds what sorts before it."""
    if cursor is None:
        return None
    sort_ms, separator, indexed_ms = cursor.partition("::")
    if not (separator and sort_ms.isdigit() and indexed_ms.isdigit()):
        raise invalid("Malformed cursor")
    return int(sort_ms), int(indexed_ms)


def _offset_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise invalid("Malformed cursor")
    return int(cursor)


def _newest_first(posts: list[Record]) -> list[Record]:
    return sorted(posts, key=lambda post: post.order, reverse=True)


def _matches(store: BlueskyStore, post: Record, query: str, params: Params) -> bool:
    words, authors = _parse_query(query)
    author = params.get("author")
    if author is not None:
        authors.append(author)
    if any(_did_of(store, name) != post.did for name in authors):
        return False
    text = str(post.value.get("text", "")).lower()
    if not all(word in text for word in words):
        return False
    return _filters_match(store, post, params)


def _filters_match(store: BlueskyStore, post: Record, params: Params) -> bool:
    mentions, lang = params.get("mentions"), params.get("lang")
    if mentions is not None and _did_of(store, mentions) not in mentioned_dids(post.value):
        return False
    if lang is not None and lang not in (post.value.get("langs") or []):
        return False
    since, until = _moment(params.get("since")), _moment(params.get("until"))
    return (since is None or post.sort_ms >= since) and (until is None or post.sort_ms < until)


def _parse_query(query: str) -> tuple[list[str], list[str]]:
    """Lowercased words and phrases of `q`, and the handles of its `from:` terms."""
    words: list[str] = []
    authors: list[str] = []
    for index, part in enumerate(query.split('"')):
        if index % 2:  # inside quotes
            words.append(part.lower())
            continue
        for word in part.split():
            if word.lower().startswith("from:"):
                authors.append(word[5:])
            else:
                words.append(word.lower())
    return [word for word in words if word], authors


def _did_of(store: BlueskyStore, identifier: str) -> str | None:
    actor = store.actor(identifier)
    return actor.did if actor is not None else None


def _moment(value: str | None) -> int | None:
    """`since` / `until`: a datetime, or just a date (YYYY-MM-DD, midnight UTC)."""
    if value is None:
        return None
    moment = parse_datetime(value)
    if moment is None:
        try:
            moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            raise invalid(f"Invalid datetime: {value}") from None
    return int(moment.timestamp() * 1000)
