"""Ingest: dedupe each post, append it to the inbox stream and advance the checkpoint atomically."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

import redis
import structlog

from bot.domain.mention import Mention
from bot.store import keys

log = structlog.get_logger()

# One script = one atomic step: a crash leaves either nothing or everything of a batch.
# KEYS: inbox, checkpoint, seen keys...; ARGV: checkpoint ("" = keep), seen ttl, payloads...
# X ids are 64-bit: Lua numbers are doubles, so ids are compared as (length, string).
_INGEST = """
local added = 0
for i = 3, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[2]) then
    redis.call('XADD', KEYS[1], '*', 'mention', ARGV[i])
    added = added + 1
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

SEEN_TTL_SECONDS = 90 * 24 * 3600  # far beyond the 800-mention / 7-day reach of X's API


class Ingest:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._script = client.register_script(_INGEST)

    def ingest(self, source: str, mentions: Sequence[Mention], checkpoint: str | None) -> int:
        """Append the unseen mentions; move `source`'s checkpoint to `checkpoint` if it is newer.

        Returns how many were new. Safe to call again with the same posts (they are skipped).
        """
        now = time.time()
        payloads = [_stamp(m, now).to_json() for m in mentions]
        seen_keys = [keys.seen(m.post_id) for m in mentions]
        added = int(
            self._script(
                keys=[keys.INBOX, keys.checkpoint(source), *seen_keys],
                args=[checkpoint or "", SEEN_TTL_SECONDS, *payloads],
            )
        )
        if added:
            self.client.hincrby(keys.METRICS, "mentions_ingested", added)
        log.debug("ingested", source=source, offered=len(mentions), added=added)
        return added

    def checkpoint(self, source: str) -> str | None:
        value = self.client.get(keys.checkpoint(source))
        return str(value) if value is not None else None


def _stamp(mention: Mention, now: float) -> Mention:
    return replace(mention, seen_at=now)
