"""Before a card goes out: what Earshot knows of its author (earlier cases, an open one)."""

from __future__ import annotations

from dataclasses import replace

import redis
import structlog
from slack_sdk import WebClient

from bot.casework.cards import permalink
from bot.domain.history import CustomerHistory
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.history import SCAN_NEWEST, CaseHistory, PastCase

log = structlog.get_logger()


class HistoryLookup:
    def __init__(self, client: redis.Redis, slack: WebClient) -> None:
        self.client, self.slack = client, slack
        self.store = CaseHistory(client)

    def with_history(self, mention: Mention) -> Mention:
        """The mention carrying its author's history; unchanged for a first-time author. Never
        raises for Slack: a permalink that cannot be had is left out."""
        author = mention.author.id
        past = self.store.newest(author, SCAN_NEWEST, exclude=mention.post_id)
        if not past:
            return mention
        listed = self.client.zscore(keys.author_cases(author), mention.post_id) is not None
        last = past[0]
        still_open = [case for case in past if case.open]
        history = CustomerHistory(
            earlier=max(len(past), self.store.count(author) - int(listed)),
            last_at=last.created_at,
            last_status=last.status.value,
            last_by=last.status_by,
            last_link=self._permalink(last),
            open_cases=len(still_open),
            open_link=self._permalink(still_open[0]) if still_open else None,
        )
        return replace(mention, history=history)

    def _permalink(self, case: PastCase) -> str | None:
        return permalink(self.slack, case.channel, case.ts)
