"""Case records: post id <-> channel + message ts, status, and what the card needs to re-render."""

from __future__ import annotations

import time

import redis

from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.connection import read_hash


class CaseStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def exists(self, post_id: str) -> bool:
        return bool(self.client.exists(keys.case(post_id)))

    def record_delivery(
        self, pipe: redis.client.Pipeline, mention: Mention, channel: str, ts: str
    ) -> None:
        """Queue the new case on `pipe` (the caller's MULTI, together with the stream ack)."""
        pipe.hset(
            keys.case(mention.post_id),
            mapping={
                "channel": channel,
                "ts": ts,
                "status": CaseStatus.NEW.value,
                "mention": mention.to_json(),
                "delivered_at": f"{time.time():.3f}",
            },
        )

    def get(self, post_id: str) -> tuple[Case, Mention] | None:
        raw = read_hash(self.client, keys.case(post_id))
        if not raw:
            return None
        case = Case(
            post_id=post_id,
            channel=raw["channel"],
            ts=raw["ts"],
            status=CaseStatus(raw.get("status", CaseStatus.NEW.value)),
            status_by=raw.get("status_by") or None,
            status_note=raw.get("status_note") or None,
        )
        return case, Mention.from_json(raw["mention"])
