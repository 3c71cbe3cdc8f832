"""What /track says back: help, problems, rule lists, tests, figures and announcements (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.blocks.text import escape_and_truncate, escape_mrkdwn
from bot.domain.mention import Mention
from bot.domain.spike import Sensitivity
from bot.domain.track_cost import MONTH_DAYS, POST_READ_USD
from bot.domain.track_rule import Priority, RuleFigures, RuleStatus, TrackRule

Block = dict[str, Any]

SECTION_LIMIT = 2_900  # Slack's section text limit is 3,000
MESSAGE_TEXT_BUDGET = 11_000  # Slack refuses blocks holding more than ~12,000 characters
MESSAGE_BLOCKS = 45  # of 50
QUERY_SHOWN = 300
SAMPLE_SHOWN = 200

STATUS_ICONS = {
    RuleStatus.ACTIVE: ":large_green_circle: active",
    RuleStatus.PAUSED: ":double_vertical_bar: paused",
    RuleStatus.ERRORING: ":warning: erroring",
}


@dataclass(frozen=True, slots=True)
class Message:
    """One Slack message: `text` is the notification line, `blocks` what is shown."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def code(text: str, limit: int = QUERY_SHOWN) -> str:
    """Untrusted text inside a `code span` (a backtick would end it early)."""
    return "`" + escape_and_truncate(text.replace("`", "'"), limit) + "`"


def channel_ref(channel: str | None, default: str) -> str:
    return f"<#{channel or default}>" + ("" if channel else " (default)")


def when(epoch: float | None) -> str:
    if not epoch:
        return "never"
    fallback = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(epoch)}^{{date_short_pretty}} {{time}}|{fallback}>"


def money(amount: float) -> str:
    return f"${amount:,.2f}"


def per_day(rule: TrackRule) -> float:
    return rule.monthly_estimate / (MONTH_DAYS * POST_READ_USD)


def messages(lines: Sequence[str], fallback: str) -> list[Message]:
    """Pack mrkdwn lines into as few messages as Slack's limits allow (never cutting a line)."""
    packed: list[Message] = []
    sections: list[str] = []  # finished sections of the message being built
    current, used = "", 0  # the section being built; characters in this message so far
    for raw in lines:
        line = raw if len(raw) <= SECTION_LIMIT else raw[: SECTION_LIMIT - 1] + "…"
        cost = len(line) + 1
        new_section = bool(current) and len(current) + cost > SECTION_LIMIT
        full = used + cost > MESSAGE_TEXT_BUDGET or (
            new_section and len(sections) + 1 >= MESSAGE_BLOCKS
        )
        if full and (sections or current):
            packed.append(_message([*sections, current] if current else sections, fallback))
            sections, current, used = [], "", 0
        elif new_section:
            sections.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
        used += cost
    if current:
        sections.append(current)
    if sections:
        packed.append(_message(sections, fallback))
    return packed or [_message(["(nothing)"], fallback)]


def one(text: str) -> Message:
    return messages(text.split("\n"), text.split("\n", 1)[0][:150])[0]


def _message(sections: list[str], fallback: str) -> Message:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": s}} for s in sections]
    return Message(fallback, blocks)


# -- help and problems --------------------------------------------------------------------


def help_text(admin_group: str | None) -> str:
    who = (
        f"Adding, changing and removing rules is for members of <!subteam^{admin_group}>; "
        "anyone can list, test and see stats."
        if admin_group
        else "Anyone in the workspace can add and change rules."
    ) + " Guests and people from other organisations (Slack Connect) never can."
    return "\n".join(
        [
            "*/track* — choose what Earshot listens for on X and where each kind of mention goes.",
            '• `/track add <query> [#channel] [priority:high] [name:"label"]` — listen for an X '
            'search, e.g. `/track add "acme app" OR acmeapp #support priority:high`. '
            "Reposts and our own posts are left out unless you add `include:retweets` or "
            "`include:own`.",
            "• `/track test <query>` — how many posts it would have caught in the last 24 h, "
            "with samples, before you add it",
            "• `/track list` — every rule: status, channel, volume, estimated cost",
            "• `/track pause t3` · `/track resume t3` · `/track remove t3`",
            "• `/track stats` — per rule: posts in 24 h and 7 d, share answered, average first "
            "response",
            "• `/track budget 150` — cap the estimated monthly X cost of all rules "
            "(`/track budget off` removes the cap); a rule that would break it is paused",
            "• `/track vip followers 50000` · `/track vip add @handle` — authors whose cards "
            "are marked VIP",
            "• `/track route lang:ja #support-jp` — mentions in a language go to that channel "
            "(`/track route lang:ja off` removes it; `/track route` lists them)",
            "• `/track spike t3 sensitivity high` — how big a flood of a rule's (or `mentions`') "
            "posts must be before the channel and the on-call person hear of it "
            "(`low`, `normal`, `high`, `off`)",
            'Queries use X search syntax: words, "exact phrases", #hashtags, @accounts, OR, '
            "(groups), -exclusions, from:, lang:en, is:reply, has:links. On pay-per-use every "
            f"post read costs {money(POST_READ_USD)}, so test before you add.",
            who,
        ]
    )


def problem_text(problem: str, example: str) -> str:
    return (
        f":warning: {escape_mrkdwn(problem)}\nTry: {code(example, 500)}\n"
        "(`/track help` lists everything.)"
    )


# -- rules ----------------------------------------------------------------------------------


def rule_line(
    rule: TrackRule, default_channel: str, spike: Sensitivity = Sensitivity.NORMAL
) -> str:
    parts = [
        f"*{rule.id}* {STATUS_ICONS[rule.status]}",
        code(rule.query),
        f"→ {channel_ref(rule.channel, default_channel)}",
    ]
    if rule.priority is Priority.HIGH:
        parts.append(":rotating_light: high priority")
    if rule.name:
        parts.append(f"“{escape_and_truncate(rule.name, 60)}”")
    if spike is not Sensitivity.NORMAL:
        parts.append(f"spike alerts {'off' if spike is Sensitivity.OFF else spike.value}")
    detail = (
        f"≈ {per_day(rule):,.0f} posts/day · ≈ {money(rule.monthly_estimate)}/month · "
        f"last poll {when(rule.last_poll_at)}"
    )
    lines = [" · ".join(parts), f"      {detail}"]
    if rule.status is RuleStatus.ERRORING and rule.last_error:
        lines.append(f"      last error: {escape_and_truncate(rule.last_error, 300)}")
    if rule.status is RuleStatus.PAUSED and rule.status_reason:
        lines.append(f"      {rule.status_reason[:300]}")  # our own words, with a <@user>
    return "\n".join(lines)


def budget_line(rules: Sequence[TrackRule], budget: float | None) -> str:
    running = sum(r.monthly_estimate for r in rules if r.status is not RuleStatus.PAUSED)
    cap = f"budget {money(budget)}/month" if budget is not None else "no budget set"
    return f"Estimated X cost of active rules: ≈ {money(running)}/month · {cap}"


def rule_list(
    rules: Sequence[TrackRule],
    default_channel: str,
    budget: float | None,
    spikes: Mapping[str, Sensitivity] | None = None,
) -> list[str]:
    """The rules, each with what differs from the defaults (`spikes`: by rule source)."""
    if not rules:
        return ['No /track rules yet. Add one: `/track add "acme app" OR acmeapp`']
    lines = [f"*/track rules* ({len(rules)})"]
    lines += [
        rule_line(rule, default_channel, (spikes or {}).get(rule.source, Sensitivity.NORMAL))
        for rule in rules
    ]
    lines.append(budget_line(rules, budget))
    return lines


def figures_lines(rules: Sequence[TrackRule], figures: Sequence[RuleFigures]) -> list[str]:
    if not rules:
        return ["No /track rules yet, so no figures."]
    by_id = {f.rule_id: f for f in figures}
    lines = [
        "*/track stats* (posts each rule matched; answered = a first response was recorded: "
        "a reply sent from Slack or *Mark answered*)"
    ]
    for rule in rules:
        f = by_id.get(rule.id)
        if f is None:
            continue
        share = (
            f"{f.answered} of {f.carded} cards ({100 * f.answered // f.carded}%)"
            if f.carded
            else "no cards yet"
        )
        wait = (
            f"avg first response {duration(f.avg_first_response)}"
            if f.avg_first_response is not None
            else "no replies yet"
        )
        sampled = f" (of the last {f.sampled})" if f.sampled < f.last_7d else ""
        lines.append(
            f"*{rule.id}* {code(rule.name or rule.query, 80)} — 24 h: {f.last_24h:,} · "
            f"7 d: {f.last_7d:,} · answered: {share}{sampled} · {wait}"
        )
    return lines


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# -- test ---------------------------------------------------------------------------------


def trial_lines(
    sent: str,
    samples: Sequence[Mention],
    count: int,
    rate_per_day: float,
    hours: float,
    *,
    full_page: bool,
) -> list[str]:
    seen = f"{count}+" if full_page else f"{count}"
    window = f"{hours:.1f} h" if full_page else "24 h"
    lines = [
        f"*Test of* {code(sent)}",
        f"{seen} posts in the last {window} → ≈ {rate_per_day:,.0f} posts/day → "
        f"≈ {money(rate_per_day * MONTH_DAYS * POST_READ_USD)}/month at {money(POST_READ_USD)} "
        "a post read.",
    ]
    if samples:
        lines.append("Latest posts:")
        for mention in samples[:3]:
            text = " ".join(mention.text.split())
            lines.append(
                f"> <{escape_mrkdwn(mention.url)}|@{escape_mrkdwn(mention.author.username)}>: "
                f"{escape_and_truncate(text, SAMPLE_SHOWN)}"
            )
    else:
        lines.append("Nothing matched in the last 24 h: check the spelling, or widen the query.")
    lines.append(f"(This test read {count} posts: ≈ {money(count * POST_READ_USD)}.)")
    return lines
