"""Delivering a customer's direct message: into the thread of the case it belongs to (the case
moved to DM with them), or as a DM card of its own in the DM channel. Exactly once, like cards:
the same fenced intent and reconciliation (CardPoster), recorded in the MULTI that acks it.

DM text stays private: it is kept in the DM log (DM_RETENTION_DAYS), never in message metadata,
notifications, logs or the case record, and its thread message is marked so that no shortcut
can make it a public reply.
"""

from __future__ import annotations

import redis
from slack_sdk import WebClient

from bot.blocks.dm_message import dm_fallback_text, dm_message_blocks, dm_metadata
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.pipeline.card_post import CardPoster, Outgoing
from bot.store import keys
from bot.store.cases import CaseStore
from bot.store.conversations import Conversations
from bot.store.dms import DmMessage, DmStore
from bot.store.lease import ItemLock


class DmDelivery:
    def __init__(
        self,
        client: redis.Redis,
        slack: WebClient,
        poster: CardPoster,
        channel: str,
        retention_days: float,
    ) -> None:
        self.client, self.slack, self.poster, self.channel = client, slack, poster, channel
        self.cases, self.store = CaseStore(client), DmStore(client, retention_days)
        self.conversations = Conversations(client)

    def case_for(self, mention: Mention) -> Case | None:
        """The open conversation with this customer, if a case was moved to DM with them."""
        case_id = self.store.case_of(mention.author.id)
        found = self.cases.get(case_id) if case_id else None
        return found[0] if found else None

    def post_in_thread(self, mention: Mention, case: Case, lock: ItemLock) -> tuple[str, str]:
        case = self.poster.own_card(case)  # a private message never goes in a group's thread
        outgoing = Outgoing(
            text=dm_fallback_text(mention),
            blocks=dm_message_blocks(mention, case.post_id),
            metadata=dm_metadata(mention),
            thread_ts=case.ts,
        )
        return self.poster.post_once(mention, case.channel, lock, outgoing)

    def queue_threaded(
        self, pipe: redis.client.Pipeline, mention: Mention, case_id: str, channel: str, ts: str
    ) -> None:
        """The DM is in the case's thread: the case is open again ("Customer replied")."""
        self._queue_text(pipe, case_id, mention)
        self.store.queue_marker(pipe, channel, ts)
        self.conversations.queue_customer_replied(pipe, case_id, mention, "in a direct message")

    def queue_card(self, pipe: redis.client.Pipeline, mention: Mention) -> None:
        """A DM from someone with no DM case is a case of its own: their next DMs join it."""
        self.store.queue_moved(pipe, mention.post_id, mention.author.id, "")
        pipe.hdel(keys.case(mention.post_id), "dm_by")
        self._queue_text(pipe, mention.post_id, mention)

    def _queue_text(self, pipe: redis.client.Pipeline, case_id: str, mention: Mention) -> None:
        at = mention.created_at.timestamp()
        self.store.queue_message(
            pipe, case_id, DmMessage(at, "customer", mention.text, mention.post_id)
        )
