"""/track answers that only read: list, test (one recent search), stats and the budget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from bot.blocks.track import (
    budget_line,
    figures_lines,
    messages,
    one,
    problem_text,
    rule_list,
    trial_lines,
)
from bot.domain.track_command import (
    EXAMPLE_TEST,
    ListRules,
    ShowBudget,
    ShowStats,
    TryQuery,
)
from bot.domain.track_cost import sample_rate
from bot.domain.track_query import QueryProblem, parse_track_query
from bot.pipeline.track_poll import described
from bot.services import Services
from bot.sources.x import XError
from bot.store.dm_usage import DmUsage
from bot.store.spikes import spike_sensitivities
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore
from bot.track.reply import Reply

log = structlog.get_logger()

TEST_WINDOW = timedelta(hours=24)


def own_handle(services: Services) -> str | None:
    """Our X @handle, or None when X cannot tell us now (the length check then assumes the
    longest possible handle)."""
    try:
        return services.x.me().username
    except XError as error:
        log.warning("x_me_failed", kind=error.kind, detail=error.detail)
        return None


class Reports:
    def __init__(self, services: Services, store: TrackStore, usage: TrackUsage) -> None:
        self.services, self.store, self.usage = services, store, usage
        self.default_channel = services.settings.slack_mentions_channel or ""

    def handlers(self) -> dict[type, Callable[[Any, str], Reply]]:
        return {
            ListRules: self.list_rules,
            ShowStats: self.stats,
            ShowBudget: self.show_budget,
            TryQuery: self.test,
        }

    def list_rules(self, _command: ListRules, _user: str) -> Reply:
        rules = self.store.all()
        spikes = spike_sensitivities(self.services.redis, [rule.source for rule in rules])
        lines = rule_list(rules, self.default_channel, self.usage.budget(), spikes)
        return Reply(messages(lines, "/track rules"), note="list")

    def stats(self, _command: ShowStats, _user: str) -> Reply:
        rules = self.store.all()
        figures = self.usage.figures([rule.id for rule in rules], self.services.clock())
        return Reply(messages(figures_lines(rules, figures), "/track stats"), note="stats")

    def show_budget(self, _command: ShowBudget, _user: str) -> Reply:
        rules = self.store.all()
        budget = self.usage.budget()
        lines = [budget_line(rules, budget)]
        if budget is None:
            lines.append("Set a monthly cap with `/track budget 150`.")
        dms, reads, sends = DmUsage(self.services.redis).monthly_estimate(self.services.clock())
        if dms:
            lines.append(
                f"• Direct messages ≈ ${dms:,.2f}/month ({reads:,.0f} DM events read and "
                f"{sends:,.0f} sent a day; never paused, so they come off the budget first)"
            )
        lines += [
            f"• *{rule.id}* ≈ ${rule.monthly_estimate:,.2f}/month ({rule.status})"
            for rule in sorted(rules, key=lambda r: -r.monthly_estimate)
        ]
        return Reply(messages(lines, "/track budget"), note="budget")

    def test(self, command: TryQuery, _user: str) -> Reply:
        handle = own_handle(self.services)
        try:
            query = parse_track_query(
                command.query,
                handle,
                include_retweets=command.include_retweets,
                include_own=command.include_own,
            )
        except QueryProblem as bad:
            return Reply([one(problem_text(str(bad), EXAMPLE_TEST))], note=str(bad))
        sent = query.effective(
            handle, include_retweets=command.include_retweets, include_own=command.include_own
        )
        now = datetime.fromtimestamp(self.services.clock(), UTC)
        try:
            page = self.services.x.search_page(
                sent, None, None, 100, start_time=now - TEST_WINDOW, source="test"
            )
        except XError as error:
            text = f"X did not run the test: {described(error)}"
            if error.kind == "rate_limited":
                text = "X's search limit is used up for now; try the test again in a few minutes."
            return Reply([one(problem_text(text, EXAMPLE_TEST))], note=text)
        full = page.next_token is not None
        times = [mention.created_at for mention in page.mentions]
        span = (max(times) - min(times)).total_seconds() if len(times) > 1 else 0.0
        window = TEST_WINDOW.total_seconds()
        rate = sample_rate(page.result_count, span, full_page=full, asked_seconds=window)
        lines = trial_lines(
            sent,
            page.mentions,
            page.result_count,
            rate,
            (span if full else window) / 3600,
            full_page=full,
        )
        return Reply(messages(lines, "/track test"), note="test")
