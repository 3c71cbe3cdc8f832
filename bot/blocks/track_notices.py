"""What /track says in a channel when shared state changes: who added, paused, resumed or
removed a rule, budget changes and budget pauses, VIP settings (pure mrkdwn)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.text import escape_and_truncate, escape_mrkdwn
from bot.blocks.track import channel_ref, code, money, per_day
from bot.domain.track_rule import Priority, TrackRule, VipPolicy


def added_text(rule: TrackRule, user: str, default_channel: str) -> str:
    extras = [channel_ref(rule.channel, default_channel)]
    if rule.priority is Priority.HIGH:
        extras.append(":rotating_light: high priority")
    if rule.name:
        extras.append(f"“{escape_and_truncate(rule.name, 60)}”")
    return (
        f":ear: <@{user}> added /track rule *{rule.id}* {code(rule.query)} → "
        + " · ".join(extras)
        + ". Posts from now on will arrive as cards."
    )


def changed_text(action: str, rule: TrackRule, user: str) -> str:
    icon = {
        "remove": ":wastebasket:",
        "pause": ":double_vertical_bar:",
        "resume": ":arrow_forward:",
    }
    verb = {"remove": "removed", "pause": "paused", "resume": "resumed"}[action]
    tail = ""
    if action == "resume":
        tail = " It picks up from now; what was posted while it was paused is not fetched."
    if action == "remove":
        tail = f" To bring it back: `/track add {rule.query.replace('`', '')}`"[:600]
    lead = f"{icon[action]} <@{user}> {verb} /track rule *{rule.id}* {code(rule.query)}."
    return lead + escape_mrkdwn(tail)


def budget_set_text(user: str, amount: float | None, paused: Sequence[TrackRule]) -> str:
    if amount is None:
        text = f":money_with_wings: <@{user}> removed the /track budget: no cap on the X cost."
    else:
        text = f":moneybag: <@{user}> set the /track budget to {money(amount)} a month."
    if paused:
        ids = ", ".join(f"*{rule.id}*" for rule in paused)
        text += f" Paused to stay within it: {ids}."
    return text


def budget_pause_text(rule: TrackRule, budget: float, committed: float) -> str:
    return (
        f":double_vertical_bar: Earshot paused /track rule *{rule.id}* {code(rule.query)}: at "
        f"its observed volume (≈ {per_day(rule):,.0f} posts/day) it would cost about "
        f"{money(rule.monthly_estimate)} a month, which would take /track rules over the "
        f"{money(budget)} monthly budget ({money(committed)} is already used by other rules). "
        f"To resume it, raise the budget (`/track budget <amount>`) or narrow the query "
        f"(`/track remove {rule.id}`, then `/track add …`), then `/track resume {rule.id}`."
    )


def budget_reason(rule: TrackRule, budget: float) -> str:
    return (
        f"Paused by the budget: ≈ {money(rule.monthly_estimate)}/month would exceed the "
        f"{money(budget)} cap. Raise it with /track budget, then /track resume {rule.id}."
    )


def vip_text(vip: VipPolicy) -> str:
    threshold = (
        f"authors with {vip.followers:,}+ followers"
        if vip.followers is not None
        else "no follower threshold"
    )
    handles = ", ".join(f"@{h}" for h in sorted(vip.handles)) or "no listed handles"
    return f":star: VIP authors (their cards are marked): {threshold}; {escape_mrkdwn(handles)}."
