"""Ingest: dedupe each post, append it to the inbox stream and advance the checkpoint atomically."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import redis
import structlog

from bot.domain.mention import Mention, post_id_key
from bot.store import keys
from bot.store.retention import retention_of
from bot.store.spikes import SpikeCounter

log = structlog.get_logger()

# One script = one atomic step: a crash leaves either nothing or everything of a batch.
# KEYS: inbox, checkpoint, seen keys (n), sources keys (n)
# ARGV: checkpoint ("" = keep), seen ttl, source, payloads (n), post ids (n)
# Each post's sources set records every source that offered it (one card lists them all); a new
# source offering a post already seen appends an `update` entry so its card can be re-rendered.
# X ids are 64-bit: Lua numbers are doubles, so ids are compared as (length, string).
_INGEST = """
local n = (#KEYS - 2) / 2
local added = 0
for i = 1, n do
  local fresh = redis.call('SET', KEYS[2 + i], '1', 'NX', 'EX', ARGV[2])
  local joined = redis.call('SADD', KEYS[2 + n + i], ARGV[3])
  redis.call('EXPIRE', KEYS[2 + n + i], ARGV[2])
  if fresh then
    redis.call('XADD', KEYS[1], '*', 'mention', ARGV[3 + i])
    added = added + 1
  elseif joined == 1 then
    redis.call('XADD', KEYS[1], '*', 'update', ARGV[3 + n + i])
  end
end
local new = ARGV[1]
if new ~= '' then
  local old = redis.call('GET', KEYS[2])
  if (not old) or #new > #old or (#new == #old and new > old) then
    redis.call('SET', KEYS[2], new)
  end
end
return added
"""


class Ingest:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._script = client.register_script(_INGEST)
        self.spikes = SpikeCounter(client)

    def ingest(self, source: str, mentions: Sequence[Mention], checkpoint: str | None) -> int:
        """Append the unseen mentions; move `source`'s checkpoint to `checkpoint` if it is newer.
        Every offered post remembers `source` among the sources that matched it.

        Returns how many were new. Safe to call again with the same posts (they are skipped).
        """
        now = time.time()
        # Never admit a post older than the retention: its `seen` mark may have expired (see
        # bot/store/retention.py for why this, not a longer TTL, keeps dedupe safe).
        retention = retention_of(self.client)
        mentions = [m for m in mentions if not retention.too_old(m.created_at, now)]
        # X pages are newest first; the stream (and so the channel) gets them oldest first.
        mentions = sorted(mentions, key=lambda m: post_id_key(m.post_id))
        payloads = [_stamp(m, now).to_json() for m in mentions]
        seen_keys = [keys.seen(m.post_id) for m in mentions]
        source_keys = [keys.post_sources(m.post_id) for m in mentions]
        added = int(
            self._script(
                keys=[keys.INBOX, keys.checkpoint(source), *seen_keys, *source_keys],
                args=[
                    checkpoint or "",
                    retention.seen_seconds,
                    source,
                    *payloads,
                    *(m.post_id for m in mentions),
                ],
            )
        )
        if added:
            self.client.hincrby(keys.METRICS, "mentions_ingested", added)
        self._count_for_spikes(source, mentions, now)
        log.debug("ingested", source=source, offered=len(mentions), added=added)
        return added

    def _count_for_spikes(self, source: str, mentions: Sequence[Mention], now: float) -> None:
        """Each offered post counts once for its source's spike watch (the counter dedupes,
        so a post offered again is no second count). The batch is in the inbox already:
        a failure here costs a few counts, never a mention."""
        if not mentions:
            return
        try:
            self.spikes.record(source, mentions, now)
        except redis.RedisError as error:
            log.warning("spike_count_failed", source=source, error=repr(error))

    def start_at(self, source: str, present: Sequence[Mention], checkpoint: str) -> None:
        """Begin `source` at "now": what it already holds counts as seen (never carded), and
        its checkpoint is set. For a source read by time, where the post at the checkpoint's
        very instant is read again by the next round."""
        seconds = retention_of(self.client).seen_seconds
        with self.client.pipeline(transaction=True) as pipe:
            for mention in present:  # as ingest marks a post, so offering it again is a no-op
                pipe.set(keys.seen(mention.post_id), "1", nx=True, ex=seconds)
                pipe.sadd(keys.post_sources(mention.post_id), source)
                pipe.expire(keys.post_sources(mention.post_id), seconds)
            pipe.set(keys.checkpoint(source), checkpoint, nx=True)
            pipe.execute()

    def checkpoint(self, source: str) -> str | None:
        value = self.client.get(keys.checkpoint(source))
        return str(value) if value is not None else None


def _stamp(mention: Mention, now: float) -> Mention:
    return replace(mention, seen_at=now)
