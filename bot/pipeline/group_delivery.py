"""Delivery of a group message: several new posts for a busy channel in one Slack message.

Exactly once, as for a card: every member is handled under its own fenced lock, every
member's intent (marked `group`) is written under its fence right before the one post, and the
cases, the acks and the intents' removal are one MULTI that commits only while every lock is
still ours. A member whose try died between the post and the record is found again in the
channel by the group's metadata (bot/pipeline/deliver.py, `_in_posted_group`). A group Slack
refuses for good goes out as single cards instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis
import structlog

from bot.blocks.group import fitting, group_fallback_text, group_metadata, render_group
from bot.domain.mention import Mention
from bot.pipeline.card_post import (
    CardPoster,
    CardRefused,
    DeliveryPostponed,
    ItemRefused,
    Outgoing,
)
from bot.pipeline.delivery_failures import DeliveryFailures
from bot.pipeline.grouping import GroupPicker
from bot.pipeline.inbox import Entry, InboxReader
from bot.pipeline.merge import MatchMerger
from bot.store import keys
from bot.store.lease import ItemLock
from bot.store.metrics import Metrics
from bot.store.rights import revoked_rights

log = structlog.get_logger()

LOCK_TTL_MS = 60_000

Queue = Callable[[redis.client.Pipeline], None]


@dataclass(frozen=True, slots=True)
class GroupMember:
    """A post going out in a group message: its inbox entry, its card's mention, its lock."""

    entry: Entry
    mention: Mention
    lock: ItemLock


class GroupDelivery(InboxReader):
    """The group half of delivery; the subclass (Deliverer) provides the steps below."""

    poster: CardPoster
    failures: DeliveryFailures
    metrics: Metrics
    merger: MatchMerger | None
    picker: GroupPicker

    def card_mention(self, mention: Mention) -> Mention:
        """The mention as its card shows it (every matching source, the author's history)."""
        raise NotImplementedError

    def goes_alone(self, mention: Mention) -> bool:
        """A follow-up, an edit, a muted author's post, a copy: not for a group."""
        raise NotImplementedError

    def delivered(self, post_id: str) -> bool:
        raise NotImplementedError

    def ack(self, entry_id: str) -> None:
        raise NotImplementedError

    def queue_card(
        self,
        pipe: redis.client.Pipeline,
        mention: Mention,
        channel: str,
        ts: str,
        group: Sequence[str],
    ) -> None:
        raise NotImplementedError

    def commit_all(self, items: Sequence[tuple[str, str, ItemLock]], queue: Queue) -> None:
        raise NotImplementedError

    def lock_undelivered(self, entry_id: str, post_id: str) -> ItemLock | None:
        """The post's delivery lock, taken, while the post still needs delivering; None when
        it is delivered already (its entry is acked then: the ack was what got lost, or the
        worker before us recorded it while we took the lock) or a live worker holds it."""
        if self.delivered(post_id):
            self.ack(entry_id)
            return None
        lock = ItemLock(self.client, post_id, self.config.consumer, LOCK_TTL_MS)
        if not lock.take():
            return None
        try:
            if self.delivered(post_id):
                self.ack(entry_id)
                lock.release()
                return None
        except BaseException:
            lock.release()
            raise
        return lock

    def deliver_next(self, waiting: list[Entry]) -> int:
        """Behind a backlog in one channel, several new posts in one group message."""
        picked = self.picker.take(waiting)
        if picked is None:
            return super().deliver_next(waiting)
        channel, entries = picked
        left: list[Entry] = []
        try:
            left = self._deliver_group(channel, entries)
        except redis.RedisError:
            raise
        except Exception as error:
            # Whatever broke the group, each post goes out alone, with its own accounting.
            log.warning("group_failed", channel=channel, error=repr(error)[:200])
            for (entry_id, fields), _mention in entries:
                self.deliver(entry_id, fields)
        waiting[0:0] = left  # more than one message holds: first in line for the next one
        return len(entries) - len(left)

    def _deliver_group(self, channel: str, entries: list[tuple[Entry, Mention]]) -> list[Entry]:
        """Post what one message holds; the entries left over for the next one."""
        members: list[GroupMember] = []
        alone: list[Entry] = []
        left: list[Entry] = []
        try:
            for entry, mention in entries:
                member = self._member(entry, mention)
                if isinstance(member, GroupMember):
                    members.append(member)
                elif member is not None:
                    alone.append(member)
            fits = fitting(
                [(m.mention.post_id, m.mention, None) for m in members], self.poster.tier
            )
            if fits >= 2:
                left = [member.entry for member in members[fits:]]
                for member in members[fits:]:
                    member.lock.release()
                members = members[:fits]
                self._post_group(channel, members, alone)
            else:
                alone = [member.entry for member in members] + alone
        finally:
            for member in members:
                member.lock.release()
        for entry_id, fields in alone:  # in doubt, or not a plain new post: the usual way
            self.deliver(entry_id, fields)
        return left

    def _member(self, entry: Entry, mention: Mention) -> GroupMember | Entry | None:
        """The post, locked, when it goes in the group; its entry when it goes alone (not a
        plain new post, or left in doubt by an earlier try); None when there is nothing to do
        now (delivered, backing off after a failure, or a live worker is on it)."""
        entry_id = entry[0]
        if not self.failures.due(entry_id):
            return None
        lock = self.lock_undelivered(entry_id, mention.post_id)
        if lock is None:
            return None
        try:
            in_doubt = bool(self.client.exists(keys.intent(mention.post_id)))
            if in_doubt or self.goes_alone(mention):
                lock.release()
                return entry
            return GroupMember(entry, self.card_mention(mention), lock)
        except BaseException:
            lock.release()
            raise

    def _post_group(self, channel: str, members: list[GroupMember], alone: list[Entry]) -> None:
        """One message for them all, recorded in one MULTI with every ack; refused for good
        (too big, invalid), each goes out alone instead."""
        if self.client.exists(keys.channel_down(channel)):
            return  # left pending: retried when the channel is usable again
        post_ids = [member.mention.post_id for member in members]
        outgoing = Outgoing(
            text=group_fallback_text([member.mention for member in members]),
            blocks=render_group(
                [(m.mention.post_id, m.mention, None) for m in members],
                self.poster.tier,
                revoked_rights(self.client),
            ),
            metadata=group_metadata(post_ids),
        )
        fences = [(member.mention.post_id, member.lock) for member in members]
        try:
            ts = self.poster.post_fenced(channel, fences, outgoing, {"group": "1"})
        except ItemRefused as refused:
            log.warning("group_refused", channel=channel, reason=str(refused), posts=len(members))
            self.metrics.incr("groups_refused")
            alone.extend(member.entry for member in members)
            return
        except (DeliveryPostponed, CardRefused) as postponed:
            self.metrics.incr("delivery_errors")
            log.warning("group_postponed", channel=channel, reason=str(postponed))
            return  # left pending; what may have been posted is found again (its intents)

        def queue(pipe: redis.client.Pipeline) -> None:
            for member in members:
                self.queue_card(pipe, member.mention, channel, ts, post_ids)
            pipe.hincrby(keys.METRICS, "groups_posted", 1)

        self.commit_all([(m.entry[0], m.mention.post_id, m.lock) for m in members], queue)
        log.info("group_posted", channel=channel, ts=ts, posts=post_ids)
        for post_id in post_ids:  # a source that matched meanwhile: shown now, or later
            if self.merger is not None and not self.merger.refresh(post_id):
                self.client.xadd(keys.INBOX, {"update": post_id})
