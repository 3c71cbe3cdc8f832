"""The optional AI helper, off the card's path: after a card is out, its post's text (and only
that) is sent to the helper; what it suggests — kind, sentiment, a reply draft — is stored on
the case and shown on the card as a suggestion. Nothing is ever sent from it without a person
pressing Send in the Reply form.

A slow, failing or garbled helper costs nothing but the suggestion: the card was posted first,
and the queue keeps only the newest QUEUE_LIMIT posts, so a flood never piles up behind it.
"""

from __future__ import annotations

import threading
from typing import Any

import redis
import structlog
from slack_sdk import WebClient

from bot.casework.cards import update_card
from bot.domain.mention import Mention
from bot.sources.ai import AiHelper
from bot.store import keys
from bot.store.cases import CaseStore

log = structlog.get_logger()

QUEUE_LIMIT = 200
IDLE_WAIT_SECONDS = 0.5


class AiSuggester:
    def __init__(self, client: redis.Redis, slack: WebClient, helper: AiHelper, tier: str) -> None:
        self.client, self.slack, self.helper, self.tier = client, slack, helper, tier
        self.cases = CaseStore(client)

    def enqueue(
        self, pipe: redis.client.Pipeline, mention: Mention, _channel: str, _ts: str
    ) -> None:
        """A RecordHook: a new card's post waits for a suggestion (never a DM's text)."""
        if mention.is_dm:
            return
        pipe.rpush(keys.AI_QUEUE, mention.post_id)
        pipe.ltrim(keys.AI_QUEUE, -QUEUE_LIMIT, -1)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            if not self.step():
                stop.wait(IDLE_WAIT_SECONDS)

    def step(self) -> bool:
        """Ask about the oldest waiting post; False when none was waiting."""
        raw = self.client.lpop(keys.AI_QUEUE)
        if raw is None:
            return False
        post_id = str(raw)
        found = self.cases.get(post_id)
        if found is None or found[1].is_dm:
            return True
        suggestion = self.helper.suggest(found[1].text)
        if suggestion is None or suggestion.empty:
            return True  # the helper logged why; the card simply has no suggestion
        fields: dict[Any, Any] = {
            "ai_kind": suggestion.kind.value if suggestion.kind else "",
            "ai_sentiment": suggestion.sentiment or "",
            "ai_draft": suggestion.draft or "",
        }
        self.client.hset(keys.case(post_id), mapping=fields)
        log.info("ai_suggestion_stored", post_id=post_id, kind=fields["ai_kind"])
        update_card(self.client, self.slack, self.tier, post_id)
        return True
