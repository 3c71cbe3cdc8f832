"""`/track route` and `/track spike`: where mentions in a language go, and how big a flood
must be before the team is told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.blocks.text import escape_mrkdwn
from bot.blocks.track import one
from bot.domain.spike import Sensitivity
from bot.domain.track_rule import MENTIONS_LABEL, MENTIONS_SOURCE, TRACK_PREFIX
from bot.domain.track_triage_command import (
    EXAMPLE_ROUTE,
    EXAMPLE_SPIKE,
    SetLanguageRoute,
    SetSpikeSensitivity,
    ShowRoutes,
)
from bot.domain.triage import LANGUAGES
from bot.services import Services
from bot.store.spikes import set_spike_sensitivity
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore
from bot.track.access import prepare_channel
from bot.track.reply import Reply, problem


class TriageCommands:
    def __init__(self, services: Services, store: TrackStore, usage: TrackUsage) -> None:
        self.services, self.store, self.usage = services, store, usage

    def handlers(self) -> dict[type, Callable[[Any, str], Reply]]:
        return {
            ShowRoutes: self.show_routes,
            SetLanguageRoute: self.set_route,
            SetSpikeSensitivity: self.set_spike,
        }

    def show_routes(self, _command: ShowRoutes, _user: str) -> Reply:
        routes = self.usage.language_routes()
        if not routes:
            text = (
                "No language routes: every mention goes to its rule's channel or the mentions "
                f"channel. Add one with `{EXAMPLE_ROUTE}`."
            )
        else:
            lines = [f"• {LANGUAGES.get(lang, lang)} (`{lang}`) → <#{channel}>"
                     for lang, channel in sorted(routes.items())]  # fmt: skip
            text = "*Language routes* (a rule's own channel comes first):\n" + "\n".join(lines)
        return Reply([one(text)], note="routes")

    def set_route(self, command: SetLanguageRoute, user: str) -> Reply:
        name = f"{LANGUAGES[command.lang]} (`{command.lang}`)"
        if command.channel is None:
            before = self.usage.set_language_route(command.lang, None)
            if before is None:
                return problem(f"There is no route for {command.lang}.", "/track route")
            return Reply(
                public=f"<@{user}> removed the route of {name} mentions (they went to "
                f"<#{before}>).",
                note=f"Removed the route of {command.lang}.",
            )
        check = prepare_channel(self.services, command.channel)
        if check.problem is not None:
            return problem(check.problem, EXAMPLE_ROUTE, markup=True)
        self.usage.set_language_route(command.lang, command.channel)
        joined = " (Earshot joined it to post the cards)" if check.joined else ""
        return Reply(
            public=f"<@{user}> routed {name} mentions to <#{command.channel}>{joined}; a rule "
            "with a channel of its own still sends its cards there.",
            note=f"Routed {command.lang}.",
        )

    def set_spike(self, command: SetSpikeSensitivity, user: str) -> Reply:
        if command.scope == MENTIONS_LABEL:
            scope, named = MENTIONS_SOURCE, "the mentions timeline"
        else:
            rule = self.store.get(command.scope)
            if rule is None:
                return problem(
                    f"There is no rule {command.scope}. `/track list` shows the ids.",
                    EXAMPLE_SPIKE,
                )
            scope, named = TRACK_PREFIX + rule.id, f"*{rule.id}* ({escape_mrkdwn(rule.label)})"
        set_spike_sensitivity(self.services.redis, scope, command.sensitivity)
        if command.sensitivity is Sensitivity.OFF:
            what = "turned spike alerts off for"
        else:
            what = f"set the spike sensitivity to *{command.sensitivity.value}* for"
        return Reply(public=f"<@{user}> {what} {named}.", note="spike sensitivity set")
