"""Edits: X makes an edited post a new version with a new id (its `edit_history_tweet_ids`
lists every version, oldest first). The new version is not a new mention: the card (or the
follow-up's thread message) of an earlier version is updated in place and says "edited".
An edit of a post Earshot never carded is delivered as a mention of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import redis
import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.followup import followup_blocks, followup_fallback_text
from bot.casework.cards import update_card
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.conversations import Conversations

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class EditTarget:
    case_id: str
    version_id: str  # the earlier version Earshot knows: the case's post or a follow-up


class EditApplier:
    def __init__(
        self, client: redis.Redis, slack: WebClient, tier: str, clock: Callable[[], float]
    ) -> None:
        self.client, self.slack, self.tier, self.clock = client, slack, tier, clock
        self.conversations = Conversations(client)

    def target(self, mention: Mention) -> EditTarget | None:
        """The case an edit belongs to; None when it is no edit, or of no post we carded."""
        for version in reversed(mention.earlier_versions):
            case_id = self.client.get(keys.thread_of(version))
            if case_id:
                return EditTarget(str(case_id), version)
        return None

    def queue(self, pipe: redis.client.Pipeline, mention: Mention, target: EditTarget) -> None:
        """Store the new text on the case (or follow-up) it edits (in the MULTI that acks it)."""
        keep = self.conversations.retention.case_seconds
        pipe.set(keys.thread_of(mention.post_id), target.case_id, ex=keep)
        key = self._record_key(target)
        raw = self.client.hget(key, "mention")
        if not raw:
            return
        shown = Mention.from_json(str(raw))
        edited = replace(
            shown, text=mention.text, edit_history=mention.edit_history, edited_at=self.clock()
        )
        pipe.hset(key, "mention", edited.to_json())

    def show(self, target: EditTarget) -> None:
        """Update the card or the follow-up's thread message (best effort: logged)."""
        if target.version_id == target.case_id:
            update_card(self.client, self.slack, self.tier, target.case_id)
            return
        followup = self.conversations.followup(target.version_id)
        if followup is None:
            return
        try:
            self.slack.chat_update(
                channel=followup.channel,
                ts=followup.ts,
                text=followup_fallback_text(followup.mention),
                blocks=followup_blocks(followup.mention),
            )
        except (SlackApiError, OSError) as error:
            log.warning("followup_update_failed", post_id=target.version_id, error=repr(error))

    def _record_key(self, target: EditTarget) -> str:
        if target.version_id == target.case_id:
            return keys.case(target.case_id)
        return keys.followup(target.version_id)
