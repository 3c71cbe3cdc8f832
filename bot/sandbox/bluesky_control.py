"""How tests build and inspect the Bluesky fake's world: PostControl (mixed into BlueskyFake)
and the /_control routes that give another process (the demo, a subprocess) the same powers.

Control routes, besides SandboxServer's /_control/calls, /faults and /reset; each answers JSON,
400 for a malformed request and 404 for an unknown account or post:
  GET  /_control/records?collection=&author=   records(), oldest first ({"records": [...]})
  POST /_control/users         add_user() from {"handle", "display_name", "password", ...}
  POST /_control/posts         add_post() from {"author", "text", "reply_to", "quote", ...}
  POST /_control/posts/delete  delete_post() from {"uri"}
  POST /_control/config        {"rate": {"<name>": {"limit", "window"}}, "expire_tokens",
                                "expire_refresh_tokens", "access_seconds", "refresh_seconds",
                                "strict_reply_root", "notification_delay_seconds"}
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from bot.sandbox.bluesky_data import LIKE, POST, REPOST, Actor, BlueskyStore
from bot.sandbox.bluesky_records import RecordInvalid, validate
from bot.sandbox.bluesky_rules import iso_ms
from bot.sandbox.server import Request, Response, Route

if TYPE_CHECKING:
    from bot.sandbox.bluesky_api import BlueskyFake

FACET = "app.bsky.richtext.facet"


class PostControl:
    """Accounts, posts, likes and reposts for tests (BlueskyFake's lock, store and brand)."""

    _lock: threading.RLock
    store: BlueskyStore
    brand: Actor

    def add_user(
        self,
        handle: str,
        display_name: str | None = None,
        *,
        password: str | None = None,
        email: str | None = None,
        description: str | None = None,
    ) -> str:
        """A new account (no password: it cannot log in); answers its did:plc DID, derived
        from the handle. ValueError: the handle is taken."""
        with self._lock:
            details = {"display_name": display_name, "password": password, "email": email}
            return self.store.add_actor(handle, description=description, **details).did

    def add_post(
        self,
        author: str,
        text: str,
        *,
        reply_to: str | None = None,
        quote: str | None = None,
        mention_brand: bool = True,
        facets: list[dict[str, Any]] | None = None,
        created_at: str | None = None,
        langs: list[str] | None = None,
    ) -> dict[str, str]:
        """`author` (a DID or handle; an unknown handle becomes a new account) posts `text`;
        answers its {"uri", "cid"}.

        With `mention_brand`, the post gets a mention facet with the brand's DID over the
        text's "@<brand handle>" (the text is prefixed with one, and `facets` shifted, when it
        has none), so the brand is notified. `reply_to`: the parent's URI (the root is taken
        from it); `quote`: the URI of a post to embed. ValueError: a record the service would
        refuse (too long, overlapping facets...); KeyError: an unknown DID or post.
        """
        with self._lock:
            actor = self._author(author)
            record: dict[str, Any] = {"$type": POST, "text": text}
            record["createdAt"] = created_at or iso_ms(self.store.now_ms())
            record["langs"] = langs or ["en"]
            extra = list(facets or [])
            if mention_brand:
                record["text"], extra = _mention(text, extra, self.brand)
            if extra:
                record["facets"] = extra
            if reply_to is not None:
                record["reply"] = self._reply_refs(reply_to)
            if quote is not None:
                record["embed"] = {"$type": "app.bsky.embed.record", "record": self._ref(quote)}
            return self._put(actor, POST, record)

    def add_like(self, author: str, subject: str) -> dict[str, str]:
        """`author` likes the post `subject` (a URI): a like notification for its author."""
        return self._engage(author, LIKE, subject)

    def add_repost(self, author: str, subject: str) -> dict[str, str]:
        return self._engage(author, REPOST, subject)

    def delete_post(self, uri: str) -> None:
        """Delete a post (anyone's), as its author does: reads stop showing it, its
        notifications go, replying to it is refused. KeyError: no such post."""
        with self._lock:
            if self.store.get(uri, POST) is None:
                raise KeyError(f"no post {uri}")
            self.store.delete(uri)

    def posts(self, author: str | None = None) -> list[dict[str, Any]]:
        """The posts (replies included) the brand (or `author`) made, oldest first."""
        return self.records(POST, author)

    def records(self, collection: str, author: str | None = None) -> list[dict[str, Any]]:
        """The records of `collection` the brand (or `author`) holds now, oldest first:
        {"uri", "cid", "value", "indexedAt"}; deleted ones (an undone like) are gone."""
        with self._lock:
            did = self._author(author, create=False).did if author is not None else self.brand.did
            return [
                {"uri": r.uri, "cid": r.cid, "value": r.value, "indexedAt": r.indexed_at}
                for r in self.store.of(collection, did)
            ]

    def _engage(self, author: str, collection: str, subject: str) -> dict[str, str]:
        with self._lock:
            record = {"$type": collection, "subject": self._ref(subject)}
            record["createdAt"] = iso_ms(self.store.now_ms())
            return self._put(self._author(author), collection, record)

    def _put(self, actor: Actor, collection: str, record: dict[str, Any]) -> dict[str, str]:
        try:
            validate(self.store, collection, record, strict_reply_root=True)
        except RecordInvalid as exc:
            raise ValueError(f"Invalid {collection} record: {exc}") from None
        return self.store.put(actor.did, collection, record, None).ref()

    def _author(self, identifier: str, *, create: bool = True) -> Actor:
        actor = self.store.actor(identifier)
        if actor is not None:
            return actor
        if identifier.startswith("did:") or not create:
            raise KeyError(f"no account {identifier}")
        return self.store.add_actor(identifier)

    def _ref(self, uri: str) -> dict[str, str]:
        target = self.store.get(uri)
        if target is None:
            raise KeyError(f"no record {uri}")
        return target.ref()

    def _reply_refs(self, parent_uri: str) -> dict[str, Any]:
        parent = self.store.get(parent_uri, POST)
        if parent is None:
            raise KeyError(f"no post {parent_uri}")
        root = (parent.value.get("reply") or {}).get("root") or parent.ref()
        return {"root": dict(root), "parent": parent.ref()}


def _mention(
    text: str, facets: list[dict[str, Any]], brand: Actor
) -> tuple[str, list[dict[str, Any]]]:
    """The text and facets with a mention facet of the brand over its "@handle"."""
    mention = f"@{brand.handle}"
    at = text.lower().find(mention)
    if at < 0:
        shift = len(mention.encode()) + 1
        text, at = f"{mention} {text}", 0
        facets = [_shifted(facet, shift) for facet in facets]
    start = len(text[:at].encode())
    facet = {
        "$type": FACET,
        "index": {"byteStart": start, "byteEnd": start + len(mention.encode())},
        "features": [{"$type": f"{FACET}#mention", "did": brand.did}],
    }
    return text, sorted([*facets, facet], key=lambda f: int(f["index"]["byteStart"]))


def _shifted(facet: dict[str, Any], by: int) -> dict[str, Any]:
    index = facet["index"]
    moved = {"byteStart": index["byteStart"] + by, "byteEnd": index["byteEnd"] + by}
    return {**facet, "index": moved}


def control_routes(fake: BlueskyFake) -> list[tuple[str, str, Route]]:
    """(method, path, handler) of the control routes above, bound to `fake`."""

    def records(request: Request) -> Response:
        collection = request.query.get("collection", POST)
        return Response(200, {"records": fake.records(collection, request.query.get("author"))})

    return [
        ("GET", "/_control/records", lambda request: _guarded(lambda: records(request))),
        ("POST", "/_control/users", lambda request: _guarded(lambda: _add_user(fake, request))),
        ("POST", "/_control/posts", lambda request: _guarded(lambda: _add_post(fake, request))),
        ("POST", "/_control/posts/delete",
         lambda request: _guarded(lambda: _delete_post(fake, request))),
        ("POST", "/_control/config", lambda request: _guarded(lambda: _config(fake, request))),
    ]  # fmt: skip


def _guarded(run: Any) -> Response:
    try:
        response: Response = run()
        return response
    except KeyError as exc:
        return Response(404, {"error": str(exc)})
    except (TypeError, ValueError) as exc:
        return Response(400, {"error": str(exc)})


def _add_user(fake: BlueskyFake, request: Request) -> Response:
    spec = dict(request.json())
    return Response(200, {"did": fake.add_user(spec.pop("handle"), **spec)})


def _add_post(fake: BlueskyFake, request: Request) -> Response:
    spec = dict(request.json())
    return Response(200, fake.add_post(spec.pop("author"), spec.pop("text"), **spec))


def _delete_post(fake: BlueskyFake, request: Request) -> Response:
    fake.delete_post(request.json()["uri"])
    return Response(200, {"ok": True})


def _config(fake: BlueskyFake, request: Request) -> Response:
    spec = request.json()
    for name, rate in spec.get("rate", {}).items():
        fake.set_rate(name, int(rate["limit"]), float(rate.get("window", 300.0)))
    if spec.get("expire_tokens") or spec.get("expire_refresh_tokens"):
        fake.expire_tokens(refresh=bool(spec.get("expire_refresh_tokens")))
    fake.set_token_lifetimes(spec.get("access_seconds"), spec.get("refresh_seconds"))
    for name in ("strict_reply_root", "notification_delay_seconds"):
        if name in spec:
            setattr(fake, name, spec[name])
    return Response(200, {"ok": True})
