"""Which case a post belongs to: a case is the customer's whole conversation with us.

Every post of a case is indexed to it: the post that made the card, each follow-up threaded
into it, each reply we sent. A new post by the case's customer joins the case when it replies to
one of those posts, or when it is in the same X conversation. Anyone else gets a case of their
own (someone answering another customer's thread with "same for me!" is a new customer, not a
follow-up), and so does anything whose case is unknown or expired: a wrong index entry can never
lose a mention.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis

from bot.domain.case import CaseStatus
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.connection import read_hash
from bot.store.retention import retention_of


@dataclass(frozen=True, slots=True)
class Followup:
    """A customer's post threaded into a case, and the thread message that shows it."""

    case_id: str
    channel: str
    ts: str
    mention: Mention


class Conversations:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.retention = retention_of(client)

    def case_of(self, mention: Mention) -> str | None:
        """The case `mention` continues, if that case still exists and is its author's."""
        for case_id in self._candidates(mention):
            if case_id != mention.post_id and self._customer(case_id) == mention.author.id:
                return case_id
        return None

    def _candidates(self, mention: Mention) -> list[str]:
        """Cases the post may continue: those its parent and its conversation are indexed to,
        then the parent and the conversation's root themselves (cases recorded before the
        index existed)."""
        parents = [p for p in (mention.replied_to, mention.conversation_id) if p]
        if not parents:
            return []
        with self.client.pipeline(transaction=False) as pipe:
            if mention.replied_to:
                pipe.get(keys.thread_of(mention.replied_to))
            if mention.conversation_id:
                pipe.get(keys.conversation(mention.conversation_id, mention.author.id))
            indexed = [str(value) for value in pipe.execute() if value]
        return indexed + parents

    def _customer(self, case_id: str) -> str | None:
        """The author id of the case's first post; None when there is no such case."""
        raw = self.client.hget(keys.case(case_id), "mention")
        return Mention.from_json(str(raw)).author.id if raw else None

    def parent_pending(self, mention: Mention) -> bool:
        """True when the post this one continues was taken in but its card is not out yet (the
        follow-up then waits for it rather than making a second card)."""
        parents = {p for p in (mention.replied_to, mention.conversation_id) if p}
        parents.discard(mention.post_id)
        for parent in parents:
            placed = self.client.exists(keys.thread_of(parent), keys.case(parent))
            if self.client.exists(keys.seen(parent)) and not placed:
                return True
        return False

    def queue_case(self, pipe: redis.client.Pipeline, mention: Mention) -> None:
        """Index a new case's own post (in the MULTI that records the case)."""
        keep = self.retention.case_seconds
        pipe.set(keys.thread_of(mention.post_id), mention.post_id, ex=keep)
        if mention.conversation_id:
            conversation = keys.conversation(mention.conversation_id, mention.author.id)
            pipe.set(conversation, mention.post_id, ex=keep, nx=True)

    def queue_followup(
        self, pipe: redis.client.Pipeline, case_id: str, mention: Mention, channel: str, ts: str
    ) -> None:
        """Record a follow-up threaded into `case_id` and reopen the case as "Customer replied"
        (in the MULTI that acks the inbox entry)."""
        keep = self.retention.case_seconds
        record: dict[Any, Any] = {
            "case": case_id,
            "channel": channel,
            "ts": ts,
            "mention": mention.to_json(),
        }
        pipe.hset(keys.followup(mention.post_id), mapping=record)
        pipe.expire(keys.followup(mention.post_id), keep)
        pipe.hset(keys.case(case_id), "last_followup", mention.post_id)
        pipe.hincrby(keys.case(case_id), "followups", 1)
        self.queue_customer_replied(pipe, case_id, mention, mention.url)

    def queue_customer_replied(
        self, pipe: redis.client.Pipeline, case_id: str, mention: Mention, note: str
    ) -> None:
        """The customer's post (or DM) `mention` is part of the case now: indexed to it, and the
        case open again as "Customer replied" at the time they wrote."""
        pipe.set(keys.thread_of(mention.post_id), case_id, ex=self.retention.case_seconds)
        pipe.hset(
            keys.case(case_id),
            mapping={
                "status": CaseStatus.CUSTOMER_REPLIED.value,
                "status_by": "",
                "status_note": note,
                "status_at": f"{mention.created_at.timestamp():.3f}",
            },
        )
        self.retention.keep_case(pipe, case_id)

    def queue_reply(self, pipe: redis.client.Pipeline, case_id: str, reply_id: str) -> None:
        """Index a reply we sent: the customer's answer to it threads into the case."""
        if reply_id:
            pipe.set(keys.thread_of(reply_id), case_id, ex=self.retention.case_seconds)

    def followup(self, post_id: str) -> Followup | None:
        raw = read_hash(self.client, keys.followup(post_id))
        if not raw.get("mention") or not raw.get("case"):
            return None
        mention = Mention.from_json(raw["mention"])
        return Followup(raw["case"], raw.get("channel", ""), raw.get("ts", ""), mention)
