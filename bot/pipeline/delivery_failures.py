"""Items that fail to deliver: counted attempts with backoff, then the dead list and a note.

An item that raises something unexpected (a bug, a card Slack refuses with an undocumented
error) stays pending and is retried with a doubling wait; after DELIVERY_MAX_ATTEMPTS it is moved
to the dead stream, the channel is told, and /healthz shows the dead list until it is emptied.
Any worker can pick the item up: the count lives in Redis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import redis
import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.text import escape_mrkdwn
from bot.domain.mention import Mention
from bot.store import keys

log = structlog.get_logger()

ATTEMPTS_TTL_SECONDS = 7 * 24 * 3600
MAX_BACKOFF_SECONDS = 900.0
DEAD_KEPT = 10_000


class DeliveryFailures:
    def __init__(
        self,
        client: redis.Redis,
        slack: WebClient,
        channel: str,
        max_attempts: int,
        retry_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client, self.slack, self.channel = client, slack, channel
        self.max_attempts, self.retry_seconds, self.clock = max_attempts, retry_seconds, clock

    def due(self, entry_id: str) -> bool:
        """False while the item waits out its backoff after a failed attempt."""
        next_at = self.client.hget(keys.delivery_attempts(entry_id), "next_at")
        return next_at is None or float(str(next_at)) <= self.clock()

    def failed(self, entry_id: str, fields: dict[str, str], reason: str) -> None:
        """Count a failed attempt; the last allowed one moves the item to the dead list."""
        key = keys.delivery_attempts(entry_id)
        attempts = int(self.client.hincrby(key, "attempts", 1))
        if attempts >= self.max_attempts:
            self.bury(entry_id, fields, reason, attempts)
            return
        wait = min(MAX_BACKOFF_SECONDS, self.retry_seconds * 2.0 ** (attempts - 1))
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"next_at": f"{self.clock() + wait:.3f}", "error": reason})
            pipe.expire(key, ATTEMPTS_TTL_SECONDS)
            pipe.hincrby(keys.METRICS, "delivery_errors", 1)
            pipe.execute()
        log.warning("delivery_retry_planned", entry_id=entry_id, attempts=attempts, wait=wait)

    def bury(self, entry_id: str, fields: dict[str, str], reason: str, attempts: int = 1) -> None:
        """Move the item to the dead stream (acked, gone from the inbox) and tell the channel."""
        with self.client.pipeline(transaction=True) as pipe:
            dead: dict[Any, Any] = {**fields, "reason": reason, "attempts": str(attempts)}
            pipe.xadd(keys.DEAD, dead, maxlen=DEAD_KEPT, approximate=True)
            pipe.xack(keys.INBOX, keys.DELIVER_GROUP, entry_id)
            pipe.xdel(keys.INBOX, entry_id)
            pipe.delete(keys.delivery_attempts(entry_id))
            pipe.hincrby(keys.METRICS, "delivery_errors", 1)
            pipe.execute()
        log.error("delivery_dead_lettered", entry_id=entry_id, attempts=attempts, reason=reason)
        self._tell(fields, reason, attempts)

    def forget(self, pipe: redis.client.Pipeline, entry_id: str) -> None:
        """Queue, on the MULTI that records the card, the removal of the attempts count."""
        pipe.delete(keys.delivery_attempts(entry_id))

    def _tell(self, fields: dict[str, str], reason: str, attempts: int) -> None:
        tries = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        text = (
            f":warning: {_what(fields)} could not be posted as a card after {tries} "
            f"({escape_mrkdwn(reason[:300])}). It is kept in Earshot's dead list "
            f"(`{keys.DEAD}`), and /healthz reports it until the list is emptied."
        )
        if not self.channel:
            return
        try:
            self.slack.chat_postMessage(channel=self.channel, text=text, unfurl_links=False)
        except (SlackApiError, OSError) as error:  # the dead list and /healthz still show it
            log.error("dead_letter_note_failed", error=repr(error))


def _what(fields: dict[str, str]) -> str:
    try:
        mention = Mention.from_json(fields["mention"])
    except (KeyError, TypeError, ValueError):
        return "An inbox item" if "update" not in fields else "A card update"
    return f"<{mention.url}|A post by @{escape_mrkdwn(mention.author.username)}>"
