"""Case records: post id <-> channel + message ts, status, claim, likes, and the card's data."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import Any

import redis

from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.retention import retention_of

# Claim: take only if free or ours (or `force`), then note it on the case (re-arming its expiry,
# ARGV[5]: a claim on a case that already expired must not leave an immortal stub). Returns
# the holder.
_CLAIM = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] and ARGV[3] ~= '1' then return holder end
if holder ~= ARGV[1] then
  redis.call('HSET', KEYS[2], 'claimed_at', ARGV[4])
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
"""

# Change the status only from one of the allowed ones (ARGV[6..]) and re-arm the case's expiry
# (ARGV[5] seconds); returns {changed, previous}.
_TRANSITION = """
local current = redis.call('HGET', KEYS[1], 'status')
if not current or redis.call('HEXISTS', KEYS[1], 'mention') == 0 then return false end
for i = 6, #ARGV do
  if ARGV[i] == current then
    redis.call('HSET', KEYS[1], 'status', ARGV[1], 'status_by', ARGV[2],
               'status_note', ARGV[3], 'status_at', ARGV[4])
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return {1, current}
  end
end
return {0, current}
"""


class CaseStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.retention = retention_of(client)
        self._claim = client.register_script(_CLAIM)
        self._transition = client.register_script(_TRANSITION)

    def exists(self, post_id: str) -> bool:
        return bool(self.client.exists(keys.case(post_id)))

    def record_delivery(
        self,
        pipe: redis.client.Pipeline,
        mention: Mention,
        channel: str,
        ts: str,
        group: Sequence[str] = (),
    ) -> None:
        """Queue the new case on `pipe` (the caller's MULTI, together with the stream ack). A
        direct message's text is not kept here: it lives with the DM retention (DmStore).
        `group`: the post ids of the group message `ts` that shows the case among others (its
        thread belongs to none of them, so it is not indexed to this case)."""
        stored = replace(mention, text="") if mention.is_dm else mention
        pipe.hset(
            keys.case(mention.post_id),
            mapping={
                "channel": channel,
                "ts": ts,
                "status": CaseStatus.NEW.value,
                "mention": stored.to_json(),
                "delivered_at": f"{time.time():.3f}",
            },
        )
        keep = self.retention.case_seconds
        if group:
            pipe.hset(keys.case(mention.post_id), "group_ts", ts)
            pipe.delete(keys.group(channel, ts))  # the whole list, the same from every member
            pipe.rpush(keys.group(channel, ts), *group)
            pipe.expire(keys.group(channel, ts), keep)
        else:
            pipe.set(keys.card_index(channel, ts), mention.post_id, ex=keep)
        self.retention.keep_case(pipe, mention.post_id)

    def group_members(self, channel: str, ts: str) -> list[tuple[str, tuple[Case, Mention] | None]]:
        """The post ids a group message shows, in order, each with its case (None while a
        member is not recorded yet: a crash between the post and the record)."""
        ids = [str(post_id) for post_id in self.client.lrange(keys.group(channel, ts), 0, -1)]
        return [(post_id, self.get(post_id)) for post_id in ids]

    def record_own_card(self, post_id: str, channel: str, ts: str, link: str | None) -> None:
        """A grouped case got its own card (for its thread): from now on that is its card."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(keys.case(post_id), mapping={"ts": ts, "card_link": link or ""})
            pipe.set(keys.card_index(channel, ts), post_id, ex=self.retention.case_seconds)
            pipe.delete(keys.own_card_intent(post_id))
            pipe.execute()

    def get(self, post_id: str) -> tuple[Case, Mention] | None:
        # One round trip: handlers read the case on every click.
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.case(post_id))
            pipe.get(keys.claim(post_id))
            pipe.pttl(keys.claim(post_id))
            raw, holder, ttl_ms = pipe.execute()
        if not raw or "mention" not in raw:
            return None
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
            claimed_at=float(raw["claimed_at"]) if holder and raw.get("claimed_at") else None,
            liked_by=raw.get("liked_by") or None,
            reposted_by=raw.get("reposted_by") or None,
            dm_by=raw.get("dm_by") or None,
            **_annotations(raw, time.time()),
        )
        return case, Mention.from_json(raw["mention"])

    def post_id_for_message(self, channel: str, ts: str) -> str | None:
        value = self.client.get(keys.card_index(channel, ts))
        return str(value) if value else None

    def set_status(
        self, post_id: str, status: CaseStatus, by: str | None, note: str | None = None
    ) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                keys.case(post_id),
                mapping={
                    "status": status.value,
                    "status_by": by or "",
                    "status_note": note or "",
                    "status_at": f"{time.time():.3f}",
                },
            )
            self.retention.keep_case(pipe, post_id)
            pipe.execute()

    def transition(
        self,
        post_id: str,
        status: CaseStatus,
        by: str,
        note: str | None,
        allowed_from: Collection[CaseStatus],
    ) -> tuple[bool, CaseStatus | None]:
        """Set the status only if the case is now in `allowed_from` (atomic: two people resolving
        at once change it once). Returns (changed, the status before); (False, None) = no case."""
        result = self._transition(
            keys=[keys.case(post_id)],
            args=[
                status.value,
                by,
                note or "",
                f"{time.time():.3f}",
                self.retention.case_seconds,
                *(s.value for s in allowed_from),
            ],
        )
        if not result:
            return False, None
        changed, previous = result
        if int(changed):
            self._keep(post_id)  # the case hash itself was re-armed inside the script
        return bool(int(changed)), CaseStatus(str(previous))

    def set_mark(self, post_id: str, field: str, user: str | None) -> None:
        """liked_by / reposted_by: who did it, or None when undone."""
        if field not in ("liked_by", "reposted_by"):
            raise ValueError(field)
        with self.client.pipeline(transaction=True) as pipe:
            if user:
                pipe.hset(keys.case(post_id), field, user)
            else:
                pipe.hdel(keys.case(post_id), field)
            self.retention.keep_case(pipe, post_id)
            pipe.execute()

    def claim(self, post_id: str, user: str, ttl_seconds: float, *, force: bool = False) -> str:
        """Claim the case for `user` (or extend their claim); returns whoever holds it now."""
        holder = self._claim(
            keys=[keys.claim(post_id), keys.case(post_id)],
            args=[
                user,
                int(ttl_seconds * 1000),
                "1" if force else "0",
                f"{time.time():.3f}",
                self.retention.case_seconds,
            ],
        )
        return str(holder)

    def remember_reply(self, post_id: str, normalized_text: str) -> None:
        """Note a reply text X accepted for the post (refuses an identical second reply)."""
        with self.client.pipeline(transaction=True) as pipe:
            self.queue_reply(pipe, post_id, normalized_text)
            pipe.execute()

    def queue_reply(self, pipe: redis.client.Pipeline, post_id: str, normalized_text: str) -> None:
        pipe.sadd(keys.replies(post_id), normalized_text)
        self.retention.keep_case(pipe, post_id)

    def _keep(self, post_id: str) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            self.retention.keep_case(pipe, post_id)
            pipe.execute()

    def release_claim(self, post_id: str) -> None:
        """Drop the claim (on send, resolve, or when its holder lets go)."""
        self.client.delete(keys.claim(post_id))


def _annotations(raw: dict[str, str], now: float) -> dict[str, Any]:
    """What the case gathers after its card: a live mute (one that ran out is none), copies of
    its text and who posted them, what the AI helper suggested."""
    until = float(raw["muted_until"]) if raw.get("muted_until") else None
    muted = until is not None and until > now
    return {
        "muted_by": raw.get("muted_by") or None if muted else None,
        "muted_until": until if muted else None,
        "copies": int(raw.get("copies") or 0),
        "copy_authors": tuple(raw.get("copy_authors", "").split()),
        "ai_kind": raw.get("ai_kind") or None,
        "ai_sentiment": raw.get("ai_sentiment") or None,
        "ai_draft": raw.get("ai_draft") or None,
        "group_ts": raw.get("group_ts") or None,
        "card_link": raw.get("card_link") or None,
    }
