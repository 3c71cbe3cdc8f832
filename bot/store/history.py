"""Each author's cases, newest first: what a card says of the customer, and
`/earshot customer @handle`.

The index is a sorted set per author (case id -> when its post was made), written in the MULTI
that records the case and expiring with the case retention after the author's newest case.
Cases that expired on their own are pruned from it as lookups meet them, so history never
outlives the retention.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import redis

from bot.domain.case import CaseStatus
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.retention import retention_of

SCAN_NEWEST = 50  # a card looks this far back for an open case
PRUNE_OLDEST = 20  # and checks this many of the oldest entries for expired cases
_FIELDS = ("status", "status_by", "status_at", "channel", "ts")


@dataclass(frozen=True, slots=True)
class PastCase:
    post_id: str
    created_at: float
    status: CaseStatus
    status_by: str | None
    status_at: float | None
    channel: str
    ts: str

    @property
    def open(self) -> bool:
        return self.status is not CaseStatus.RESOLVED


class CaseHistory:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.retention = retention_of(client)

    def queue_case(self, pipe: redis.client.Pipeline, mention: Mention) -> None:
        """Add a new case to its author's history (in the MULTI that records the case)."""
        keep = self.retention.case_seconds
        index = keys.author_cases(mention.author.id)
        pipe.zadd(index, {mention.post_id: mention.created_at.timestamp()})
        pipe.expire(index, keep)
        pipe.set(keys.author_handle(mention.author.username), mention.author.id, ex=keep)

    def author_id(self, handle: str) -> str | None:
        found = self.client.get(keys.author_handle(handle.lstrip("@")))
        return str(found) if found else None

    def count(self, author_id: str) -> int:
        return int(self.client.zcard(keys.author_cases(author_id)))

    def newest(self, author_id: str, limit: int, exclude: str | None = None) -> list[PastCase]:
        """The author's newest cases still on record (newest first), `exclude` left out."""
        index = keys.author_cases(author_id)
        listed = cast(list[Any], self.client.zrevrange(index, 0, limit, withscores=True))
        oldest = cast(list[Any], self.client.zrange(index, 0, PRUNE_OLDEST - 1, withscores=True))
        found = self._cases(author_id, [(str(m), float(s)) for m, s in listed])
        self._cases(author_id, [(str(m), float(s)) for m, s in oldest])  # prunes what expired
        return [case for case in found if case.post_id != exclude][:limit]

    def _cases(self, author_id: str, entries: Sequence[tuple[str, float]]) -> list[PastCase]:
        """The entries' cases that still exist; the ones that expired leave the index."""
        if not entries:
            return []
        with self.client.pipeline(transaction=False) as pipe:
            for post_id, _at in entries:
                pipe.hmget(keys.case(post_id), _FIELDS)
            rows = cast(list[list[str | None]], pipe.execute())
        cases, gone = [], []
        for (post_id, at), row in zip(entries, rows, strict=True):
            status, status_by, status_at, channel, ts = row
            if status is None or channel is None or ts is None:
                gone.append(post_id)
                continue
            moment = float(status_at) if status_at else None
            cases.append(
                PastCase(post_id, at, CaseStatus(status), status_by or None, moment, channel, ts)
            )
        if gone:
            self.client.zrem(keys.author_cases(author_id), *gone)
        return cases
