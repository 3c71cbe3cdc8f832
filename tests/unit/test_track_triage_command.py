"""`/track route` and `/track spike` as typed: a command value, or a problem with an example."""

from __future__ import annotations

import pytest

from bot.domain.spike import Sensitivity
from bot.domain.track_command import Invalid, parse_track_command
from bot.domain.track_triage_command import (
    EXAMPLE_ROUTE,
    EXAMPLE_SPIKE,
    SetLanguageRoute,
    SetSpikeSensitivity,
    ShowRoutes,
)


def test_route_sets_lists_and_removes() -> None:
    """A two-letter language and a picked channel set a route; `off` removes it; alone, list."""
    assert parse_track_command("route lang:JA <#C0SUPPORTJP|support-jp>") == SetLanguageRoute(
        "ja", "C0SUPPORTJP"
    )
    assert parse_track_command("route lang:ja off") == SetLanguageRoute("ja", None)
    assert parse_track_command("route") == ShowRoutes()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("route ja <#C0SUPPORTJP>", "is not a language"),
        ("route lang:xx <#C0SUPPORTJP>", "does not recognise `xx`"),
        ("route lang:japanese <#C0SUPPORTJP>", "is not a language"),
        ("route lang:ja #support-jp", "is not a channel"),
        ("route lang:ja", "Say a language and a channel"),
        ("route lang:ja <#C0A> <#C0B>", "Say a language and a channel"),
    ],
)
def test_a_wrong_route_says_what_to_write(text: str, says: str) -> None:
    """Each mistake names what is wrong and shows a route that works."""
    command = parse_track_command(text)
    assert isinstance(command, Invalid)
    assert says in command.problem and command.example == EXAMPLE_ROUTE


def test_spike_sensitivity_for_a_rule_or_the_mentions_timeline() -> None:
    """`t3`, `T3` or `3` name a rule; `mentions` the mentions timeline; every level parses."""
    assert parse_track_command("spike T3 sensitivity HIGH") == SetSpikeSensitivity(
        "t3", Sensitivity.HIGH
    )
    for level in Sensitivity:
        assert parse_track_command(f"spike mentions sensitivity {level.value}") == (
            SetSpikeSensitivity("mentions", level)
        )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("spike t3 sensitivity loud", "is not a sensitivity"),
        ("spike acme sensitivity high", "is not a rule id"),
        ("spike t3 high", "Say which rule"),
        ("spike", "Say which rule"),
        ("spike t3 level high", "Say which rule"),
    ],
)
def test_a_wrong_spike_command_says_what_to_write(text: str, says: str) -> None:
    """Each mistake names what is wrong and shows a command that works."""
    command = parse_track_command(text)
    assert isinstance(command, Invalid)
    assert says in command.problem and command.example == EXAMPLE_SPIKE
