"""Block Kit and texts for on-call: pings with an Acknowledge button, handoffs, /oncall answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn
from bot.domain.hours import BusinessHours, describe_hours, is_open, next_opening
from bot.domain.mention import Mention
from bot.domain.oncall_commands import Problem
from bot.domain.policy import Policy, SlaConfig, describe_policy, duration_text, policy_text
from bot.domain.rotation import Rotation, current_overrides, describe_period, next_on_call, on_call

Block = dict[str, Any]

ACK_ACTION = "sla_acknowledge"
BLOCK_PING = "oncall_ping"
BLOCK_ACK = "oncall_ack"
EXCERPT_LIMIT = 200
HOLIDAYS_SHOWN = 15


def slack_moment(epoch: float) -> str:
    """A date and time every reader sees in their own time zone (UTC in the fallback)."""
    fallback = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(epoch)}^{{date_short_pretty}} {{time}}|{fallback}>"


def waited_text(seconds: float) -> str:
    """ "42 min", "2 h 5 min", "3 h"."""
    minutes = max(0, round(seconds / 60))
    if minutes < 120:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def mention_excerpt(mention: Mention) -> str:
    text = " ".join(mention.text.split())
    who = escape_mrkdwn(mention.author.username)
    return f"@{who}: “{escape_and_truncate(text, EXCERPT_LIMIT)}”"


def ping_blocks(text: str, post_id: str) -> list[Block]:
    """A ping: its text, and an Acknowledge button that stops the case's escalation steps."""
    button = {
        "type": "button",
        "action_id": ACK_ACTION,
        "text": {"type": "plain_text", "text": "Acknowledge"},
        "style": "primary",
        "value": post_id,
    }
    return [
        {"type": "section", "block_id": BLOCK_PING, "text": mrkdwn(text)},
        {"type": "actions", "block_id": BLOCK_ACK, "elements": [button]},
    ]


def with_note(blocks: list[Block], note: str) -> list[Block]:
    """The ping as it stands, its Acknowledge button replaced by `note`."""
    kept = [b for b in blocks if b.get("block_id") != BLOCK_ACK]
    return [*kept, {"type": "context", "block_id": BLOCK_ACK, "elements": [mrkdwn(note)]}]


def acknowledged_note(user: str, at: float) -> str:
    return f":white_check_mark: Acknowledged by <@{escape_mrkdwn(user)}> {slack_moment(at)}"


def stopped_note(reason: str | None, by: str | None) -> str:
    who = f" by <@{escape_mrkdwn(by)}>" if by else ""
    return f":white_check_mark: Escalation already stopped: {reason or 'stopped'}{who}."


def handoff_text(team: str, new: str, old: str | None, until: float | None) -> str:
    text = f":arrows_counterclockwise: <@{new}> is now on call for *{escape_mrkdwn(team)}*"
    if until is not None:
        text += f" until {slack_moment(until)}"
    return text + (f", taking over from <@{old}>." if old and old != new else ".")


def closed_notice(hours: BusinessHours | None, at: float, due: float | None = None) -> str | None:
    """ ":crescent_moon: We are closed now; we open <when>. ..." for a card or its thread, or
    None while open (or without business hours)."""
    if is_open(hours, at):
        return None
    opens = next_opening(hours, at)
    text = ":crescent_moon: We are closed now" + (
        f"; we open {slack_moment(opens)}" if opens else ""
    )
    if due is not None:
        text += f". The first-response SLA is due {slack_moment(due)}"
    return text + "."


def problem_text(problem: Problem) -> str:
    return f":warning: {problem.message}.\nExample: `{problem.example}`"


def rotation_lines(rotation: Rotation, now: float) -> list[str]:
    lines = [f"*{escape_mrkdwn(rotation.team)}*: on call now <@{on_call(rotation, now)}>"]
    following = next_on_call(rotation, now)
    if following is not None:
        person, when = following
        lines[0] += f", next <@{person}> from {slack_moment(when)}"
    people = " → ".join(f"<@{m}>" for m in rotation.members)
    lines.append(f"    rotation {people}, {describe_period(rotation)}")
    lines += [
        f"    override: <@{o.user}> from {slack_moment(o.start)} until {slack_moment(o.end)}"
        for o in current_overrides(rotation, now)
    ]
    return lines


def hours_lines(hours: BusinessHours | None, hours_set: bool, now: float) -> list[str]:
    text = describe_hours(hours) if hours_set else "24/7 (no business hours set)"
    if is_open(hours, now):
        state = "open now"
    else:
        opens = next_opening(hours, now)
        state = "closed now" + (f", opens {slack_moment(opens)}" if opens else "")
    lines = [f"*Business hours*: {text}, {state}"]
    if hours is not None and hours.holidays:
        days = sorted(d.isoformat() for d in hours.holidays)
        more = " …" if len(days) > HOLIDAYS_SHOWN else ""
        lines.append(f"    holidays ({hours.tz}): {', '.join(days[:HOLIDAYS_SHOWN])}{more}")
    return lines


def sla_lines(sla: SlaConfig, paged_team: str | None) -> list[str]:
    target = "off" if sla.target is None else f"{duration_text(sla.target)} of business time"
    lines = [f"*First-response SLA*: {target}"]
    lines += [
        f"    rule {escape_mrkdwn(rule)}: {duration_text(seconds)}"
        for rule, seconds in sorted(sla.per_rule.items())
    ]
    if sla.next_target == 0:
        following = "off"
    elif sla.next_target is None:
        following = "the same as the first response"
    else:
        following = f"{duration_text(sla.next_target)} of business time"
    lines.append(f"*Next-response SLA* (after a customer's follow-up): {following}")
    who = (
        f"the on-call person of *{escape_mrkdwn(paged_team)}*" if paged_team else "no rotation yet"
    )
    lines.append(f"    pings go to {who}")
    return lines


def policy_lines(policy: Policy) -> list[str]:
    lines = ["*Escalation policy* (after the SLA deadline, until someone acknowledges):"]
    lines += [f"    {line}" for line in describe_policy(policy)]
    lines.append(f"    as a command: `/oncall policy {policy_text(policy)}`")
    return lines


def overview_text(
    rotations: list[Rotation],
    hours: BusinessHours | None,
    hours_set: bool,
    sla: SlaConfig,
    policy: Policy,
    paged_team: str | None,
    now: float,
) -> str:
    """What `/oncall` answers: every team's now and next, then hours, SLA and policy."""
    lines: list[str] = []
    for rotation in rotations:
        lines += rotation_lines(rotation, now)
    if not rotations:
        lines.append("No on-call rotation yet. Set one with `/oncall set support @alice @bob`.")
    lines += hours_lines(hours, hours_set, now) + sla_lines(sla, paged_team)
    lines += policy_lines(policy)
    return "\n".join(lines)
