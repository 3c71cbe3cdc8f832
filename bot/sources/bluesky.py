"""Bluesky through the atproto SDK: the brand account's session, its mentions, its replies.

One app-password login per process (the login limit is low: 30 per 5 minutes), reused and
refreshed by the SDK; every failure becomes a BlueskyError with a sentence a person can act on.
A reply is posted with a record key chosen before the first try and kept with the draft, so
a retry after a timeout, or a second Send of the same text, can never post it twice: the
record is looked up first, and an existing one is the reply.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import structlog
from atproto import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestErrorBase,
    UnauthorizedError,
)

from bot.domain.mention import Author, Mention
from bot.domain.network import BLUESKY, bluesky_post_id, bluesky_uri
from bot.sources.social_error import SocialError

log = structlog.get_logger()

REASONS = ("mention", "reply", "quote")  # what is a mention of the brand (likes, follows: not)
PAGE_LIMIT = 50
POST_COLLECTION = "app.bsky.feed.post"
LIKE, REPOST = "app.bsky.feed.like", "app.bsky.feed.repost"


class BlueskyError(SocialError):
    network = "Bluesky"
    credentials = "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD"


@dataclass(frozen=True, slots=True)
class Notifications:
    """One page of the brand's notifications, newest first: each item's indexedAt with its
    mention (None: our own post, or nothing we can read), and the cursor to older pages."""

    items: list[tuple[str, Mention | None]]
    cursor: str | None


class BlueskySource:
    def __init__(self, handle: str, app_password: str, service_url: str) -> None:
        self.handle, self._password = handle, app_password
        self.client = Client(base_url=service_url.rstrip("/") + "/xrpc")
        self._login_lock = threading.Lock()
        self.did: str | None = None

    def login(self) -> str:
        """The brand account's DID, logging in once (the SDK refreshes the session after)."""
        with self._login_lock:
            if self.did is None:
                self._call(lambda: self.client.login(self.handle, self._password))
                self.did = self._did()
            return self.did

    def close(self) -> None:
        """Close the SDK's HTTP connections (a worker keeps one source for its lifetime)."""
        self.client.request.close()

    def _did(self) -> str:
        me = self.client.me
        if me is None:
            raise BlueskyError("server", "the login returned no profile")
        return str(me.did)

    def notifications(self, cursor: str | None) -> Notifications:
        """A page of mentions, replies and quotes of the brand (newest first)."""
        own = self.login()
        params: dict[str, Any] = {"limit": PAGE_LIMIT, "reasons": list(REASONS)}
        if cursor:
            params["cursor"] = cursor
        page = self._call(lambda: self.client.app.bsky.notification.list_notifications(params))
        items = [
            (
                str(item.indexed_at),
                _mention(item) if item.reason in REASONS and item.author.did != own else None,
            )
            for item in page.notifications
        ]
        return Notifications(items, page.cursor or None)

    def reply(self, mention: Mention, text: str, rkey: str) -> str:
        """Post `text` as the reply to `mention` under record key `rkey`; its post id. An
        attempt that may have landed is looked up, never posted blind a second time."""
        own = self.login()
        uri = f"at://{own}/{POST_COLLECTION}/{rkey}"
        if self.exists(uri):
            return bluesky_post_id(uri)  # an earlier try (or Send) already posted it
        if not self.exists(bluesky_uri(mention.post_id)):  # Bluesky would take a reply to
            raise BlueskyError("not_found", "the post was deleted")  # a deleted post
        parent = models.ComAtprotoRepoStrongRef.Main(
            uri=bluesky_uri(mention.post_id), cid=mention.cid or ""
        )
        root_uri, root_cid = mention.thread_root or (parent.uri, parent.cid)
        record = models.AppBskyFeedPost.Record(
            created_at=self.client.get_current_time_iso(),
            text=text,
            reply=models.AppBskyFeedPost.ReplyRef(
                root=models.ComAtprotoRepoStrongRef.Main(uri=root_uri, cid=root_cid), parent=parent
            ),
            facets=self._call(lambda: self.client.detect_facets(text)) or None,
        )
        data = models.ComAtprotoRepoCreateRecord.Data(
            repo=own, collection=POST_COLLECTION, record=record, rkey=rkey
        )
        try:
            created = self._call(lambda: self.client.com.atproto.repo.create_record(data))
        except BlueskyError as error:
            if error.kind == "network" and self.exists(uri):
                return bluesky_post_id(uri)  # it landed; the answer was what got lost
            raise
        return bluesky_post_id(str(created.uri))

    def engage(self, mention: Mention, collection: str) -> str:
        """Like or repost the post (`app.bsky.feed.like` / `.repost`); the record's uri, which
        undoing it deletes."""
        subject = bluesky_uri(mention.post_id)
        if collection == LIKE:
            done = self._call(lambda: self.client.like(subject, mention.cid or ""))
        else:
            done = self._call(lambda: self.client.repost(subject, mention.cid or ""))
        return str(done.uri)

    def undo(self, record_uri: str) -> None:
        """Delete a like or repost record."""
        self.login()
        if f"/{LIKE}/" in record_uri:
            self._call(lambda: self.client.unlike(record_uri))
        else:
            self._call(lambda: self.client.unrepost(record_uri))

    def exists(self, uri: str) -> bool:
        found = self._call(lambda: self.client.get_posts([uri]))
        return any(str(post.uri) == uri for post in found.posts)

    def _call(self, call: Any) -> Any:
        """`call()`, its failure as a BlueskyError. The SDK refreshes the session only before
        it expires by its own clock: an access token the server expired earlier (400
        ExpiredToken) means logging in again, then one more try."""
        try:
            return self._classified(call)
        except BlueskyError as error:
            if "ExpiredToken" not in error.detail or self.did is None:
                raise
            log.info("bluesky_session_expired")
            self.did = None
            self.login()
            return self._classified(call)

    def _classified(self, call: Any) -> Any:
        try:
            return call()
        except RateLimitExceededError as error:
            reset = error.reset_at
            raise BlueskyError(
                "rate_limited", "429", status=429, retry_at=reset.timestamp() if reset else None
            ) from None
        except UnauthorizedError as error:
            raise BlueskyError("unauthorized", _detail(error), status=401) from None
        except BadRequestError as error:
            detail = _detail(error)
            gone = "notfound" in detail.replace(" ", "").lower()
            raise BlueskyError("not_found" if gone else "bad_request", detail, status=400) from None
        except NetworkError as error:
            raise BlueskyError("network", _detail(error)) from None
        except httpx.TransportError as error:  # the SDK lets a dropped connection through
            raise BlueskyError("network", type(error).__name__) from None
        except RequestErrorBase as error:
            status = error.response.status_code if error.response is not None else None
            raise BlueskyError("server", _detail(error), status=status) from None
        except AtProtocolError as error:
            raise BlueskyError("server", repr(error)[:200]) from None


def _detail(error: RequestErrorBase) -> str:
    """What Bluesky said ("InvalidRequest: ..."), never the request (it carries the token)."""
    return str(error)[:300]


def _mention(item: Any) -> Mention | None:
    """A notification as a Mention; None when it carries no post we can read."""
    record = item.record
    text = getattr(record, "text", None)
    if not isinstance(text, str):
        return None
    author = item.author
    reply = getattr(record, "reply", None)
    root = (str(reply.root.uri), str(reply.root.cid)) if reply is not None else None
    post_id = bluesky_post_id(str(item.uri))
    return Mention(
        post_id=post_id,
        text=text,
        author=Author(
            id=str(author.did),
            username=str(author.handle),
            name=str(author.display_name or author.handle),
            network=BLUESKY,
        ),
        created_at=_time(str(getattr(record, "created_at", "") or item.indexed_at)),
        conversation_id=bluesky_post_id(root[0]) if root else post_id,
        replied_to=bluesky_post_id(str(reply.parent.uri)) if reply is not None else None,
        cid=str(item.cid),
        thread_root=root,
    )


def _time(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
