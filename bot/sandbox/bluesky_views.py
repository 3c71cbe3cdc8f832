"""Views the Bluesky fake answers with: profiles, posts, threads and notifications.

Shapes per contracts/bluesky/lexicons/app/bsky/actor/defs.json (profileViewBasic, profileView,
profileViewDetailed), app/bsky/feed/defs.json (postView, threadViewPost, notFoundPost),
app/bsky/embed/record.json (#view) and app/bsky/notification/listNotifications.json
(#notification). Union members carry `$type`, which clients use to tell them apart.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.bluesky_data import (
    LIKE,
    POST,
    REPOST,
    Actor,
    BlueskyStore,
    Notification,
    Record,
    quoted_uri,
)
from bot.sandbox.bluesky_rules import iso_ms

_FEED = "app.bsky.feed.defs"
_EMBED_RECORD = "app.bsky.embed.record"


def profile_basic(actor: Actor, viewer: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {"did": actor.did, "handle": actor.handle}
    if actor.display_name is not None:
        view["displayName"] = actor.display_name
    view["labels"] = []
    view["createdAt"] = iso_ms(actor.created_ms)
    if viewer is not None:
        view["viewer"] = {"muted": False, "blockedBy": False}
    return view


def profile_view(actor: Actor, viewer: str | None) -> dict[str, Any]:
    view = profile_basic(actor, viewer)
    if actor.description is not None:
        view["description"] = actor.description
    view["indexedAt"] = iso_ms(actor.created_ms)
    return view


def profile_detailed(store: BlueskyStore, actor: Actor, viewer: str | None) -> dict[str, Any]:
    view = profile_view(actor, viewer)
    view.update(followersCount=0, followsCount=0, postsCount=len(store.of(POST, actor.did)))
    return view


def post_view(store: BlueskyStore, post: Record, viewer: str | None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "uri": post.uri,
        "cid": post.cid,
        "author": profile_basic(store.actors[post.did], viewer),
        "record": post.value,
    }
    embed = _embed_view(store, post, viewer)
    if embed is not None:
        view["embed"] = embed
    view.update(_counts(store, post.uri))
    view["indexedAt"] = post.indexed_at
    if viewer is not None:
        view["viewer"] = _post_viewer(store, post.uri, viewer)
    view["labels"] = []
    return view


def thread_view(
    store: BlueskyStore, post: Record, viewer: str | None, depth: int, parent_height: int
) -> dict[str, Any]:
    """threadViewPost of `post`: its parents up to `parent_height`, its replies to `depth`."""
    view = _thread_node(store, post, viewer, depth)
    node, current = view, post
    for _ in range(parent_height):
        parent_uri = ((current.value.get("reply") or {}).get("parent") or {}).get("uri")
        if not parent_uri:
            break
        parent = store.get(parent_uri, POST)
        if parent is None:
            node["parent"] = {"$type": f"{_FEED}#notFoundPost", "uri": parent_uri, "notFound": True}
            break
        node["parent"] = _thread_node(store, parent, viewer, None)
        node, current = node["parent"], parent
    return view


def notification_view(
    store: BlueskyStore, notification: Notification, record: Record, viewer: str
) -> dict[str, Any]:
    view: dict[str, Any] = {
        "uri": record.uri,
        "cid": record.cid,
        "author": profile_view(store.actors[record.did], viewer),
        "reason": notification.reason,
    }
    if notification.reason_subject is not None:
        view["reasonSubject"] = notification.reason_subject
    seen = store.last_seen.get(notification.recipient)
    view.update(
        record=record.value,
        isRead=seen is not None and seen > record.sort_ms,
        indexedAt=iso_ms(record.sort_ms),
        labels=[],
    )
    return view


def _thread_node(
    store: BlueskyStore, post: Record, viewer: str | None, depth: int | None
) -> dict[str, Any]:
    """A threadViewPost; with `depth` (None for a parent: parents carry no replies)."""
    node: dict[str, Any] = {"$type": f"{_FEED}#threadViewPost"}
    node["post"] = post_view(store, post, viewer)
    if depth is not None:
        children = [r for r in store.of(POST) if _parent_uri(r) == post.uri] if depth else []
        node["replies"] = [_thread_node(store, r, viewer, depth - 1) for r in children]
    return node


def _embed_view(store: BlueskyStore, post: Record, viewer: str | None) -> dict[str, Any] | None:
    """The #view of a quoted post (other embeds, images and links, get no view in the fake)."""
    uri = quoted_uri(post.value)
    if uri is None:
        return None
    quoted = store.get(uri, POST)
    if quoted is None:
        inner: dict[str, Any] = {"$type": f"{_EMBED_RECORD}#viewNotFound", "uri": uri}
        inner["notFound"] = True
    else:
        inner = {"$type": f"{_EMBED_RECORD}#viewRecord", "uri": quoted.uri, "cid": quoted.cid}
        inner["author"] = profile_basic(store.actors[quoted.did], viewer)
        inner.update(value=quoted.value, labels=[], **_counts(store, quoted.uri))
        inner.update(embeds=[], indexedAt=quoted.indexed_at)
    return {"$type": f"{_EMBED_RECORD}#view", "record": inner}


def _counts(store: BlueskyStore, uri: str) -> dict[str, int]:
    posts = store.of(POST)
    return {
        "bookmarkCount": 0,
        "replyCount": sum(1 for r in posts if _parent_uri(r) == uri),
        "repostCount": sum(1 for r in store.of(REPOST) if _subject(r) == uri),
        "likeCount": sum(1 for r in store.of(LIKE) if _subject(r) == uri),
        "quoteCount": sum(1 for r in posts if quoted_uri(r.value) == uri),
    }


def _post_viewer(store: BlueskyStore, uri: str, viewer: str) -> dict[str, Any]:
    state: dict[str, Any] = {}
    for key, collection in (("like", LIKE), ("repost", REPOST)):
        mine = [r for r in store.of(collection, viewer) if _subject(r) == uri]
        if mine:
            state[key] = mine[0].uri
    state.update(threadMuted=False, embeddingDisabled=False)
    return state


def _parent_uri(post: Record) -> str | None:
    uri = ((post.value.get("reply") or {}).get("parent") or {}).get("uri")
    return str(uri) if uri else None


def _subject(record: Record) -> str | None:
    uri = (record.value.get("subject") or {}).get("uri")
    return str(uri) if uri else None
