"""Reading /oncall command texts: every input gives a command value or a Problem, never raises."""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.domain import oncall_commands as c
from bot.domain.oncall_settings_parse import (
    parse_autoreply,
    parse_holidays,
    parse_hours,
    parse_policy,
    parse_sla,
)
from bot.domain.rotation import MAX_MEMBERS
from bot.domain.timeparse import (
    Unreadable,
    parse_clock,
    parse_weekday,
    parse_when,
    parse_zone,
    quoted,
)

MAX_TEXT = 2000
_TEAM = re.compile(r"^[a-z0-9][a-z0-9_-]{0,29}$")
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")
_PERSON = re.compile(r"^<@([UW][A-Z0-9]{2,})>$")
_PERIOD = re.compile(r"^(\d{1,2})([dw])$")


def parse_oncall(text: str) -> c.OncallCommand | c.Problem:
    """The command in `text` (the slash command's text, as Slack escapes it)."""
    if len(text) > MAX_TEXT:
        return c.Problem(f"that is too long to be an /oncall command (over {MAX_TEXT})", c.EX_SET)
    normal = _USER_MENTION.sub(r"<@\1>", text.strip())
    words = normal.split()
    if not words or words[0].lower() == "show":
        return _show(words[1:])
    verb = words[0].lower()
    parser = _PARSERS.get(verb)
    if parser is None:
        return c.Problem(
            f"{quoted(words[0])} is not an /oncall command; `/oncall help` lists them", c.EX_SET
        )
    try:
        return parser(words[1:], normal)
    except Unreadable as problem:
        return c.Problem(problem.message, problem.example)


def _show(words: list[str]) -> c.OncallCommand | c.Problem:
    if not words:
        return c.ShowOncall()
    if len(words) == 1:
        try:
            return c.ShowOncall(team_name(words[0], "/oncall show support"))
        except Unreadable as problem:
            return c.Problem(problem.message, problem.example)
    return c.Problem("`/oncall show` takes at most a team name", "/oncall show support")


def _help(words: list[str], _text: str) -> c.OncallCommand:
    return c.ShowHelp()


def team_name(word: str, example: str) -> str:
    name = word.lower()
    if not _TEAM.match(name):
        raise Unreadable(
            f"{quoted(word)} is not a team name: use letters, digits, - or _ (up to 30), "
            "e.g. support",
            example,
        )
    return name


def person(word: str, example: str) -> str:
    """A user id from an escaped mention; a bare @name cannot be told apart from a typo."""
    found = _PERSON.match(word)
    if found:
        return found.group(1)
    if word.startswith("<!subteam"):
        raise Unreadable("name people, not user groups: a group cannot hold a shift", example)
    if word.startswith("<#"):
        raise Unreadable("that is a channel: name people with @", example)
    raise Unreadable(
        f"I can't tell who {quoted(word)} is: type @ and pick the person from Slack's list, "
        "so Slack sends me who they are",
        example,
    )


def _set(words: list[str], _text: str) -> c.OncallCommand:
    if not words:
        raise Unreadable("name the team and the people on the rotation", c.EX_SET)
    team = team_name(words[0], c.EX_SET)
    rest = words[1:]
    members: list[str] = []
    while rest and rest[0].lower() not in ("every", "handoff", "tz"):
        members.append(person(rest.pop(0), c.EX_SET))
    if not members:
        raise Unreadable(f"the rotation of {team} needs at least one person", c.EX_SET)
    if len(members) > MAX_MEMBERS:
        raise Unreadable(f"a rotation takes at most {MAX_MEMBERS} people", c.EX_SET)
    twice = next((m for m in members if members.count(m) > 1), None)
    if twice:
        raise Unreadable(f"<@{twice}> is listed twice", c.EX_SET)
    options = _options(rest, {"every": 1, "handoff": 2, "tz": 1}, c.EX_SET)
    period = _period(options.get("every", ["1w"])[0])
    weekly = period % 7 == 0
    minute, weekday = 9 * 60, 0 if weekly else None
    if "handoff" in options:
        minute, weekday = _handoff(options["handoff"], weekly)
    tz = parse_zone(options["tz"][0], c.EX_SET) if "tz" in options else None
    return c.SetRotation(team, tuple(members), period, minute, weekday, tz)


def _options(words: list[str], arity: dict[str, int], example: str) -> dict[str, list[str]]:
    """`key value [value]` pairs; a key's values run until the next key (at most its arity)."""
    found: dict[str, list[str]] = {}
    key: str | None = None
    for word in words:
        lowered = word.lower()
        if lowered in arity:
            if lowered in found:
                raise Unreadable(f"{quoted(lowered)} is given twice", example)
            key = lowered
            found[key] = []
        elif key is None or len(found[key]) >= arity[key]:
            raise Unreadable(f"I don't understand {quoted(word)} here", example)
        else:
            found[key].append(word)
    empty = next((k for k, values in found.items() if not values), None)
    if empty:
        raise Unreadable(f"{quoted(empty)} needs a value", example)
    return found


def _period(word: str) -> int:
    found = _PERIOD.match(word.lower())
    if found is None:
        raise Unreadable(f"{quoted(word)} is not a shift length: use 1d, 2d, 1w or 2w", c.EX_SET)
    days = int(found.group(1)) * (7 if found.group(2) == "w" else 1)
    if not 1 <= days <= 56:
        raise Unreadable("shifts last from 1 day to 8 weeks", c.EX_SET)
    return days


def _handoff(values: list[str], weekly: bool) -> tuple[int, int | None]:
    if len(values) == 1:
        return parse_clock(values[0], c.EX_SET), 0 if weekly else None
    if not weekly:
        raise Unreadable(
            "shifts of whole days hand off every day at the same time: write `handoff 09:00`",
            "/oncall set support @alice @bob every 1d handoff 09:00 tz Europe/Rome",
        )
    return parse_clock(values[1], c.EX_SET), parse_weekday(values[0], c.EX_SET)


def _override(words: list[str], _text: str) -> c.OncallCommand:
    if not words:
        raise Unreadable("name the team, the person and until when", c.EX_OVERRIDE)
    team = team_name(words[0], c.EX_OVERRIDE)
    if len(words) == 2 and words[1].lower() == "clear":
        return c.ClearOverrides(team)
    if len(words) < 2:
        raise Unreadable("name the person who takes over, and until when", c.EX_OVERRIDE)
    user = person(words[1], c.EX_OVERRIDE)
    options = _options(words[2:], {"until": 2, "from": 2}, c.EX_OVERRIDE)
    if "until" not in options:
        raise Unreadable("say until when, e.g. `until Fri 18:00`", c.EX_OVERRIDE)
    start = parse_when(options["from"], c.EX_OVERRIDE) if "from" in options else None
    return c.AddOverride(team, user, parse_when(options["until"], c.EX_OVERRIDE), start)


def _remove(words: list[str], _text: str) -> c.OncallCommand:
    if len(words) != 1:
        raise Unreadable("name the one team whose rotation to remove", c.EX_REMOVE)
    return c.RemoveRotation(team_name(words[0], c.EX_REMOVE))


def _sla(words: list[str], _text: str) -> c.OncallCommand:
    if len(words) == 2 and words[0].lower() == "team":
        return c.SetSlaTeam(team_name(words[1], "/oncall sla team support"))
    return parse_sla(words)


_PARSERS: dict[str, Callable[[list[str], str], c.OncallCommand]] = {
    "help": _help,
    "set": _set,
    "override": _override,
    "remove": _remove,
    "hours": lambda words, _text: parse_hours(words),
    "holiday": lambda words, _text: parse_holidays(words),
    "holidays": lambda words, _text: parse_holidays(["list", *words]),
    "sla": _sla,
    "policy": lambda words, text: parse_policy(words, text),
    "autoreply": lambda words, text: parse_autoreply(words, text),
}
