"""Reading the company-wide /oncall settings: hours, holidays, SLA, policy, auto-reply."""

from __future__ import annotations

import html
import itertools
import re
from datetime import date, timedelta

from bot.domain import oncall_commands as c
from bot.domain.hours import OpenSpan
from bot.domain.policy import MAX_REPEAT, MAX_STEPS, Policy, Step, StepAction
from bot.domain.post_length import check_post
from bot.domain.templates import template_problem, variables_in
from bot.domain.timeparse import (
    Unreadable,
    parse_clock,
    parse_date,
    parse_days,
    parse_duration,
    parse_zone,
    quoted,
)

MAX_HOLIDAYS_AT_ONCE = 60
_RANGE = re.compile(r"^(\d{1,2}:\d{2})-(\d{1,2}:\d{2})$")
_RULE = re.compile(r"^[\w:.#@-]{1,64}$")
_ACTIONS = {"thread": StepAction.THREAD, "dm": StepAction.DM, "here": StepAction.HERE}
_ACTIONS |= {"channel": StepAction.HERE}
_OFF = ("off", "none", "24/7", "always")


def parse_hours(words: list[str]) -> c.OncallCommand:
    if not words:
        return c.ShowHours()
    lowered = [w.lower() for w in words]
    if len(words) == 1 and lowered[0] in _OFF:
        return c.SetHours(None, "UTC")
    if "tz" not in lowered:
        raise Unreadable("say which time zone the hours are in, with `tz`", c.EX_HOURS)
    at = lowered.index("tz")
    if at != len(words) - 2:
        raise Unreadable("`tz <zone>` comes last, after the hours", c.EX_HOURS)
    tz = parse_zone(words[-1], c.EX_HOURS)
    if lowered[:at] in (["24/7"], ["always"]):
        return c.SetHours(None, tz)
    return c.SetHours(_spans(words[:at]), tz)


def _spans(words: list[str]) -> tuple[OpenSpan, ...]:
    """ "Mon-Fri 09:00-18:00, Sat 10:00-14:00": days, then one or more HH:MM-HH:MM for them."""
    tokens = [t for w in words for t in re.split(r"[,;]", w) if t]
    spans: list[OpenSpan] = []
    days: list[int] = []
    pending_days: list[str] = []
    for token in tokens:
        found = _RANGE.match(token)
        if found is None:
            pending_days.append(token)
            continue
        if pending_days:
            days = parse_days(",".join(pending_days), c.EX_HOURS)
            pending_days = []
        if not days:
            raise Unreadable(f"say which days {token} is for, e.g. Mon-Fri {token}", c.EX_HOURS)
        start = parse_clock(found.group(1), c.EX_HOURS)
        end = parse_clock(found.group(2), c.EX_HOURS, allow_midnight_end=True)
        if end <= start:
            raise Unreadable(
                f"{token} ends before it starts: hours run within one day (up to 24:00)",
                c.EX_HOURS,
            )
        spans += [OpenSpan(day, start, end) for day in days]
    if pending_days:
        raise Unreadable(f"give opening hours for {quoted(' '.join(pending_days))}", c.EX_HOURS)
    if not spans:
        raise Unreadable("give the days and the opening hours", c.EX_HOURS)
    return _without_overlaps(spans)


def _without_overlaps(spans: list[OpenSpan]) -> tuple[OpenSpan, ...]:
    ordered = sorted(set(spans))
    for before, after in itertools.pairwise(ordered):
        if before.weekday == after.weekday and after.start < before.end:
            raise Unreadable("two opening hours overlap on the same day", c.EX_HOURS)
    return tuple(ordered)


def parse_holidays(words: list[str]) -> c.OncallCommand:
    if not words or words[0].lower() == "list":
        if len(words) > 1:
            raise Unreadable(
                "`/oncall holidays` lists them; to add one use `holiday add`", c.EX_HOLIDAY
            )
        return c.ShowHours()
    verb = words[0].lower()
    if verb not in ("add", "remove") or len(words) < 2:
        raise Unreadable("use `holiday add <date>` or `holiday remove <date>`", c.EX_HOLIDAY)
    days: list[date] = []
    for word in words[1:]:
        first, dots, last = word.partition("..")
        start = parse_date(first, c.EX_HOLIDAY)
        end = parse_date(last, c.EX_HOLIDAY) if dots else start
        if end < start:
            raise Unreadable(f"{word} ends before it starts", c.EX_HOLIDAY)
        if (end - start).days >= MAX_HOLIDAYS_AT_ONCE:
            raise Unreadable(f"at most {MAX_HOLIDAYS_AT_ONCE} days at once", c.EX_HOLIDAY)
        days += [start + timedelta(days=n) for n in range((end - start).days + 1)]
    if len(set(days)) > MAX_HOLIDAYS_AT_ONCE:
        raise Unreadable(f"at most {MAX_HOLIDAYS_AT_ONCE} days at once", c.EX_HOLIDAY)
    return c.ChangeHolidays(tuple(sorted(set(days))), add=verb == "add")


def parse_sla(words: list[str]) -> c.OncallCommand:
    if not words:
        return c.ShowSla()
    if words[0].lower() == "next":
        return _parse_next_sla(words[1:])
    target_word, rest = words[0], words[1:]
    rule: str | None = None
    if rest:
        if len(rest) != 2 or rest[0].lower() != "rule" or not _RULE.match(rest[1]):
            raise Unreadable("after the target, only `rule <rule name>` may follow", c.EX_SLA)
        rule = rest[1]
    if target_word.lower() == "off":
        return c.SetSla(None, rule)
    target = parse_duration(target_word, c.EX_SLA)
    if target < 60:
        raise Unreadable("the SLA is at least 1 minute", c.EX_SLA)
    return c.SetSla(target, rule)


def _parse_next_sla(words: list[str]) -> c.OncallCommand:
    """`next <duration>|off|same`: the target a customer's follow-up starts."""
    if len(words) != 1:
        raise Unreadable("say one target after `next`: a duration, off or same", c.EX_NEXT_SLA)
    word = words[0].lower()
    if word == "off":
        return c.SetNextSla(0)
    if word == "same":
        return c.SetNextSla(None)
    target = parse_duration(word, c.EX_NEXT_SLA)
    if target < 60:
        raise Unreadable("the SLA is at least 1 minute", c.EX_NEXT_SLA)
    return c.SetNextSla(target)


def parse_policy(words: list[str], text: str) -> c.OncallCommand:
    if not words:
        return c.ShowPolicy()
    if len(words) == 1 and words[0].lower() in ("reset", "default"):
        return c.SetPolicy(None)
    body = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    lowered = body.lower()
    repeat, every = 0, 0
    found = re.search(r"\brepeat\b", lowered)
    if found:
        repeat, every = _repeat(body[found.end() :].split())
        body = body[: found.start()]
    steps = tuple(_step(part) for part in body.split(",") if part.strip())
    if not steps:
        raise Unreadable("give at least one step, like `0m thread`", c.EX_POLICY)
    if len(steps) > MAX_STEPS:
        raise Unreadable(f"a policy has at most {MAX_STEPS} steps", c.EX_POLICY)
    if any(b.offset < a.offset for a, b in itertools.pairwise(steps)):
        raise Unreadable("list the steps in time order", c.EX_POLICY)
    last = steps[-1].offset
    if repeat and not every:
        every = last + 1800
    if repeat and every <= last:
        raise Unreadable(
            "`every` must be longer than the last step's time, or the rounds overlap", c.EX_POLICY
        )
    return c.SetPolicy(Policy(steps, repeat, every if repeat else 0))


def _step(part: str) -> Step:
    words = part.split()
    if len(words) != 2 or words[1].lower() not in _ACTIONS:
        raise Unreadable(
            f"{quoted(part.strip())} is not a step: "
            "write `<time after the deadline> thread|dm|here`",
            c.EX_POLICY,
        )
    return Step(parse_duration(words[0], c.EX_POLICY, allow_zero=True), _ACTIONS[words[1].lower()])


def _repeat(words: list[str]) -> tuple[int, int]:
    if not words or not words[0].isdigit() or not 0 <= int(words[0]) <= MAX_REPEAT:
        raise Unreadable(f"`repeat` takes a count from 0 to {MAX_REPEAT}", c.EX_POLICY)
    every = 0
    if len(words) == 3 and words[1].lower() == "every":
        every = parse_duration(words[2], c.EX_POLICY)
    elif len(words) != 1:
        raise Unreadable("after `repeat N` only `every <time>` may follow", c.EX_POLICY)
    return int(words[0]), every


def parse_autoreply(words: list[str], text: str) -> c.OncallCommand:
    if not words:
        return c.ShowAutoReply()
    verb = words[0].lower()
    if verb in ("on", "off") and len(words) == 1:
        return c.SwitchAutoReply(verb == "on")
    if verb != "set":
        raise Unreadable(
            "use `autoreply set <text>`, `autoreply on` or `autoreply off`", c.EX_AUTOREPLY
        )
    raw = text.split(None, 2)
    template = html.unescape(raw[2]).strip() if len(raw) > 2 else ""
    if not template:
        raise Unreadable("write the reply text after `autoreply set`", c.EX_AUTOREPLY)
    problem = template_problem("auto-reply", template)
    if problem is not None:
        raise Unreadable(problem[1], c.EX_AUTOREPLY)
    if not variables_in(template):
        # X refuses a second post with the same text (403 duplicate content).
        raise Unreadable(
            "put {first_name}, {name} or {handle} in the text: X refuses to post the same "
            "text twice, so each author's auto-reply must differ",
            c.EX_AUTOREPLY,
        )
    checked = check_post(template)
    if checked.remaining < 0:
        raise Unreadable(
            f"that text is too long for X ({checked.weighted_length} of 280)", c.EX_AUTOREPLY
        )
    if not checked.valid:
        raise Unreadable("that text has characters X does not accept", c.EX_AUTOREPLY)
    return c.SetAutoReply(template)
