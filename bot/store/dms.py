"""Direct messages of a case: which customer's DMs belong to which case, and the messages
themselves, kept DM_RETENTION_DAYS (never in audit entries, logs or message metadata)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast

import redis

from bot.store import keys

DAY = 86_400


@dataclass(frozen=True, slots=True)
class DmMessage:
    at: float
    sender: str  # "customer", or the Slack user id of who sent it for the brand
    text: str
    event_id: str


class DmStore:
    def __init__(self, client: redis.Redis, retention_days: float = 30.0) -> None:
        self.client = client
        self.seconds = int(retention_days * DAY)

    def queue_moved(
        self, pipe: redis.client.Pipeline, case_id: str, customer_id: str, by: str
    ) -> None:
        """The case is now (also) a DM conversation with `customer_id`."""
        pipe.hset(keys.case(case_id), "dm_by", by)
        pipe.set(keys.dm_case(customer_id), case_id, ex=self.seconds)

    def queue_message(self, pipe: redis.client.Pipeline, case_id: str, message: DmMessage) -> None:
        entry = {"at": message.at, "from": message.sender, "text": message.text}
        entry["event"] = message.event_id
        pipe.rpush(keys.dm_log(case_id), json.dumps(entry, ensure_ascii=False))
        pipe.expire(keys.dm_log(case_id), self.seconds)

    def mark_message(self, channel: str, ts: str) -> None:
        self.client.set(keys.dm_message(channel, ts), "1", ex=self.seconds)

    def is_dm_message(self, channel: str, ts: str) -> bool:
        return bool(self.client.exists(keys.dm_message(channel, ts)))

    def queue_marker(self, pipe: redis.client.Pipeline, channel: str, ts: str) -> None:
        pipe.set(keys.dm_message(channel, ts), "1", ex=self.seconds)

    def first_text(self, case_id: str) -> str | None:
        """The case's first direct message (a DM case's card shows it while it is kept)."""
        found = self.client.lindex(keys.dm_log(case_id), 0)
        return str(json.loads(str(found))["text"]) if found else None

    def case_of(self, customer_id: str) -> str | None:
        found = self.client.get(keys.dm_case(customer_id))
        return str(found) if found else None

    def messages(self, case_id: str) -> list[DmMessage]:
        rows = cast(list[Any], self.client.lrange(keys.dm_log(case_id), 0, -1))
        found = []
        for row in rows:
            data = json.loads(row)
            found.append(
                DmMessage(float(data["at"]), str(data["from"]), str(data["text"]), data["event"])
            )
        return found
