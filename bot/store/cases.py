"""Case records: post id <-> channel + message ts, status, claim, likes, and the card's data."""

from __future__ import annotations

import time

import redis

from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.connection import read_hash

CARD_INDEX_TTL_SECONDS = 180 * 24 * 3600

# Claim: take only if free or ours (or `force`), then note it on the case. Returns the holder.
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and ARGV[3] ~= '1' then return holder end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"""


class CaseStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._claim = client.register_script(_CLAIM)

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
        pipe.set(keys.card_index(channel, ts), mention.post_id, ex=CARD_INDEX_TTL_SECONDS)

    def get(self, post_id: str) -> tuple[Case, Mention] | None:
        raw = read_hash(self.client, keys.case(post_id))
        if not raw or "mention" not in raw:
            return None
        holder = self.client.get(keys.claim(post_id))
        ttl_ms = int(self.client.pttl(keys.claim(post_id))) if holder else -1
        case = Case(
            post_id=post_id,
            channel=raw["channel"],
            ts=raw["ts"],
            status=CaseStatus(raw.get("status", CaseStatus.NEW.value)),
            status_by=raw.get("status_by") or None,
            status_note=raw.get("status_note") or None,
            status_at=float(raw["status_at"]) if raw.get("status_at") else None,
            claimed_by=str(holder) if holder else None,
            claimed_until=time.time() + ttl_ms / 1000 if holder and ttl_ms > 0 else None,
            liked_by=raw.get("liked_by") or None,
            reposted_by=raw.get("reposted_by") or None,
        )
        return case, Mention.from_json(raw["mention"])

    def post_id_for_message(self, channel: str, ts: str) -> str | None:
        value = self.client.get(keys.card_index(channel, ts))
        return str(value) if value else None

    def set_status(
        self, post_id: str, status: CaseStatus, by: str | None, note: str | None = None
    ) -> None:
        self.client.hset(
            keys.case(post_id),
            mapping={
                "status": status.value,
                "status_by": by or "",
                "status_note": note or "",
                "status_at": f"{time.time():.3f}",
            },
        )

    def set_mark(self, post_id: str, field: str, user: str | None) -> None:
        """liked_by / reposted_by: who did it, or None when undone."""
        if field not in ("liked_by", "reposted_by"):
            raise ValueError(field)
        if user:
            self.client.hset(keys.case(post_id), field, user)
        else:
            self.client.hdel(keys.case(post_id), field)

    def claim(self, post_id: str, user: str, ttl_seconds: float, *, force: bool = False) -> str:
        """Claim the case for `user` (or extend their claim); returns whoever holds it now."""
        holder = self._claim(
            keys=[keys.claim(post_id)], args=[user, int(ttl_seconds * 1000), "1" if force else "0"]
        )
        return str(holder)

    def release_claim(self, post_id: str, user: str | None = None) -> None:
        """Drop the claim (only `user`'s, when given)."""
        if user is None or self.client.get(keys.claim(post_id)) == user:
            self.client.delete(keys.claim(post_id))
