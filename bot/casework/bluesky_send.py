"""Bluesky writes from Slack: a reply (exactly once), a like or repost and their undo.

The record key of the reply is chosen once per draft (per post and text) and kept in Redis
before the first try: a retry after a timeout, or the same text sent again, reuses it, and
BlueskySource.reply looks the record up before posting, so one draft is one post.
"""

from __future__ import annotations

import random
import time

from bot.domain.mention import Mention
from bot.domain.network import bluesky_uri, bluesky_web_url, new_tid
from bot.services import Services
from bot.sources.bluesky import LIKE, REPOST, BlueskyError
from bot.store import keys
from bot.store.conversations import Conversations

RKEY_SECONDS = 30 * 24 * 3600  # as long as the draft's send record


def post_bluesky_reply(services: Services, target: str, text: str, send_key: str) -> str:
    """Post `text` in reply to the Bluesky post `target`; the reply's post id. Raises
    BlueskyError (its user_text says what to do)."""
    source = services.bluesky
    if source is None:
        raise BlueskyError("unauthorized", "BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are not set")
    mention = _stored(services, target)
    if mention is None:
        raise BlueskyError("not_found", f"no stored post {target[:80]}")
    key = f"{send_key}:rkey"
    fresh = new_tid(int(time.time() * 1_000_000), random.randrange(1024))
    services.redis.set(key, fresh, nx=True, ex=RKEY_SECONDS)
    rkey = str(services.redis.get(key) or fresh)
    return source.reply(mention, text, rkey)


def bluesky_reply_url(services: Services, reply_id: str, mention: Mention) -> str:
    """bsky.app's page for our reply (the post itself when the id is unknown)."""
    if not reply_id:
        return mention.url
    handle = services.settings.bluesky_handle or "profile"
    return bluesky_web_url(bluesky_uri(reply_id), handle)


def _stored(services: Services, post_id: str) -> Mention | None:
    """The post as stored: a case's own, or a follow-up threaded into one."""
    found = services.cases.get(post_id)
    if found is not None:
        return found[1]
    followup = Conversations(services.redis).followup(post_id)
    return followup.mention if followup is not None else None


def bluesky_engage(services: Services, post_id: str, right: str, *, undo: bool) -> str | None:
    """Like or repost the post (or undo it); a message for the person when it did not
    happen. The record's uri is kept on the case: undoing deletes that record."""
    source = services.bluesky
    mention = _stored(services, post_id)
    if source is None or mention is None:
        return "Earshot cannot reach this post's Bluesky account right now."
    field = f"bluesky_{right}_record"
    try:
        if undo:
            record = services.redis.hget(keys.case(post_id), field)
            if record:
                source.undo(str(record))
            services.redis.hdel(keys.case(post_id), field)
        else:
            collection = LIKE if right == "like" else REPOST
            services.redis.hset(keys.case(post_id), field, source.engage(mention, collection))
    except BlueskyError as error:
        return error.explain(right)
    return None
