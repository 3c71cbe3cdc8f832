"""Replies whose outcome X never told us: what was sent, to which post, by whom, and when.

A reply whose request timed out or whose connection dropped may be public. It is held here, and
its draft's idempotency record says `doubt`, until the own-timeline poll settles it: found on
the timeline (recorded as sent, with its link) or, after DOUBT_SECONDS with the timeline read
and no such post, not sent (the draft is freed). Meanwhile no reply to that post is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import redis

from bot.store import keys
from bot.store.connection import read_hash

HOLD_SECONDS = 24 * 3600  # the records outlive any settling; a stuck one frees itself


class InDoubt(Exception):
    """X may or may not have posted the reply (no answer came back)."""


@dataclass(frozen=True, slots=True)
class Doubt:
    case_id: str
    target: str  # the post replied to
    text: str
    sender_id: str
    at: float = 0.0
    key: str = ""  # the draft's idempotency record
    kind: str = "reply"  # or "autoreply": settled without stopping the SLA clock


def hold_in_doubt(client: redis.Redis, key: str, doubt: Doubt, now: float) -> None:
    record: dict[Any, Any] = {
        "case": doubt.case_id,
        "text": doubt.text,
        "sender": doubt.sender_id,
        "at": repr(now),
        "key": key,
        "kind": doubt.kind,
    }
    with client.pipeline(transaction=True) as pipe:
        pipe.set(key, f"doubt:{doubt.sender_id}", ex=HOLD_SECONDS)
        pipe.hset(keys.in_doubt(doubt.target), mapping=record)
        pipe.expire(keys.in_doubt(doubt.target), HOLD_SECONDS)
        pipe.zadd(keys.IN_DOUBT, {doubt.target: now})
        pipe.execute()


def doubt_about(client: redis.Redis, target: str) -> Doubt | None:
    raw = read_hash(client, keys.in_doubt(target))
    if not raw.get("case"):
        return None
    text, sender, kind = raw.get("text", ""), raw.get("sender", ""), raw.get("kind", "reply")
    at, key = float(raw.get("at", 0)), raw.get("key", "")
    return Doubt(raw["case"], target, text, sender, at, key, kind)


def doubts_older_than(client: redis.Redis, moment: float) -> list[str]:
    """Targets whose reply has been in doubt since before `moment`."""
    return [str(t) for t in cast(list[Any], client.zrangebyscore(keys.IN_DOUBT, 0, moment))]


def settle(client: redis.Redis, doubt: Doubt, reply_id: str | None) -> bool:
    """End the doubt: sent as `reply_id`, or not sent (None). True for the one caller that
    settled it (two pollers never both record it)."""
    with client.pipeline(transaction=True) as pipe:
        pipe.delete(keys.in_doubt(doubt.target))
        pipe.zrem(keys.IN_DOUBT, doubt.target)
        won = pipe.execute()[0]
    if not won:
        return False
    if reply_id is None:
        client.delete(doubt.key)
    else:
        client.set(doubt.key, f"sent:{reply_id}", ex=30 * 24 * 3600)
    return True
