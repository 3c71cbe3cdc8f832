"""Posts that join a case quietly: a muted author's, and copies of a text already carded.

Delivery asks before placing a card. Such a post goes into its case's thread (fenced and
reconciled like a card, so exactly once), is indexed to the case in the MULTI that acks it,
and never reopens the case or starts a clock: the card counts the copies and lists who sent
them, or says the author is muted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import redis
from slack_sdk import WebClient

from bot.blocks.followup import (
    MUTED_AUTHOR_POSTED,
    SAME_TEXT_POSTED,
    followup_blocks,
    followup_fallback_text,
    followup_metadata,
)
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.same_text import text_fingerprint
from bot.pipeline.card_post import CardPoster, Outgoing
from bot.store.cases import CaseStore
from bot.store.lease import ItemLock
from bot.store.quiet import muted_case, queue_quiet_join, queue_same_text, same_text_case
from bot.store.retention import retention_of


@dataclass(frozen=True, slots=True)
class QuietJoin:
    case: Case  # as found when the post was matched to it (its copies before this post)
    reason: Literal["muted", "same_text"]

    @property
    def case_id(self) -> str:
        return self.case.post_id


class QuietJoiner:
    def __init__(self, client: redis.Redis, slack: WebClient, poster: CardPoster) -> None:
        self.client, self.slack, self.poster = client, slack, poster
        self.cases = CaseStore(client)
        self.retention = retention_of(client)

    def muted(self, mention: Mention) -> QuietJoin | None:
        """The case the post's author was muted from, while the mute lasts."""
        if mention.is_dm:
            return None
        case_id = muted_case(self.client, mention.author.id)
        found = self.cases.get(case_id) if case_id and case_id != mention.post_id else None
        return QuietJoin(found[0], "muted") if found is not None else None

    def copy_of(self, mention: Mention) -> QuietJoin | None:
        """The case of the same text from another account, carded in the last day."""
        if mention.is_dm or mention.replied_to is not None:
            return None
        fingerprint = text_fingerprint(mention.text)
        case_id = same_text_case(self.client, fingerprint) if fingerprint else None
        found = self.cases.get(case_id) if case_id and case_id != mention.post_id else None
        if found is None or found[1].author.id == mention.author.id:
            return None
        return QuietJoin(found[0], "same_text")

    def post(self, mention: Mention, join: QuietJoin, lock: ItemLock) -> tuple[str, str]:
        case, muted = self.poster.own_card(join.case), join.reason == "muted"
        outgoing = Outgoing(
            text=followup_fallback_text(mention, "posted (muted)" if muted else "posted it too"),
            blocks=followup_blocks(mention, MUTED_AUTHOR_POSTED if muted else SAME_TEXT_POSTED),
            metadata=followup_metadata(mention, join.case_id),
            thread_ts=case.ts,
        )
        return self.poster.post_once(mention, case.channel, lock, outgoing)

    def queue(self, pipe: redis.client.Pipeline, mention: Mention, join: QuietJoin) -> None:
        copies = join.case.copy_authors if join.reason == "same_text" else None
        keep = self.retention.case_seconds
        queue_quiet_join(pipe, join.case_id, mention, copy_authors=copies, keep_seconds=keep)

    def remember_text(self, pipe: redis.client.Pipeline, mention: Mention) -> None:
        """A new card's text is the one its copies will join (in the MULTI that records it)."""
        fingerprint = None if mention.is_dm else text_fingerprint(mention.text)
        if fingerprint is not None:
            queue_same_text(pipe, fingerprint, mention.post_id)
