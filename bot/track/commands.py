"""Run one /track command for one person: check the right, change or read the rules, and say
what happened (ephemerally to the person; in the channel when shared state changed)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal

import structlog

from bot.blocks.track import code, help_text, money, one
from bot.blocks.track_notices import added_text, budget_set_text, changed_text, vip_text
from bot.domain.track_command import (
    CHANGES_SHARED_STATE,
    EXAMPLE_ADD,
    AddRule,
    ChangeRule,
    ChangeVipHandles,
    Help,
    Invalid,
    SetBudget,
    SetVipFollowers,
    ShowVip,
    parse_track_command,
)
from bot.domain.track_query import QueryProblem, parse_track_query, signature_with
from bot.domain.track_rule import RuleStatus, TrackRule
from bot.pipeline.pacing import ChannelPacer
from bot.pipeline.track_budget import BudgetKeeper
from bot.services import Services
from bot.store.track_usage import TrackUsage
from bot.store.tracks import Duplicate, TrackStore
from bot.track import reports
from bot.track.access import change_refusal, prepare_channel
from bot.track.reply import Reply, problem
from bot.track.triage_commands import TriageCommands

log = structlog.get_logger()


class TrackCommands:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = TrackStore(services.redis)
        self.usage = TrackUsage(services.redis)
        self.default_channel = services.settings.slack_mentions_channel or ""
        pacer = ChannelPacer(services.redis, services.settings.slack_channel_interval_ms)
        self.budget = BudgetKeeper(
            self.store, self.usage, services.slack, self.default_channel, pacer.wait_for_slot
        )

    def run(self, text: str, user: str) -> Reply:
        command = parse_track_command(text)
        if isinstance(command, Invalid):
            return problem(command.problem, command.example)
        if isinstance(command, CHANGES_SHARED_STATE):
            refusal = change_refusal(self.services, user)
            if refusal is not None:
                return problem(refusal, "/track list", markup=True)
        handler = self._handlers().get(type(command))
        if handler is None:  # Help, and anything new without a handler yet
            return Reply([one(help_text(self.services.settings.track_admin_group))], note="help")
        return handler(command, user)

    def change_rule(
        self, action: Literal["remove", "pause", "resume"], rule_id: str, user: str
    ) -> Reply:
        """Pause, resume or remove (also what the Home tab's buttons do)."""
        refusal = change_refusal(self.services, user)
        if refusal is not None:
            return problem(refusal, "/track list", markup=True)
        return self._change(ChangeRule(action, rule_id), user)

    def _handlers(self) -> dict[type, Callable[[Any, str], Reply]]:
        report = reports.Reports(self.services, self.store, self.usage)
        return {
            AddRule: self._add,
            ChangeRule: self._change,
            SetBudget: self._set_budget,
            SetVipFollowers: self._set_vip_followers,
            ChangeVipHandles: self._change_vip,
            ShowVip: lambda _c, _u: Reply([one(vip_text(self.usage.vip()))], note="vip"),
            Help: lambda _c, _u: Reply([one(help_text(self.services.settings.track_admin_group))]),
            **report.handlers(),
            **TriageCommands(self.services, self.store, self.usage).handlers(),
        }

    # -- rules --------------------------------------------------------------------------

    def _add(self, command: AddRule, user: str) -> Reply:
        handle = reports.own_handle(self.services)
        try:
            query = parse_track_query(
                command.query,
                handle,
                include_retweets=command.include_retweets,
                include_own=command.include_own,
            )
        except QueryProblem as bad:
            return problem(str(bad), EXAMPLE_ADD)
        joined = False
        if command.channel and command.channel != self.default_channel:
            check = prepare_channel(self.services, command.channel)
            if check.problem is not None:
                return problem(check.problem, EXAMPLE_ADD, markup=True)
            joined = check.joined
        now = self.services.clock()
        rule = TrackRule(
            id="",
            query=query.text,
            created_by=user,
            created_at=now,
            channel=command.channel,
            priority=command.priority,
            name=command.name,
            include_retweets=command.include_retweets,
            include_own=command.include_own,
            active_since=now,
        )
        signature = signature_with(
            query, include_retweets=command.include_retweets, include_own=command.include_own
        )
        stored = self.store.add(rule, signature)
        if isinstance(stored, Duplicate):
            return self._duplicate(stored)
        sent = query.effective(
            handle, include_retweets=command.include_retweets, include_own=command.include_own
        )
        detail = f"Saved *{stored.id}*. Earshot searches X for {code(sent, 600)}"
        if joined:
            detail += f"; it joined <#{stored.channel}> to post the cards there"
        detail += ". Check the noise any time with `/track stats`."
        return Reply(
            [one(detail)], public=added_text(stored, user, self.default_channel), note="added"
        )

    def _duplicate(self, found: Duplicate) -> Reply:
        existing = found.existing
        where = f" → <#{existing.channel or self.default_channel}>" if existing else ""
        return problem(
            f"That query is already tracked by *{found.rule_id}*{where}. To send it elsewhere, "
            f"remove that rule first (`/track remove {found.rule_id}`) and add it again.",
            "/track list",
            markup=True,
        )

    def _change(self, command: ChangeRule, user: str) -> Reply:
        rule = self.store.get(command.rule_id)
        if rule is None:
            return problem(
                f"There is no rule {command.rule_id}. `/track list` shows the ids.",
                f"/track {command.action} t1",
            )
        if command.action == "remove":
            removed = self.store.remove(rule.id)
            if removed is None:
                return problem(f"{rule.id} was removed meanwhile.", "/track list")
            return Reply(public=changed_text("remove", removed, user), note=f"Removed {rule.id}.")
        if command.action == "pause":
            before = self.store.pause(rule.id, f"Paused by <@{user}>.")
            if before is RuleStatus.PAUSED:
                return problem(f"{rule.id} is already paused.", f"/track resume {rule.id}")
            return Reply(public=changed_text("pause", rule, user), note=f"Paused {rule.id}.")
        return self._resume(rule, user)

    def _resume(self, rule: TrackRule, user: str) -> Reply:
        if rule.status is not RuleStatus.PAUSED:
            return problem(f"{rule.id} is not paused (it is {rule.status}).", "/track list")
        budget, others = self.budget.room_for(rule)
        if budget is not None and others + rule.monthly_estimate > budget + 1e-9:
            needed = math.ceil(others + rule.monthly_estimate)
            return problem(
                f"{rule.id} would cost about {money(rule.monthly_estimate)} a month; with the "
                f"other rules ({money(others)}) that is over the {money(budget)} budget. Raise "
                f"the budget first, or narrow the query.",
                f"/track budget {needed}",
            )
        if self.store.resume(rule.id, self.services.clock()) is None:
            return problem(f"{rule.id} was removed meanwhile.", "/track list")
        return Reply(public=changed_text("resume", rule, user), note=f"Resumed {rule.id}.")

    # -- budget and VIPs ------------------------------------------------------------------

    def _set_budget(self, command: SetBudget, user: str) -> Reply:
        self.usage.set_budget(command.amount)
        paused = self.budget.hold(self.services.clock())
        return Reply(public=budget_set_text(user, command.amount, paused), note="budget set")

    def _set_vip_followers(self, command: SetVipFollowers, user: str) -> Reply:
        self.usage.set_vip_followers(command.followers)
        return Reply(public=f"<@{user}> changed VIP authors. " + vip_text(self.usage.vip()))

    def _change_vip(self, command: ChangeVipHandles, user: str) -> Reply:
        self.usage.change_vip_handles(command.handles, add=command.add)
        return Reply(public=f"<@{user}> changed VIP authors. " + vip_text(self.usage.vip()))
