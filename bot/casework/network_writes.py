"""Writes from Slack on networks other than X: a reply (exactly once), a like or repost, undo.

X keeps its own path (bot/casework/sending.py, engage.py: tiers, the reply rule, the doubt
check on its timeline). Each other network says here how its reply is made exactly once:
- Bluesky: the reply's record key is chosen once per draft (post + text) and kept in Redis
  before the first try; BlueskySource.reply looks the record up before posting, so a retry
  after a timeout, or the same text sent again, is never a second post.
- Mastodon: the draft's key is the Idempotency-Key, which the server honours for an hour; a
  try whose answer was lost is repeated at once with the same key (the server answers with
  the status it already made).
"""

from __future__ import annotations

import hashlib
import random
import time
from typing import Protocol

from bot.casework.cards import load_reply_target
from bot.domain.mastodon_text import DEFAULT_MAX_CHARACTERS
from bot.domain.mention import Mention
from bot.domain.network import (
    BLUESKY,
    MASTODON,
    bluesky_uri,
    bluesky_web_url,
    mastodon_status_id,
    network_of,
    new_tid,
)
from bot.services import Services
from bot.sources.bluesky import LIKE, REPOST, BlueskyError, BlueskySource
from bot.sources.mastodon import MastodonCallError, MastodonSource
from bot.sources.social_error import SocialError
from bot.store import keys

RKEY_SECONDS = 30 * 24 * 3600  # as long as the draft's send record


class Writer(Protocol):
    def reply(self, target: str, text: str, send_key: str) -> str:
        """Post `text` in reply to post `target`; the reply's post id. Raises SocialError."""

    def reply_url(self, reply_id: str, mention: Mention) -> str: ...

    def engage(self, post_id: str, right: str, *, undo: bool) -> str | None:
        """Like or repost (`right`), or undo it; a message when it did not happen."""


def writer_for(services: Services, post_id: str) -> Writer | None:
    """The writer of the post's network; None for X (it has its own path)."""
    network = network_of(post_id).key
    if network == BLUESKY:
        return BlueskyWriter(services)
    if network == MASTODON:
        return MastodonWriter(services)
    return None


class BlueskyWriter:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _source(self) -> BlueskySource:
        if self.services.bluesky is None:
            raise BlueskyError("unauthorized", "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD unset")
        return self.services.bluesky

    def reply(self, target: str, text: str, send_key: str) -> str:
        mention = stored_mention(self.services, target)
        if mention is None:
            raise BlueskyError("not_found", f"no stored post {target[:80]}")
        key = f"{send_key}:rkey"
        fresh = new_tid(int(time.time() * 1_000_000), random.randrange(1024))
        self.services.redis.set(key, fresh, nx=True, ex=RKEY_SECONDS)
        rkey = str(self.services.redis.get(key) or fresh)
        return self._source().reply(mention, text, rkey)

    def reply_url(self, reply_id: str, mention: Mention) -> str:
        if not reply_id:
            return mention.url
        handle = self.services.settings.bluesky_handle or "profile"
        return bluesky_web_url(bluesky_uri(reply_id), handle)

    def engage(self, post_id: str, right: str, *, undo: bool) -> str | None:
        """The like or repost record's uri is kept on the case: undoing deletes that record."""
        mention = stored_mention(self.services, post_id)
        if mention is None:
            return "Earshot no longer has this post."
        field = f"bluesky_{right}_record"
        redis = self.services.redis
        try:
            if undo:
                record = redis.hget(keys.case(post_id), field)
                if record:
                    self._source().undo(str(record))
                redis.hdel(keys.case(post_id), field)
            else:
                made = self._source().engage(mention, LIKE if right == "like" else REPOST)
                redis.hset(keys.case(post_id), field, made)
        except SocialError as error:
            return error.explain(right)
        return None


class MastodonWriter:
    def __init__(self, services: Services) -> None:
        self.services = services

    def _source(self) -> MastodonSource:
        if self.services.mastodon is None:
            raise MastodonCallError("unauthorized", "MASTODON_* unset")
        return self.services.mastodon

    def reply(self, target: str, text: str, send_key: str) -> str:
        mention = stored_mention(self.services, target)
        if mention is None:
            raise MastodonCallError("not_found", f"no stored post {target[:80]}")
        idempotency = hashlib.sha256(send_key.encode()).hexdigest()[:40]
        try:
            return self._source().reply(mention, text, idempotency)
        except MastodonCallError as error:
            if error.kind != "network":
                raise
            return self._source().reply(mention, text, idempotency)  # same key: same status

    def reply_url(self, reply_id: str, mention: Mention) -> str:
        if not reply_id:
            return mention.url
        source = self._source()
        account = str(source.me().get("username") or "")
        return f"{source.base_url}/@{account}/{mastodon_status_id(reply_id)}"

    def engage(self, post_id: str, right: str, *, undo: bool) -> str | None:
        mention = stored_mention(self.services, post_id)
        if mention is None:
            return "Earshot no longer has this post."
        try:
            if right == "like":
                self._source().favourite(mention, undo=undo)
            else:
                self._source().boost(mention, undo=undo)
        except SocialError as error:
            return error.explain("favourite" if right == "like" else "boost")
        return None


def length_limit(services: Services, mention: Mention) -> int:
    """The Mastodon instance's max_characters for a reply there (its default when the
    instance will not say now); unused elsewhere."""
    source = services.mastodon
    if mention.network.key != MASTODON or source is None:
        return DEFAULT_MAX_CHARACTERS
    try:
        return source.limits().max_characters
    except SocialError:
        return DEFAULT_MAX_CHARACTERS


def stored_mention(services: Services, post_id: str) -> Mention | None:
    """The post as stored: a case's own, or a follow-up threaded into one."""
    found = load_reply_target(services, post_id)
    return found[1] if found is not None else None
