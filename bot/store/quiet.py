"""Posts that join an existing case without a card of their own or reopening it: those of an
author someone muted, and copies of a text already carded (copy-paste campaigns)."""

from __future__ import annotations

import redis

from bot.domain.mention import Mention
from bot.store import keys

MUTE_SECONDS = 24 * 3600
SAME_TEXT_SECONDS = 24 * 3600  # a copy a day later is news again: it gets a card of its own
COPY_AUTHORS_SHOWN = 5


def mute_author(client: redis.Redis, author_id: str, case_id: str, by: str, now: float) -> float:
    """Mute the author for MUTE_SECONDS from `case_id`; returns until when."""
    until = now + MUTE_SECONDS
    with client.pipeline() as pipe:
        pipe.set(keys.muted_author(author_id), case_id, ex=MUTE_SECONDS)
        pipe.hset(keys.case(case_id), mapping={"muted_by": by, "muted_until": f"{until:.3f}"})
        pipe.execute()
    return until


def unmute_author(client: redis.Redis, author_id: str, case_id: str) -> None:
    """The author's next posts get cards again (the mute of another case is left alone)."""
    key = keys.muted_author(author_id)
    client.hdel(keys.case(case_id), "muted_by", "muted_until")
    if client.get(key) == case_id:
        client.delete(key)


def muted_case(client: redis.Redis, author_id: str) -> str | None:
    value = client.get(keys.muted_author(author_id))
    return str(value) if value else None


def same_text_case(client: redis.Redis, fingerprint: str) -> str | None:
    value = client.get(keys.same_text(fingerprint))
    return str(value) if value else None


def queue_same_text(pipe: redis.client.Pipeline, fingerprint: str, case_id: str) -> None:
    """Remember the first case of a text (in the MULTI that records the card)."""
    pipe.set(keys.same_text(fingerprint), case_id, nx=True, ex=SAME_TEXT_SECONDS)


def queue_quiet_join(
    pipe: redis.client.Pipeline,
    case_id: str,
    mention: Mention,
    *,
    copy_authors: tuple[str, ...] | None,
    keep_seconds: int,
) -> None:
    """Index the post to its case (so it is delivered once); a copy is counted on the case,
    its author listed among the first few (`copy_authors`: the list as it was, None for a
    muted author's post)."""
    pipe.set(keys.thread_of(mention.post_id), case_id, ex=keep_seconds)
    if copy_authors is None:
        pipe.hincrby(keys.case(case_id), "muted_posts", 1)
        return
    pipe.hincrby(keys.case(case_id), "copies", 1)
    handle = mention.author.username
    if len(copy_authors) < COPY_AUTHORS_SHOWN and handle not in copy_authors:
        pipe.hset(keys.case(case_id), "copy_authors", " ".join((*copy_authors, handle)))
