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

Entry = tuple[str, dict[str, str]]  # an inbox stream entry: its id and fields
REFILL_SECONDS = 1.0  # behind a backlog, how often a read in progress is topped up


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

    def order(self, entries: list[Entry]) -> list[Entry]:
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
        """Deliver what is reclaimable or new; returns how many entries were handled.

        Behind a backlog, the read is topped up (every REFILL_SECONDS, up to a lookahead) as
        entries are delivered, and ordered again: an urgent post that arrives meanwhile goes
        before the ordinary ones already read, not after them."""
        waiting = self.order(self._reclaim() or self._read_new(block_ms))
        handled = 0
        kept_at = refilled_at = time.monotonic()
        while waiting:
            if stop is not None and stop.is_set():
                break  # leave the rest pending: another worker (or we, later) will reclaim them
            now = time.monotonic()
            room = self.config.lookahead - len(waiting)
            if self._backlogged and room > 0 and now - refilled_at >= REFILL_SECONDS:
                waiting = self._top_up(waiting, room)
                refilled_at = now
            if now - kept_at > self.config.retry_seconds / 2:
                self._keep([entry_id for entry_id, _fields in waiting])
                kept_at = now
            handled += self.deliver_next(waiting)
        return handled

    def deliver_next(self, waiting: list[Entry]) -> int:
        """Deliver the next entry (a subclass may take several at once, from anywhere in
        `waiting`); returns how many were taken from it."""
        entry_id, fields = waiting.pop(0)
        self.deliver(entry_id, fields)
        return 1

    def _top_up(self, waiting: list[Entry], room: int) -> list[Entry]:
        """What is due again (a failed item's backoff over, a dead worker's items) and what is
        new since the read, merged with what still waits and ordered again."""
        held = {entry_id for entry_id, _fields in waiting}
        more = [e for e in self._reclaim() + self._read_new(None, room) if e[0] not in held]
        return self.order(waiting + more) if more else waiting

    def _keep(self, entry_ids: list[Any]) -> None:
        """Still ours: reset the idle time of the entries this read still has to deliver, so
        no other worker reclaims them while Slack's pace keeps us on the ones before."""
        self.client.xclaim(
            keys.INBOX, keys.DELIVER_GROUP, self.config.consumer, 0, entry_ids, justid=True
        )

    def _reclaim(self) -> list[Entry]:
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

    def _read_new(self, block_ms: int | None, count: int | None = None) -> list[Entry]:
        """The next entries (`block_ms` None: only what is there): a batch, or behind a
        backlog a lookahead's worth, so the order of delivery is chosen among more of them."""
        if count is None:
            count = self.config.lookahead if self._backlogged else self.config.batch
        reply: Any = self.client.xreadgroup(
            keys.DELIVER_GROUP,
            self.config.consumer,
            {keys.INBOX: ">"},
            count=count,
            block=block_ms,
        )
        found = [(entry_id, fields) for _stream, items in reply or [] for entry_id, fields in items]
        if block_ms is not None:  # a top-up says nothing about the backlog's end
            self._backlogged = len(found) >= count
        return found
