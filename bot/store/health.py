"""What is broken right now (X auth, a Slack channel...), written by workers, read by /healthz."""

from __future__ import annotations

import json
import time
from typing import Any

import redis

from bot.store import keys
from bot.store.connection import read_hash


class Health:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def problem(self, component: str, reason: str) -> None:
        """Record a problem; keeps the first time it was seen so alerts can say "since T"."""
        current = self._get(component)
        since = current["since"] if current and current.get("reason") == reason else time.time()
        self.client.hset(keys.HEALTH, component, json.dumps({"reason": reason, "since": since}))

    def ok(self, component: str) -> None:
        self.client.hdel(keys.HEALTH, component)

    def problems(self) -> dict[str, dict[str, Any]]:
        raw = read_hash(self.client, keys.HEALTH)
        return {name: json.loads(value) for name, value in raw.items()}

    def _get(self, component: str) -> dict[str, Any] | None:
        raw = self.client.hget(keys.HEALTH, component)
        return json.loads(raw) if raw else None
