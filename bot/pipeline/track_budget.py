"""The cost guardrail: rules that would take /track over its monthly budget are paused, and
their channel is told why and how to resume."""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.track_notices import budget_pause_text, budget_reason
from bot.domain.track_cost import apply_budget
from bot.domain.track_rule import RuleStatus, TrackRule
from bot.store.dm_usage import DmUsage
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore

log = structlog.get_logger()

PacerSlot = Callable[[str], None]


class BudgetKeeper:
    def __init__(
        self,
        store: TrackStore,
        usage: TrackUsage,
        slack: WebClient,
        default_channel: str,
        wait_for_slot: PacerSlot = lambda _channel: None,
    ) -> None:
        self.store, self.usage, self.slack = store, usage, slack
        self.default_channel, self.wait_for_slot = default_channel, wait_for_slot

    def hold(self, now: float, grew: frozenset[str] = frozenset()) -> list[TrackRule]:
        """Pause every rule that would break the budget (those whose volume just `grew` first);
        returns the rules this call paused."""
        budget = self.usage.budget()
        if budget is None:
            return []
        running = [rule for rule in self.store.all() if rule.status is not RuleStatus.PAUSED]
        dms, _reads, _sends = DmUsage(self.store.client).monthly_estimate(now)
        verdict = apply_budget(running, max(0.0, budget - dms), grew)
        paused: list[TrackRule] = []
        for rule in verdict.over:
            before = self.store.pause(rule.id, budget_reason(rule, budget))
            if before is None or before is RuleStatus.PAUSED:
                continue  # removed or paused by someone meanwhile
            paused.append(rule)
            log.warning(
                "track_rule_paused_by_budget",
                rule=rule.id,
                estimate=rule.monthly_estimate,
                budget=budget,
            )
            self._tell(rule, budget_pause_text(rule, budget, verdict.total_kept))
        return paused

    def room_for(self, rule: TrackRule) -> tuple[float | None, float]:
        """(budget, what the other running rules already use): does `rule` fit again?"""
        budget = self.usage.budget()
        others = sum(
            other.monthly_estimate
            for other in self.store.all()
            if other.id != rule.id and other.status is not RuleStatus.PAUSED
        )
        dms, _reads, _sends = DmUsage(self.store.client).monthly_estimate(time.time())
        return budget, others + dms

    def _tell(self, rule: TrackRule, text: str) -> None:
        channel = rule.channel or self.default_channel
        try:
            self.wait_for_slot(channel)
            self.slack.chat_postMessage(channel=channel, text=text, unfurl_links=False)
        except (SlackApiError, OSError) as error:
            log.warning("track_budget_notice_failed", rule=rule.id, error=repr(error))
