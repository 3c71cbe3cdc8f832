"""The App Home tab: every /track rule with its status, last good poll, volume, channel, and a
pause or resume button (pure Block Kit)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.text import escape_and_truncate
from bot.blocks.track import budget_line, channel_ref, code, money, per_day, when
from bot.domain.track_rule import Priority, RuleStatus, TrackRule

Block = dict[str, Any]

HOME_BLOCKS = 100
RULES_SHOWN = 90  # leaves room for the header, notices and the "more" line
ACTION_PAUSE = "track_pause"
ACTION_RESUME = "track_resume"
_STATUS = {
    RuleStatus.ACTIVE: ":large_green_circle: Active",
    RuleStatus.PAUSED: ":double_vertical_bar: Paused",
    RuleStatus.ERRORING: ":warning: Erroring",
}
_ORDER = {RuleStatus.ERRORING: 0, RuleStatus.ACTIVE: 1, RuleStatus.PAUSED: 2}


def home_view(
    rules: Sequence[TrackRule],
    default_channel: str,
    budget: float | None,
    notice: str | None = None,
) -> dict[str, Any]:
    """The Home tab; `notice` (safe mrkdwn: why a button did nothing) is shown at the top."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Earshot: what we listen for"}},
    ]
    if notice:
        blocks.append(_context(f":information_source: {notice}"))
    blocks.append(_context(budget_line(rules, budget)))
    blocks.append({"type": "divider"})
    ordered = sorted(rules, key=lambda rule: (_ORDER[rule.status], rule.number))
    blocks += [_rule_block(rule, default_channel) for rule in ordered[:RULES_SHOWN]]
    if len(ordered) > RULES_SHOWN:
        blocks.append(_context(f"…and {len(ordered) - RULES_SHOWN} more: `/track list`."))
    if not rules:
        blocks.append(
            _context('No rules yet. In any channel: `/track add "acme app" OR acmeapp #support`')
        )
    blocks.append(_context("Add, test and change rules with `/track` (`/track help`)."))
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}


def _rule_block(rule: TrackRule, default_channel: str) -> Block:
    lines = [
        f"*{rule.id}* {_STATUS[rule.status]} — {code(rule.query, 200)}",
        f"→ {channel_ref(rule.channel, default_channel)}"
        + (" · :rotating_light: high priority" if rule.priority is Priority.HIGH else "")
        + (f" · “{escape_and_truncate(rule.name, 60)}”" if rule.name else ""),
        f"≈ {per_day(rule):,.0f} posts/day · ≈ {money(rule.monthly_estimate)}/month · "
        f"last successful poll {when(rule.last_poll_at)}",
    ]
    if rule.status is RuleStatus.ERRORING and rule.last_error:
        lines.append(f"Last error: {escape_and_truncate(rule.last_error, 400)}")
    if rule.status is RuleStatus.PAUSED and rule.status_reason:
        lines.append(rule.status_reason[:400])  # our own words, with a <@user>
    paused = rule.status is RuleStatus.PAUSED
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Resume" if paused else "Pause"},
        "action_id": ACTION_RESUME if paused else ACTION_PAUSE,
        "value": rule.id,
    }
    if paused:
        button["style"] = "primary"
    return {
        "type": "section",
        "block_id": f"track_rule_{rule.id}",
        "text": {"type": "mrkdwn", "text": "\n".join(lines)},
        "accessory": button,
    }


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
