"""The world of the Bluesky fake: accounts, repository records and the notifications they cause.

One store plays both the PDS (repositories of records) and the AppView (notifications, counts),
as bsky.social does for a client that sends everything to its PDS. Notifications follow the
reference indexer (KEY-FACTS "Receiving mentions"; src: packages/bsky/src/data-plane/server/
indexing/plugins/post.ts): a recipient gets one notification per post, mention first, then quote,
then reply (to the author of any ancestor up to 4 levels up); never for one's own post.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.bluesky_rules import cid_of, iso_ms, parse_datetime, plc_did, tid

POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
REPLY_NOTIF_DEPTH = 5  # src: post.ts, REPLY_NOTIF_DEPTH


@dataclass
class Actor:
    did: str
    handle: str
    display_name: str | None = None
    description: str | None = None
    email: str | None = None
    password: str | None = None  # None: cannot log in
    created_ms: int = 0


@dataclass
class Record:
    """One version of a repository record, as the PDS stores and the AppView indexes it."""

    did: str
    collection: str
    rkey: str
    value: dict[str, Any]
    cid: str
    indexed_ms: int
    sort_ms: int  # the AppView's sortAt: createdAt, unless later than indexedAt

    @property
    def uri(self) -> str:
        return f"at://{self.did}/{self.collection}/{self.rkey}"

    @property
    def order(self) -> tuple[int, int]:
        """Where the record sorts in feeds: by sortAt, then by indexedAt (unique per record)."""
        return self.sort_ms, self.indexed_ms

    @property
    def indexed_at(self) -> str:
        return iso_ms(self.indexed_ms)

    def ref(self) -> dict[str, str]:
        return {"uri": self.uri, "cid": self.cid}


@dataclass(frozen=True)
class Notification:
    recipient: str
    record_uri: str
    reason: str
    reason_subject: str | None = None


@dataclass
class BlueskyStore:
    clock: Callable[[], float] = time.time
    actors: dict[str, Actor] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)
    last_seen: dict[str, int] = field(default_factory=dict)  # recipient DID -> epoch ms
    clock_id: int = field(default_factory=lambda: secrets.randbelow(1024))  # of its TIDs
    _last_ms: int = 0

    def add_actor(self, handle: str, **details: Any) -> Actor:
        """A new account; its DID derives from the handle, so runs are reproducible."""
        handle = handle.lower()
        if self.actor(handle) is not None:
            raise ValueError(f"handle {handle!r} is taken")
        actor = Actor(plc_did(handle), handle, created_ms=self.tick(), **details)
        self.actors[actor.did] = actor
        return actor

    def actor(self, identifier: str) -> Actor | None:
        """The account named by a DID, a handle (any case, an optional '@') or an email."""
        key = identifier.strip().removeprefix("@").lower()
        if key.startswith("did:"):
            return self.actors.get(identifier.strip())
        for actor in self.actors.values():
            if key in (actor.handle, (actor.email or "").lower()):
                return actor
        return None

    def tick(self) -> int:
        """Now in epoch ms, strictly later than any earlier tick: records made in one
        millisecond still have distinct, ordered indexedAt (and TIDs)."""
        self._last_ms = max(int(self.clock() * 1000), self._last_ms + 1)
        return self._last_ms

    def now_ms(self) -> int:
        """Now in epoch ms, never before the latest tick."""
        return max(int(self.clock() * 1000), self._last_ms)

    def resolve_uri(self, uri: str) -> str:
        """`at://handle/...` -> `at://did/...` (the AppView resolves handles in URIs)."""
        authority, _, rest = uri.removeprefix("at://").partition("/")
        actor = self.actor(authority) if authority else None
        return f"at://{actor.did}/{rest}" if actor is not None and rest else uri

    def get(self, uri: str, collection: str | None = None) -> Record | None:
        record = self.records.get(self.resolve_uri(uri))
        if record is None or (collection is not None and record.collection != collection):
            return None
        return record

    def put(self, did: str, collection: str, value: dict[str, Any], rkey: str | None) -> Record:
        """Store a record and index it: notifications for whoever it concerns."""
        now = self.tick()
        created = parse_datetime(value.get("createdAt"))
        created_ms = int(created.timestamp() * 1000) if created is not None else now
        record = Record(
            did,
            collection,
            rkey or tid(now * 1000, self.clock_id),
            value,
            cid_of(value),
            now,
            min(now, created_ms),
        )
        self.records[record.uri] = record
        self.notifications.extend(self._notifications_for(record))
        return record

    def delete(self, uri: str) -> Record | None:
        """Remove a record; its notifications go with it (the AppView joins them to it)."""
        record = self.records.pop(self.resolve_uri(uri), None)
        if record is not None:
            self.notifications = [n for n in self.notifications if n.record_uri != record.uri]
        return record

    def of(self, collection: str, did: str | None = None) -> list[Record]:
        """Records of a collection (by one account), oldest first."""
        found = [r for r in self.records.values() if r.collection == collection]
        return sorted((r for r in found if did in (None, r.did)), key=lambda r: r.indexed_ms)

    def ancestors(self, post: Record) -> Iterator[tuple[int, Record]]:
        """(height, post) up the reply chain: the parent is 1; stops at a missing post."""
        height, current = 0, post
        while (parent_uri := _reply_field(current.value, "parent")) is not None:
            parent = self.get(parent_uri, POST)
            if parent is None:
                return
            height, current = height + 1, parent
            yield height, parent

    def visible(self, notification: Notification) -> Record | None:
        """The notification's record, if it and its subject still exist."""
        record = self.records.get(notification.record_uri)
        subject = notification.reason_subject
        if record is None or (subject is not None and subject not in self.records):
            return None
        return record

    def _notifications_for(self, record: Record) -> list[Notification]:
        found: list[Notification] = []
        notified = {record.did}

        def notify(did: str, reason: str, subject: str | None = None) -> None:
            if did not in notified:
                notified.add(did)
                found.append(Notification(did, record.uri, reason, subject))

        if record.collection in (LIKE, REPOST):
            subject = str(record.value.get("subject", {}).get("uri", ""))
            notify(_authority(subject), "like" if record.collection == LIKE else "repost", subject)
            return found
        if record.collection != POST:
            return found
        for did in mentioned_dids(record.value):
            notify(did, "mention")
        quoted = quoted_uri(record.value)
        if quoted is not None and f"/{POST}/" in quoted:
            notify(_authority(quoted), "quote", quoted)
        for height, ancestor in self.ancestors(record):
            if height < REPLY_NOTIF_DEPTH:
                notify(ancestor.did, "reply", ancestor.uri)
        return found


def mentioned_dids(post: dict[str, Any]) -> list[str]:
    """DIDs of the post's mention facets, in order (plain "@handle" text notifies no one)."""
    dids: list[str] = []
    for facet in post.get("facets") or []:
        for feature in facet.get("features") or []:
            if feature.get("$type") == "app.bsky.richtext.facet#mention" and "did" in feature:
                dids.append(str(feature["did"]))
    return dids


def quoted_uri(post: dict[str, Any]) -> str | None:
    """The URI a post embeds (a quote), directly or beside media."""
    embed = post.get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("record") or {}
    if embed.get("$type") == "app.bsky.embed.record":
        uri = (embed.get("record") or {}).get("uri")
        return str(uri) if uri else None
    return None


def _reply_field(post: dict[str, Any], which: str) -> str | None:
    uri = ((post.get("reply") or {}).get(which) or {}).get("uri")
    return str(uri) if uri else None


def _authority(uri: str) -> str:
    return uri.removeprefix("at://").split("/", 1)[0]
