"""Follow-ups: a customer's next post in a conversation goes into its case's thread, not a card.

Delivery asks `case_to_join` before placing a card. A post that continues a case is posted in
that case's thread (fenced and reconciled like a card, so exactly once) and recorded in the
MULTI that acks it; the card then shows "Customer replied". A follow-up whose case's card is not
out yet waits for it (AwaitingCase leaves the entry pending), for PARENT_WAIT_SECONDS at most:
after that it gets a card of its own rather than wait on a case that may never come.
"""

from __future__ import annotations

import redis
import structlog
from slack_sdk import WebClient

from bot.blocks.followup import followup_blocks, followup_fallback_text, followup_metadata
from bot.casework.cards import update_card
from bot.domain.mention import Mention
from bot.pipeline.card_post import CardPoster, DeliveryPostponed, Outgoing
from bot.store.cases import CaseStore
from bot.store.conversations import Conversations
from bot.store.lease import ItemLock

log = structlog.get_logger()

PARENT_WAIT_SECONDS = 900.0


class AwaitingCase(Exception):
    """The post continues a case whose card is not out yet: try again later."""


class FollowupThreader:
    def __init__(
        self, client: redis.Redis, slack: WebClient, poster: CardPoster, tier: str
    ) -> None:
        self.client, self.slack, self.poster, self.tier = client, slack, poster, tier
        self.cases, self.conversations = CaseStore(client), Conversations(client)

    def case_to_join(self, mention: Mention, now: float) -> str | None:
        """The case this post continues; None when it starts its own. Raises AwaitingCase while
        the post it continues is taken in but not yet carded."""
        case_id = self.conversations.case_of(mention)
        if case_id is not None:
            return case_id
        if self.conversations.parent_pending(mention):
            waited = now - mention.seen_at if mention.seen_at else 0.0
            if waited < PARENT_WAIT_SECONDS:
                raise AwaitingCase(f"the post it answers has no card yet ({waited:.0f} s)")
            log.warning("followup_parent_never_carded", post_id=mention.post_id)
        elif mention.replied_to or mention.conversation_id not in (None, mention.post_id):
            log.debug("followup_case_unknown", post_id=mention.post_id)
        return None

    def post(self, mention: Mention, case_id: str, lock: ItemLock) -> tuple[str, str]:
        """(channel, ts) of the follow-up's one message in the case's thread."""
        found = self.cases.get(case_id)
        if found is None:  # expired between the lookup and now: retried, then carded alone
            raise DeliveryPostponed(f"case {case_id} vanished")
        case = self.poster.own_card(found[0])  # its thread must be its own, not its group's
        outgoing = Outgoing(
            text=followup_fallback_text(mention),
            blocks=followup_blocks(mention),
            metadata=followup_metadata(mention, case_id),
            thread_ts=case.ts,
        )
        return self.poster.post_once(mention, case.channel, lock, outgoing)

    def refresh_card(self, case_id: str) -> None:
        """The card's status line says "Customer replied" (best effort: logged on failure)."""
        update_card(self.client, self.slack, self.tier, case_id)
