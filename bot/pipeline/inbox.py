"""Reading the inbox stream through the consumer group: new entries, and entries another
worker left pending too long (XAUTOCLAIM), in a loop that survives Redis trouble."""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

import redis
import structlog

from bot.store import keys

log = structlog.get_logger()


class ReaderConfig(Protocol):
    @property
    def consumer(self) -> str: ...

    @property
    def retry_seconds(self) -> float: ...

    @property
    def batch(self) -> int: ...

    @property
    def lookahead(self) -> int: ...


class InboxReader:
    """Subclasses set `client` and `config` and handle each entry in `deliver`."""

    client: redis.Redis
    config: ReaderConfig
    _backlogged = False  # the last read was full: read further ahead, to order more at once

    def deliver(self, entry_id: str, fields: dict[str, str]) -> None:
        raise NotImplementedError

    def order(self, entries: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
        """The order one read is delivered in (as read, unless a subclass knows better)."""
        return entries

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(keys.INBOX, keys.DELIVER_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def run(self, stop: threading.Event) -> None:
        self.ensure_group()
        while not stop.is_set():
            started = time.monotonic()
            try:
                handled = self.step(block_ms=1000, stop=stop)
            except redis.ResponseError as error:
                if not str(error).startswith(("NOGROUP", "UNBLOCKED")):
                    raise
                # The stream or its group vanished (FLUSHDB, failover to an empty replica):
                # recreate the group and go on; the pollers refill what X still has.
                log.warning("delivery_group_recreated", reason=str(error)[:80])
                self.ensure_group()
                continue
            except redis.RedisError as error:  # Redis away: nothing is lost, wait and go on
                log.error("delivery_redis_error", error=repr(error))
                stop.wait(1)
                continue
            if not handled and time.monotonic() - started < 0.05:
                stop.wait(0.2)  # a Redis that ignores BLOCK (the demo's embedded one) must not spin

    def step(self, block_ms: int = 1000, stop: threading.Event | None = None) -> int:
        """Deliver what is reclaimable or new; returns how many entries were handled."""
        entries = self.order(self._reclaim() or self._read_new(block_ms))
        kept_at = time.monotonic()
        for index, (entry_id, fields) in enumerate(entries):
            if stop is not None and stop.is_set():
                break  # leave the rest pending: another worker (or we, later) will reclaim them
            if time.monotonic() - kept_at > self.config.retry_seconds / 2:
                self._keep([waiting for waiting, _fields in entries[index:]])
                kept_at = time.monotonic()
            self.deliver(entry_id, fields)
        return len(entries)

    def _keep(self, entry_ids: list[Any]) -> None:
        """Still ours: reset the idle time of the entries this read still has to deliver, so
        no other worker reclaims them while Slack's pace keeps us on the ones before."""
        self.client.xclaim(
            keys.INBOX, keys.DELIVER_GROUP, self.config.consumer, 0, entry_ids, justid=True
        )

    def _reclaim(self) -> list[tuple[str, dict[str, str]]]:
        min_idle = int(self.config.retry_seconds * 1000)
        reply: Any = self.client.xautoclaim(
            keys.INBOX,
            keys.DELIVER_GROUP,
            self.config.consumer,
            min_idle,
            "0-0",
            count=self.config.batch,
        )
        return [(entry_id, fields) for entry_id, fields in reply[1] if fields]

    def _read_new(self, block_ms: int) -> list[tuple[str, dict[str, str]]]:
        """The next entries: a batch, or (behind a backlog) a lookahead's worth, so the order
        of delivery (urgent first) is chosen among more of them."""
        count = self.config.lookahead if self._backlogged else self.config.batch
        reply: Any = self.client.xreadgroup(
            keys.DELIVER_GROUP,
            self.config.consumer,
            {keys.INBOX: ">"},
            count=count,
            block=block_ms,
        )
        found = [(entry_id, fields) for _stream, items in reply or [] for entry_id, fields in items]
        self._backlogged = len(found) >= count
        return found
