"""The text after `/track`, turned into one command value or a clear problem with an example.

Slack sends the text escaped (`should_escape: true` in the manifest): a channel picked in the
composer arrives as `<#C0123|name>`, a link as `<https://…|label>`, and `&`, `<`, `>` as entities.
A plain `#word` is therefore a hashtag for the query, never a channel.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bot.domain.command_problem import CHANNEL_REF, echoed
from bot.domain.command_problem import Invalid as Invalid
from bot.domain.track_rule import Priority, rule_id_from
from bot.domain.track_triage_command import (
    SetLanguageRoute,
    SetSpikeSensitivity,
    TriageCommand,
    parse_route,
    parse_spike,
)

NAME_LIMIT = 50
MAX_BUDGET = 1_000_000.0
MAX_HANDLES = 50

EXAMPLE_ADD = '/track add "acme app" OR acmeapp #support priority:high name:"App issues"'
EXAMPLE_TEST = '/track test "acme app" OR acmeapp'
EXAMPLE_BUDGET = "/track budget 150"
EXAMPLE_VIP = "/track vip add @bigcustomer @pressdesk"
SUBCOMMANDS = "add, list, remove, pause, resume, test, stats, budget, vip, route, spike, help"

_SLACK_PERSON = re.compile(r"^<[@!]")
_LINK = re.compile(r"<((?:https?|mailto):[^|>]+)(?:\|[^>]*)?>")
_AMOUNT = re.compile(r"^\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?(?:/(?:month|mo))?$")
_HANDLE = re.compile(r"^@?([A-Za-z0-9_]{1,15})$")


@dataclass(frozen=True, slots=True)
class Help:
    pass


@dataclass(frozen=True, slots=True)
class AddRule:
    query: str
    channel: str | None = None
    priority: Priority = Priority.NORMAL
    name: str | None = None
    include_retweets: bool = False
    include_own: bool = False


@dataclass(frozen=True, slots=True)
class TryQuery:
    query: str
    include_retweets: bool = False
    include_own: bool = False


@dataclass(frozen=True, slots=True)
class ListRules:
    pass


@dataclass(frozen=True, slots=True)
class ChangeRule:
    action: Literal["remove", "pause", "resume"]
    rule_id: str


@dataclass(frozen=True, slots=True)
class ShowStats:
    pass


@dataclass(frozen=True, slots=True)
class ShowBudget:
    pass


@dataclass(frozen=True, slots=True)
class SetBudget:
    amount: float | None  # None removes the cap


@dataclass(frozen=True, slots=True)
class ShowVip:
    pass


@dataclass(frozen=True, slots=True)
class SetVipFollowers:
    followers: int | None  # None: no follower threshold


@dataclass(frozen=True, slots=True)
class ChangeVipHandles:
    add: bool
    handles: tuple[str, ...]


Command = (
    Help
    | AddRule
    | TryQuery
    | ListRules
    | ChangeRule
    | ShowStats
    | ShowBudget
    | SetBudget
    | ShowVip
    | SetVipFollowers
    | ChangeVipHandles
    | TriageCommand
    | Invalid
)

# Commands that change what everyone shares: only the admin group may run them when one is set.
CHANGES_SHARED_STATE = (
    AddRule,
    ChangeRule,
    SetBudget,
    SetVipFollowers,
    ChangeVipHandles,
    SetLanguageRoute,
    SetSpikeSensitivity,
)

_ALIASES = {"ls": "list", "rm": "remove", "delete": "remove", "del": "remove", "stat": "stats"}


def parse_track_command(text: str) -> Command:
    words = split_words(text)
    if not words:
        return Help()
    verb, rest = words[0].casefold(), words[1:]
    verb = _ALIASES.get(verb, verb)
    if verb == "help":
        return Help()
    if verb in ("add", "test"):
        return _parse_query_command(verb, rest)
    if verb in ("list", "stats"):
        if rest:
            return Invalid(f"`/track {verb}` takes nothing after it.", f"/track {verb}")
        return ListRules() if verb == "list" else ShowStats()
    if verb in ("remove", "pause", "resume"):
        return _parse_change(verb, rest)
    settings = _SETTINGS_PARSERS.get(verb)
    if settings is not None:
        return settings(rest)
    shown = echoed(words[0])
    return Invalid(
        f"`{shown}` is not a /track subcommand (they are: {SUBCOMMANDS}). "
        f"To listen for it, add a rule:",
        f"/track add {echoed(text.strip())}" if len(text) < 200 else EXAMPLE_ADD,
    )


def split_words(text: str) -> list[str]:
    """Split on spaces, keeping "quoted phrases" and <slack links> whole (an unclosed quote or
    bracket is an ordinary character)."""
    words: list[str] = []
    i, current = 0, ""
    while i < len(text):
        ch = text[i]
        closer = {'"': '"', "<": ">"}.get(ch)
        end = text.find(closer, i + 1) if closer else -1
        if ch.isspace():
            if current:
                words.append(current)
            current, i = "", i + 1
        elif end > 0:
            current, i = current + text[i : end + 1], end + 1
        else:
            current, i = current + ch, i + 1
    if current:
        words.append(current)
    return words


def _parse_query_command(verb: str, rest: list[str]) -> Command:
    example = EXAMPLE_ADD if verb == "add" else EXAMPLE_TEST
    options: dict[str, str] = {}
    channels: list[str] = []
    query: list[str] = []
    for word in rest:
        channel = CHANNEL_REF.match(word)
        key, _, value = word.partition(":")
        if channel is not None:
            channels.append(channel.group(1))
        elif key.casefold() in ("priority", "name", "include") and value:
            if key.casefold() == "include":
                options.setdefault("include", "")
                options["include"] += " " + value.casefold()
            elif key.casefold() in options:
                return Invalid(f"`{key}:` is given twice.", example)
            else:
                options[key.casefold()] = value
        elif _SLACK_PERSON.match(word):
            return Invalid(
                "That is a Slack person or group, not an X account: write the X handle, "
                "like `@acme`.",
                example,
            )
        else:
            query.append(html.unescape(_LINK.sub(r"\1", word)))
    if not query:
        return Invalid(f"Say what to listen for after `/track {verb}`.", example)
    problem = _option_problem(verb, options, channels)
    if problem is not None:
        return Invalid(problem, example)
    includes = set(options.get("include", "").split())
    text = " ".join(query)
    if verb == "test":
        return TryQuery(text, "retweets" in includes, "own" in includes)
    return AddRule(
        query=text,
        channel=channels[0] if channels else None,
        priority=Priority(options.get("priority", "normal").casefold()),
        name=_clean_name(options["name"]) if "name" in options else None,
        include_retweets="retweets" in includes,
        include_own="own" in includes,
    )


def _option_problem(verb: str, options: dict[str, str], channels: list[str]) -> str | None:
    if verb == "test" and (channels or "priority" in options or "name" in options):
        return "`/track test` takes only a query (and `include:retweets` / `include:own`)."
    if len(channels) > 1:
        return "Give one channel per rule (add a second rule for another channel)."
    if options.get("priority", "normal").casefold() not in ("high", "normal"):
        return "`priority:` is `high` or `normal`."
    bad = set(options.get("include", "").split()) - {"retweets", "own"}
    if bad:
        return "`include:` is `retweets` (keep reposts) or `own` (keep our own posts)."
    if "name" in options:
        name = _clean_name(options["name"])
        if not name or len(name) > NAME_LIMIT:
            return f'`name:` needs a label of 1 to {NAME_LIMIT} characters, like `name:"App"`.'
    return None


def _clean_name(raw: str) -> str:
    name = html.unescape(raw).strip()
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1].strip()
    return " ".join(name.split())


def _parse_change(verb: str, rest: list[str]) -> Command:
    example = f"/track {verb} t3"
    if len(rest) != 1:
        return Invalid(f"Say which one rule to {verb} (ids are in `/track list`).", example)
    rule_id = rule_id_from(rest[0])
    if rule_id is None:
        return Invalid(
            f"`{echoed(rest[0])}` is not a rule id: ids look like `t3` (see `/track list`).",
            example,
        )
    action: Literal["remove", "pause", "resume"] = (
        "remove" if verb == "remove" else "pause" if verb == "pause" else "resume"
    )
    return ChangeRule(action, rule_id)


def _parse_budget(rest: list[str]) -> Command:
    if not rest:
        return ShowBudget()
    raw = "".join(rest).casefold()
    if raw in ("off", "none", "remove", "unset"):
        return SetBudget(None)
    match = _AMOUNT.match(raw)
    amount = float(match.group(1).replace(",", "") + (match.group(2) or "")) if match else None
    if amount is None or not 0 < amount <= MAX_BUDGET:
        return Invalid(
            "The budget is dollars a month, more than 0 (or `off` for no cap).", EXAMPLE_BUDGET
        )
    return SetBudget(amount)


def _parse_vip(rest: list[str]) -> Command:
    if not rest:
        return ShowVip()
    action, values = rest[0].casefold(), rest[1:]
    if action == "followers":
        raw = "".join(values).replace(",", "").casefold()
        if raw in ("off", "none"):
            return SetVipFollowers(None)
        if raw.isdigit() and 0 < int(raw) <= 10**10:
            return SetVipFollowers(int(raw))
        return Invalid("`followers` takes a number (or `off`).", "/track vip followers 50000")
    if action in ("add", "remove"):
        handles = [_HANDLE.match(value) for value in values]
        if not values or len(values) > MAX_HANDLES or any(h is None for h in handles):
            return Invalid(
                f"`vip {action}` takes 1 to {MAX_HANDLES} X handles, like `@acme`.", EXAMPLE_VIP
            )
        names = tuple(dict.fromkeys(h.group(1).casefold() for h in handles if h is not None))
        return ChangeVipHandles(add=action == "add", handles=names)
    return Invalid(
        "`/track vip` is followed by `followers <n>`, `add @handle…` or `remove @handle…`.",
        EXAMPLE_VIP,
    )


# Subcommands that read or change one shared setting, each parsed from the words after it.
_SETTINGS_PARSERS: dict[str, Callable[[list[str]], Command]] = {
    "budget": _parse_budget,
    "vip": _parse_vip,
    "route": parse_route,
    "spike": parse_spike,
}
