"""Delivery: read the inbox through the consumer group and post each mention's card exactly once.

Exactly once across crashes and several workers: an item is handled under a fenced lock that is
renewed while Slack makes us wait (bot/store/lease.py); the intent is written under the fence
right before posting (bot/pipeline/card_post.py); the case record, the stream ack and the
intent's removal are one MULTI that commits only while the lock is still ours. A worker that dies
between "posted" and "recorded" leaves an intent behind, and whoever picks the item up looks for
the card in that channel (only for such in-doubt items) before posting.

One bad item never stops delivery: what it raises is logged with the item, retried with backoff
and finally dead-lettered (bot/pipeline/delivery_failures.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis
import structlog
from slack_sdk import WebClient

from bot.domain.mention import Mention
from bot.domain.network import is_post_id
from bot.pipeline.card_post import (
    CardPoster,
    DeliveryPostponed,
    ItemRefused,
)
from bot.pipeline.delivery_failures import DeliveryFailures
from bot.pipeline.dm_delivery import DmDelivery
from bot.pipeline.edits import EditApplier
from bot.pipeline.followups import AwaitingCase, FollowupThreader
from bot.pipeline.group_delivery import LOCK_TTL_MS, GroupDelivery
from bot.pipeline.grouping import GroupPicker
from bot.pipeline.history import HistoryLookup
from bot.pipeline.inbox import Entry
from bot.pipeline.merge import MatchMerger, Placement
from bot.pipeline.pacing import ChannelPacer
from bot.pipeline.quiet import QuietJoin, QuietJoiner
from bot.store import keys
from bot.store.cases import CaseStore
from bot.store.connection import read_hash
from bot.store.lease import ItemLock, LockLost
from bot.store.metrics import Metrics

log = structlog.get_logger()

__all__ = ["Deliverer", "DeliveryConfig", "DeliveryPostponed", "RecordHook"]

RECORD_TRIES = 3  # a lock renewal touching the WATCHed key between WATCH and EXEC is no loss

# Called inside the MULTI that records a new case (e.g. to start its SLA clock atomically).
RecordHook = Callable[[redis.client.Pipeline, Mention, str, str], None]
# Called inside the MULTI that threads a follow-up into case `str` (e.g. its next-response clock).
FollowupHook = Callable[[redis.client.Pipeline, Mention, str], None]


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    consumer: str
    default_channel: str
    retry_seconds: float = 10.0
    batch: int = 10
    # Behind a backlog (a full batch read), hold up to this many read: urgent ones go first.
    lookahead: int = 200
    tier: str = "self-serve"
    max_attempts: int = 5
    dm_channel: str = ""  # where DMs from people with no case go ("" = default_channel)
    dm_retention_days: float = 30.0


class Deliverer(GroupDelivery):
    def __init__(
        self,
        client: redis.Redis,
        slack: WebClient,
        config: DeliveryConfig,
        pacer: ChannelPacer,
        route: Callable[[Mention], str] | None = None,
        clock: Callable[[], float] = time.time,
        on_recorded: Sequence[RecordHook] = (),
        place: Placement | None = None,
        on_followup: Sequence[FollowupHook] = (),
        order: Callable[[list[Entry]], list[Entry]] | None = None,
    ) -> None:
        self.client, self.slack, self.config, self.pacer = client, slack, config, pacer
        self.cases, self.metrics = CaseStore(client), Metrics(client)
        self.route = route or (lambda _mention: config.default_channel)
        self.clock = clock
        self.on_recorded = list(on_recorded)
        # `place` (channel and card contents from every source that matched the post) wins
        # over `route`, which only picks a channel.
        self.merger = MatchMerger(client, slack, place, config.tier) if place else None
        self.poster = CardPoster(
            client, slack, pacer, config.tier, config.retry_seconds * 3, clock=clock
        )
        self.followups = FollowupThreader(client, slack, self.poster, config.tier)
        self.history = HistoryLookup(client, slack)
        self.edits = EditApplier(client, slack, config.tier, clock)
        self.dms = DmDelivery(
            client,
            slack,
            self.poster,
            config.dm_channel or config.default_channel,
            config.dm_retention_days,
        )
        self.on_followup = list(on_followup)
        self.quiet = QuietJoiner(client, slack, self.poster)
        self._order = order  # e.g. PriorityOrder: urgent new posts first within a read
        self.picker = GroupPicker(lambda mention: self._placed(mention)[0], pacer.interval_ms)
        self.failures = DeliveryFailures(
            client,
            slack,
            config.default_channel,
            config.max_attempts,
            config.retry_seconds,
            clock=clock,
        )

    def order(self, entries: list[Entry]) -> list[Entry]:
        return self._order(entries) if self._order is not None else entries

    def deliver(self, entry_id: str, fields: dict[str, str]) -> None:
        """Deliver one inbox entry; whatever it raises (but Redis trouble, which the loop waits
        out) is the item's failure, never the loop's."""
        if not self.failures.due(entry_id):
            return  # waiting out the backoff after a failed attempt
        try:
            self._deliver(entry_id, fields)
        except redis.RedisError:
            raise
        except ItemRefused as refused:
            self.failures.bury(entry_id, fields, str(refused))
        except Exception as error:
            log.exception(
                "delivery_failed", entry_id=entry_id, item=_item_summary(fields), error=repr(error)
            )
            self.failures.failed(entry_id, fields, f"{type(error).__name__}: {error}"[:300])

    def _deliver(self, entry_id: str, fields: dict[str, str]) -> None:
        if "update" in fields:
            self._merge_update(entry_id, fields["update"])
            return
        try:
            mention = Mention.from_json(fields["mention"])
        except (KeyError, TypeError, ValueError) as error:
            log.error("inbox_item_malformed", entry_id=entry_id, reason=repr(error))
            self.metrics.incr("malformed_items")
            self.failures.bury(entry_id, fields, f"malformed: {error!r}"[:300])
            return
        lock = self.lock_undelivered(entry_id, mention.post_id)
        if lock is None:
            return  # delivered already, or a live worker is on it
        try:
            self._deliver_locked(entry_id, mention, lock)
        except AwaitingCase as waiting:
            log.info("followup_waits_for_case", post_id=mention.post_id, reason=str(waiting))
        except DeliveryPostponed as postponed:
            self.metrics.incr("delivery_errors")
            log.warning("card_postponed", post_id=mention.post_id, reason=str(postponed))
        except LockLost:
            # Our lock expired and another worker holds the item: it posts or reconciles.
            log.warning("card_fenced_out", post_id=mention.post_id, consumer=self.config.consumer)
        finally:
            lock.release()

    def _deliver_locked(self, entry_id: str, mention: Mention, lock: ItemLock) -> None:
        """A DM goes to its case or its own card; an edit of a carded post updates it; a
        follow-up joins its case; else a card."""
        if mention.is_dm:
            self._deliver_dm(entry_id, mention, lock)
            return
        edit = self.edits.target(mention)
        if edit is not None:
            self._commit(
                entry_id, mention.post_id, lock, lambda p: self.edits.queue(p, mention, edit)
            )
            log.info("post_edited", post_id=mention.post_id, case=edit.case_id)
            self.edits.show(edit)
            return
        quiet = self.quiet.muted(mention)
        if quiet is None:
            case_id = self.followups.case_to_join(mention, self.clock())
            if case_id is not None:
                self._thread_followup(entry_id, mention, case_id, lock)
                return
            quiet = self.quiet.copy_of(mention)
        if quiet is not None:
            self._join_quietly(entry_id, mention, quiet, lock)
        else:
            self._card(entry_id, mention, lock)

    def _join_quietly(
        self, entry_id: str, mention: Mention, join: QuietJoin, lock: ItemLock
    ) -> None:
        """A muted author's post, or a copy of a carded text: into the case's thread, once."""
        self.quiet.post(mention, join, lock)

        def queue(pipe: redis.client.Pipeline) -> None:
            self.quiet.queue(pipe, mention, join)
            pipe.hincrby(keys.METRICS, f"{join.reason}_joined", 1)

        self._commit(entry_id, mention.post_id, lock, queue)
        log.info("post_joined_quietly", post_id=mention.post_id, case=join.case_id, why=join.reason)
        if join.reason == "same_text":
            self.followups.refresh_card(join.case_id)  # the card counts the copies

    def _deliver_dm(self, entry_id: str, mention: Mention, lock: ItemLock) -> None:
        case = self.dms.case_for(mention)
        if case is None:
            channel, ts = self.poster.post_once(mention, self.dms.channel, lock)
            self._record(entry_id, mention, channel, ts, lock, also=self.dms.queue_card)
            return
        channel, ts = self.dms.post_in_thread(mention, case, lock)

        def queue(pipe: redis.client.Pipeline) -> None:
            self.dms.queue_threaded(pipe, mention, case.post_id, channel, ts)
            pipe.hincrby(keys.METRICS, "dms_threaded", 1)
            for hook in self.on_followup:
                hook(pipe, mention, case.post_id)

        self._commit(entry_id, mention.post_id, lock, queue)
        log.info("dm_threaded", case=case.post_id, dm_event=mention.post_id)  # never the text
        self.followups.refresh_card(case.post_id)

    def card_mention(self, mention: Mention) -> Mention:
        return self.history.with_history(self._placed(mention)[1])

    def goes_alone(self, mention: Mention) -> bool:
        return (
            self.edits.target(mention) is not None
            or self.quiet.muted(mention) is not None
            or self.followups.case_to_join(mention, self.clock()) is not None
            or self.quiet.copy_of(mention) is not None
        )

    def _card(self, entry_id: str, mention: Mention, lock: ItemLock) -> None:
        channel, mention = self._placed(mention)
        mention = self.history.with_history(mention)
        grouped = self._in_posted_group(mention.post_id)
        if grouped is not None:
            channel, ts, post_ids = grouped
            self._record(entry_id, mention, channel, ts, lock, group=post_ids)
            return
        channel, ts = self.poster.post_once(mention, channel, lock)
        self._record(entry_id, mention, channel, ts, lock)
        if self.merger is not None and not self.merger.refresh(mention.post_id):
            self.client.xadd(keys.INBOX, {"update": mention.post_id})  # try again later

    def _in_posted_group(self, post_id: str) -> tuple[str, str, list[str]] | None:
        """A group message that shows the post, posted by a try that did not get to record
        it: its channel, ts and post ids."""
        intent = read_hash(self.client, keys.intent(post_id))
        if not intent.get("group"):
            return None
        found = self.poster.find(
            intent["channel"], float(intent["at"]), None, lambda p: post_id in p.get("post_ids", [])
        )
        if found is None:
            return None  # never posted: it goes out as a card (the intent is checked again)
        log.info("group_reconciled", post_id=post_id, channel=intent["channel"])
        return intent["channel"], found[0], [str(p) for p in found[1]["post_ids"]]

    def delivered(self, post_id: str) -> bool:
        """Is the post already in Slack, as a card or as a follow-up in a case's thread?"""
        # Every post Earshot placed (card, follow-up, edit) is indexed to its case.
        return bool(self.client.exists(keys.thread_of(post_id), keys.case(post_id)))

    def _thread_followup(
        self, entry_id: str, mention: Mention, case_id: str, lock: ItemLock
    ) -> None:
        channel, ts = self.followups.post(mention, case_id, lock)

        def queue(pipe: redis.client.Pipeline) -> None:
            self.followups.conversations.queue_followup(pipe, case_id, mention, channel, ts)
            pipe.hincrby(keys.METRICS, "followups_threaded", 1)
            for hook in self.on_followup:
                hook(pipe, mention, case_id)

        self._commit(entry_id, mention.post_id, lock, queue)
        log.info("followup_threaded", post_id=mention.post_id, case=case_id, ts=ts)
        self.followups.refresh_card(case_id)

    def _placed(self, mention: Mention) -> tuple[str, Mention]:
        if self.merger is None:
            return self.route(mention), mention
        return self.merger.placed(mention)

    def _merge_update(self, entry_id: str, post_id: str) -> None:
        """Another source matched a post already seen: re-render its card if it is out (if not,
        its delivery reads every source, and checks again once recorded)."""
        if self.merger is None or not is_post_id(post_id) or not self.cases.exists(post_id):
            self.ack(entry_id)
            return
        lock = ItemLock(self.client, post_id, self.config.consumer, LOCK_TTL_MS)
        if not lock.take():
            return  # left pending: retried once the lock is free
        try:
            if self.merger.refresh(post_id):
                self.ack(entry_id)
        finally:
            lock.release()

    def _record(
        self,
        entry_id: str,
        mention: Mention,
        channel: str,
        ts: str,
        lock: ItemLock,
        also: Callable[[redis.client.Pipeline, Mention], None] | None = None,
        group: Sequence[str] = (),
    ) -> None:
        def queue(pipe: redis.client.Pipeline) -> None:
            self.queue_card(pipe, mention, channel, ts, group)
            if also is not None:
                also(pipe, mention)

        self._commit(entry_id, mention.post_id, lock, queue)
        log.info("card_posted", post_id=mention.post_id, channel=channel, ts=ts)

    def queue_card(
        self,
        pipe: redis.client.Pipeline,
        mention: Mention,
        channel: str,
        ts: str,
        group: Sequence[str] = (),
    ) -> None:
        """Everything a new case records, on `pipe` (the MULTI that acks its entry)."""
        self.cases.record_delivery(pipe, mention, channel, ts, group)
        self.followups.conversations.queue_case(pipe, mention)
        self.history.store.queue_case(pipe, mention)
        self.quiet.remember_text(pipe, mention)
        pipe.hincrby(keys.METRICS, "cards_posted", 1)
        if mention.seen_at:
            self.metrics.observe_lag(max(0.0, self.clock() - mention.seen_at), pipe)
        for hook in self.on_recorded:
            hook(pipe, mention, channel, ts)

    def _commit(
        self,
        entry_id: str,
        post_id: str,
        lock: ItemLock,
        queue: Callable[[redis.client.Pipeline], None],
    ) -> None:
        self.commit_all([(entry_id, post_id, lock)], queue)

    def commit_all(
        self,
        items: Sequence[tuple[str, str, ItemLock]],
        queue: Callable[[redis.client.Pipeline], None],
    ) -> None:
        """One MULTI, committed only while every lock is ours: what `queue` records, and for
        each (entry id, post id, lock) the intent's removal and the inbox entry's ack."""
        for _try in range(RECORD_TRIES):
            with self.client.pipeline(transaction=True) as pipe:
                for _entry_id, _post_id, lock in items:
                    lock.watch(pipe)  # LockLost unless the lock still carries our token
                pipe.multi()
                queue(pipe)
                for entry_id, post_id, _lock in items:
                    pipe.delete(keys.intent(post_id))
                    pipe.xack(keys.INBOX, keys.DELIVER_GROUP, entry_id)
                    pipe.xdel(keys.INBOX, entry_id)
                    self.failures.forget(pipe, entry_id)
                try:
                    pipe.execute()
                except redis.WatchError:
                    continue  # a lock changed: ours renewed (try again) or taken (LockLost)
            return
        raise LockLost(items[0][2].key)

    def ack(self, entry_id: str) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(keys.INBOX, keys.DELIVER_GROUP, entry_id)
            pipe.xdel(keys.INBOX, entry_id)
            pipe.delete(keys.delivery_attempts(entry_id))
            pipe.execute()


def _item_summary(fields: dict[str, str]) -> dict[str, str]:
    """What identifies an inbox item in a log line (its text is not needed to find it)."""
    if "update" in fields:
        return {"update": fields["update"][:40]}
    raw = fields.get("mention", "")
    try:
        mention = Mention.from_json(raw)
    except (TypeError, ValueError):
        return {"mention": raw[:80]}
    return {"post_id": mention.post_id, "author": mention.author.username}
