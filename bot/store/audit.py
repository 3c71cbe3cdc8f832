"""The audit trail: who sent, liked, reposted, resolved or escalated what, and when."""

from __future__ import annotations

import json
import time
from typing import Any, cast

import redis

from bot.store import keys
from bot.store.retention import retention_of

MAX_ENTRIES_PER_POST = 500


class AuditLog:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def record(
        self, post_id: str, action: str, user_id: str, user_name: str, **details: Any
    ) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            self.queue(pipe, post_id, action, user_id, user_name, **details)
            pipe.execute()

    def queue(
        self,
        pipe: redis.client.Pipeline,
        post_id: str,
        action: str,
        user_id: str,
        user_name: str,
        **details: Any,
    ) -> None:
        """Queue the entry on `pipe` (the caller's MULTI)."""
        entry = {
            "at": time.time(),
            "action": action,
            "user_id": user_id,
            "user_name": user_name,
            "post_id": post_id,
            **details,
        }
        pipe.rpush(keys.audit(post_id), json.dumps(entry, ensure_ascii=False))
        pipe.ltrim(keys.audit(post_id), -MAX_ENTRIES_PER_POST, -1)
        # Activity on the case: its trail and the case's other keys live on from now.
        retention_of(self.client).keep_case(pipe, post_id)

    def entries(self, post_id: str) -> list[dict[str, Any]]:
        raw = cast(list[str], self.client.lrange(keys.audit(post_id), 0, -1))
        return [json.loads(item) for item in raw]
