"""`/track route` (where mentions in a language go) and `/track spike` (how loud a flood must
be before the team is told), parsed into command values or a clear problem with an example."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.command_problem import CHANNEL_REF, Invalid, echoed
from bot.domain.spike import Sensitivity
from bot.domain.track_rule import MENTIONS_LABEL, rule_id_from
from bot.domain.triage import LANGUAGES

EXAMPLE_ROUTE = "/track route lang:ja #support-jp"
EXAMPLE_SPIKE = "/track spike t3 sensitivity high"

_LANG = re.compile(r"^lang:([A-Za-z]{2})$", re.IGNORECASE)
LEVELS = ", ".join(level.value for level in Sensitivity)


@dataclass(frozen=True, slots=True)
class ShowRoutes:
    pass


@dataclass(frozen=True, slots=True)
class SetLanguageRoute:
    lang: str  # ISO 639-1, lower case
    channel: str | None  # None: the route is removed


@dataclass(frozen=True, slots=True)
class SetSpikeSensitivity:
    scope: str  # "mentions" or a rule id ("t3")
    sensitivity: Sensitivity


TriageCommand = ShowRoutes | SetLanguageRoute | SetSpikeSensitivity | Invalid


def parse_route(rest: list[str]) -> TriageCommand:
    """`route` alone lists the routes; `route lang:xx #channel` sets one; `… off` removes it."""
    if not rest:
        return ShowRoutes()
    if len(rest) != 2:
        return Invalid(
            "Say a language and a channel (or `off`) after `/track route`.", EXAMPLE_ROUTE
        )
    lang = _LANG.match(rest[0])
    if lang is None:
        return Invalid(
            f"`{echoed(rest[0])}` is not a language: write `lang:` and a two-letter code.",
            EXAMPLE_ROUTE,
        )
    code = lang.group(1).casefold()
    if code not in LANGUAGES:
        known = ", ".join(sorted(LANGUAGES))
        return Invalid(
            f"Earshot does not recognise `{code}`; the languages it can tell are: {known}.",
            EXAMPLE_ROUTE,
        )
    if rest[1].casefold() == "off":
        return SetLanguageRoute(code, None)
    channel = CHANNEL_REF.match(rest[1])
    if channel is None:
        return Invalid(
            f"`{echoed(rest[1])}` is not a channel: pick one with `#` in the composer, "
            "or write `off`.",
            EXAMPLE_ROUTE,
        )
    return SetLanguageRoute(code, channel.group(1))


def parse_spike(rest: list[str]) -> TriageCommand:
    """`spike <rule|mentions> sensitivity low|normal|high|off`."""
    if len(rest) != 3 or rest[1].casefold() != "sensitivity":
        return Invalid(
            "Say which rule (or `mentions`) and its sensitivity: "
            f"`/track spike <rule> sensitivity {LEVELS.replace(', ', '|')}`.",
            EXAMPLE_SPIKE,
        )
    target = rest[0].casefold()
    scope = MENTIONS_LABEL if target == MENTIONS_LABEL else rule_id_from(rest[0])
    if scope is None:
        return Invalid(
            f"`{echoed(rest[0])}` is not a rule id: ids look like `t3` (see `/track list`), "
            "or write `mentions` for the mentions timeline.",
            EXAMPLE_SPIKE,
        )
    try:
        level = Sensitivity(rest[2].casefold())
    except ValueError:
        return Invalid(
            f"`{echoed(rest[2])}` is not a sensitivity: it is one of {LEVELS}.", EXAMPLE_SPIKE
        )
    return SetSpikeSensitivity(scope, level)
