"""The order a read of the inbox is delivered in: urgent new posts first (bot/domain/priority)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import redis

from bot.domain.mention import Mention
from bot.domain.priority import NORMAL, urgent_first
from bot.pipeline.grouping import new_post
from bot.pipeline.inbox import Entry
from bot.store import keys

# A post and every source that matched it -> URGENT or NORMAL.
Rank = Callable[[Mention, frozenset[str]], int]


class PriorityOrder:
    """Reorders one read of inbox entries. Only new posts move, and only forward: a direct
    message, a follow-up or an edit keeps its place (it may depend on a case carded just
    before it), and an `update` entry stays after the post it updates."""

    def __init__(self, client: redis.Redis, rank: Rank) -> None:
        self.client, self.rank = client, rank

    def __call__(self, entries: Sequence[Entry]) -> list[Entry]:
        if len(entries) < 2:
            return list(entries)
        movable: dict[int, Mention] = {}
        for index, (_entry_id, fields) in enumerate(entries):
            mention = new_post(fields)
            if mention is not None:
                movable[index] = mention
        if not movable:
            return list(entries)
        with self.client.pipeline(transaction=False) as pipe:
            for mention in movable.values():
                pipe.smembers(keys.post_sources(mention.post_id))
            found: list[Any] = pipe.execute()
        ranks = [NORMAL] * len(entries)
        for (index, mention), sources in zip(movable.items(), found, strict=True):
            matched = frozenset(str(s) for s in sources) or frozenset(mention.rules)
            ranks[index] = self.rank(mention, matched)
        return urgent_first(entries, ranks)
