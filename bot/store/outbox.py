"""A durable outbox for outbound webhooks: due times in a sorted set, items claimed atomically.

A claimed item's due time moves `lease` seconds ahead, so an item whose worker died is tried again
later (at least once; receivers dedupe by the delivery id). Only the claim holder (its token) may
complete, reschedule or bury an item. The body is stored as the exact bytes sent every time.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, cast

import redis

from bot.store import keys

MAX_DEAD = 1000

_CLAIM = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #ids == 0 then return false end
local id = ids[1]
local raw = redis.call('HGET', KEYS[2], id)
if not raw then
  redis.call('ZREM', KEYS[1], id)
  return false
end
local item = cjson.decode(raw)
item.claim = ARGV[3]
item.attempts = (item.attempts or 0) + 1
redis.call('HSET', KEYS[2], id, cjson.encode(item))
redis.call('ZADD', KEYS[1], ARGV[2], id)
return {id, cjson.encode(item)}
"""

# ARGV: id, token, mode ('done' | 'retry' | 'dead'), due (retry), dead entry (dead), error
_SETTLE = """
local raw = redis.call('HGET', KEYS[2], ARGV[1])
if not raw then return 0 end
local item = cjson.decode(raw)
if item.claim ~= ARGV[2] then return 0 end
if ARGV[3] == 'retry' then
  item.claim = ''
  item.last_error = ARGV[6]
  redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(item))
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
  return 1
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[3] == 'dead' then
  redis.call('LPUSH', KEYS[3], ARGV[5])
  redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[7]) - 1)
end
return 1
"""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: str
    body: str  # the exact JSON text sent on every attempt
    context: dict[str, Any]  # what the sender needs to report back (post id, Slack thread)
    attempts: int  # attempts started, this one included
    token: str


class Outbox:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._claim = client.register_script(_CLAIM)
        self._settle = client.register_script(_SETTLE)

    def enqueue(self, body: str, context: dict[str, Any], due: float | None = None) -> str:
        item_id = f"w{self.client.incr(keys.WEBHOOK_SEQ)}-{uuid.uuid4().hex[:8]}"
        item = {
            "body": body,
            "context": context,
            "attempts": 0,
            "claim": "",
            "created": time.time(),
        }
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(keys.WEBHOOK_ITEMS, item_id, json.dumps(item, ensure_ascii=False))
            pipe.zadd(keys.WEBHOOK_DUE, {item_id: time.time() if due is None else due})
            pipe.execute()
        return item_id

    def claim(self, now: float, lease_seconds: float) -> OutboxItem | None:
        """The next due item, now ours for `lease_seconds` (None when nothing is due)."""
        token = uuid.uuid4().hex
        found = self._claim(
            keys=[keys.WEBHOOK_DUE, keys.WEBHOOK_ITEMS], args=[now, now + lease_seconds, token]
        )
        if not found:
            return None
        item_id, raw = (str(part) for part in found)
        data = json.loads(raw)
        context = data.get("context")
        return OutboxItem(
            id=item_id,
            body=str(data.get("body", "")),
            context=context if isinstance(context, dict) else {},
            attempts=int(data.get("attempts") or 1),
            token=token,
        )

    def complete(self, item: OutboxItem) -> bool:
        return self._settle_item(item, "done")

    def retry(self, item: OutboxItem, due: float, error: str) -> bool:
        return self._settle_item(item, "retry", due=due, error=error)

    def bury(self, item: OutboxItem, error: str) -> bool:
        """Give up: the item moves to the dead list with its last error."""
        entry = {
            "id": item.id,
            "body": item.body,
            "context": item.context,
            "attempts": item.attempts,
            "error": error,
            "at": time.time(),
        }
        return self._settle_item(item, "dead", dead=json.dumps(entry, ensure_ascii=False))

    def pending(self) -> int:
        return int(self.client.zcard(keys.WEBHOOK_DUE))

    def dead(self) -> list[dict[str, Any]]:
        raw = cast(list[str], self.client.lrange(keys.WEBHOOK_DEAD, 0, -1))
        return [json.loads(entry) for entry in raw]

    def _settle_item(
        self, item: OutboxItem, mode: str, *, due: float = 0, dead: str = "", error: str = ""
    ) -> bool:
        args: list[str | float] = [item.id, item.token, mode, due, dead, error, MAX_DEAD]
        result = self._settle(
            keys=[keys.WEBHOOK_DUE, keys.WEBHOOK_ITEMS, keys.WEBHOOK_DEAD], args=args
        )
        return bool(result)
