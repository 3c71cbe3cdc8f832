"""Reading /oncall texts: each valid form gives its command, each mistake a Problem with an
example, and no input at all makes the parser raise."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain import oncall_commands as c
from bot.domain.hours import OpenSpan
from bot.domain.oncall_parse import parse_oncall
from bot.domain.policy import Policy, Step, StepAction
from bot.domain.timeparse import When, resolve_when

ROME = ZoneInfo("Europe/Rome")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.ShowOncall()),
        ("show support", c.ShowOncall("support")),
        ("help", c.ShowHelp()),
        (
            "set Support <@U0ALICE|alice> <@U0BOB> every 1w handoff Mon 09:00 tz europe/rome",
            c.SetRotation("support", ("U0ALICE", "U0BOB"), 7, 540, 0, "Europe/Rome"),
        ),
        (
            "set nights <@U0A1> every 1d handoff 20:00",
            c.SetRotation("nights", ("U0A1",), 1, 1200, None, None),
        ),
        ("set s <@U0A1> every 2w", c.SetRotation("s", ("U0A1",), 14, 540, 0, None)),
        ("override support clear", c.ClearOverrides("support")),
        (
            "override support <@U0BOB> until Fri 18:00",
            c.AddOverride("support", "U0BOB", When("weekday", minute=1080, weekday=4), None),
        ),
        ("remove support", c.RemoveRotation("support")),
        ("hours", c.ShowHours()),
        ("hours 24/7", c.SetHours(None, "UTC")),
        (
            "hours Mon-Fri 09:00-18:00 tz Europe/Rome",
            c.SetHours(tuple(OpenSpan(d, 540, 1080) for d in range(5)), "Europe/Rome"),
        ),
        (
            "hours Sat,Sun 10:00-14:00 tz UTC",
            c.SetHours((OpenSpan(5, 600, 840), OpenSpan(6, 600, 840)), "UTC"),
        ),
        ("hours Fri-Mon 00:00-24:00 tz UTC", None),
        ("holidays", c.ShowHours()),
        (
            "holiday add 2026-12-24..2026-12-26",
            c.ChangeHolidays((date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)), True),
        ),
        ("holiday remove 2026-12-24", c.ChangeHolidays((date(2026, 12, 24),), False)),
        ("sla", c.ShowSla()),
        ("sla 30m", c.SetSla(1800, None)),
        ("sla 1h30m rule vip", c.SetSla(5400, "vip")),
        ("sla off rule vip", c.SetSla(None, "vip")),
        ("sla team support", c.SetSlaTeam("support")),
        ("policy", c.ShowPolicy()),
        ("policy reset", c.SetPolicy(None)),
        (
            "policy 0m thread, 30m dm, 60m here repeat 2 every 90m",
            c.SetPolicy(
                Policy(
                    (
                        Step(0, StepAction.THREAD),
                        Step(1800, StepAction.DM),
                        Step(3600, StepAction.HERE),
                    ),
                    2,
                    5400,
                )
            ),
        ),
        ("policy 0m thread repeat 3", c.SetPolicy(Policy((Step(0, StepAction.THREAD),), 3, 1800))),
        ("autoreply", c.ShowAutoReply()),
        ("autoreply on", c.SwitchAutoReply(True)),
        (
            "autoreply set  Back at 9 &amp; on it, {first_name}",
            c.SetAutoReply("Back at 9 & on it, {first_name}"),
        ),
    ],
)
def test_valid_commands(text: str, expected: c.OncallCommand | None) -> None:
    """Each documented form reads as its command (None: only that it is not a Problem)."""
    parsed = parse_oncall(text)
    if expected is None:
        assert not isinstance(parsed, c.Problem), parsed
    else:
        assert parsed == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("set support", "needs at least one person"),
        ("set support every 1w", "needs at least one person"),
        ("set support @alice", "can't tell who `@alice` is"),
        ("set support <!subteam^S0ONCALL|@oncall>", "not user groups"),
        ("set support <@U0A1> <@U0A1>", "listed twice"),
        ("set support <@U0A1> tz Mars/Olympus", "not a time zone I know"),
        ("set support <@U0A1> tz", "`tz` needs a value"),
        ("set support <@U0A1> every 3m", "not a shift length"),
        ("set support <@U0A1> every 9w", "from 1 day to 8 weeks"),
        ("set support <@U0A1> every 1d handoff Mon 09:00", "every day at the same time"),
        ("set support <@U0A1> handoff 25:00", "not a time"),
        ("set Sup!port <@U0A1>", "not a team name"),
        ("override support <@U0BOB>", "until when"),
        ("override support <@U0BOB> clear", "don't understand `clear`"),
        ("override support <@U0BOB> until Someday 18:00", "not a weekday"),
        ("override support <@U0BOB> until 2026-02-30 09:00", "not a date on the calendar"),
        ("hours Mon-Fri 18:00-09:00 tz Europe/Rome", "ends before it starts"),
        ("hours Mon-Fri 09:00-18:00", "which time zone"),
        ("hours Mon-Fri 09:00-18:00 tz Nowhere/Land", "not a time zone"),
        ("hours Mon 09:00-12:00 11:00-14:00 tz UTC", "overlap"),
        ("hours 09:00-18:00 tz UTC", "which days"),
        ("hours Mon-Fri tz UTC", "opening hours for"),
        ("holiday add 2026-12-31..2026-12-01", "ends before it starts"),
        ("holiday add tomorrow", "not a date"),
        ("sla 0m", "zero"),
        ("sla 30s", "at least 1 minute"),
        ("sla soon", "not a duration"),
        ("sla 30m for vip", "only `rule"),
        ("policy 30m dm, 0m thread", "time order"),
        ("policy 0m shout", "not a step"),
        ("policy 0m thread, 60m here repeat 1 every 30m", "longer than the last step"),
        ("policy 0m thread repeat 99", "count from 0 to 10"),
        ("autoreply set", "write the reply text"),
        ("autoreply set {handle} " + "x" * 281, "too long for X"),
        ("autoreply set Back at 9, on it", "put {first_name}, {name} or {handle}"),
        ("autoreply set Hi {nme}", "Unknown variable {nme}"),
        ("dance", "not an /oncall command"),
        ("set support <@U0A1> <!channel>", "can't tell who `&lt;!channel&gt;` is"),
    ],
)
def test_mistakes_are_explained_with_an_example(text: str, says: str) -> None:
    """A wrong command answers what is wrong and a working example of the same command."""
    parsed = parse_oncall(text)
    assert isinstance(parsed, c.Problem), parsed
    assert says in parsed.message
    assert parsed.example.startswith("/oncall ")


def test_resolving_moments_in_the_rotation_time_zone() -> None:
    """Bare times and weekdays mean the next ones; offsets count from the reference."""
    wednesday = datetime(2026, 11, 25, 12, 0, tzinfo=ROME).timestamp()

    def local(when: When) -> datetime:
        return datetime.fromtimestamp(resolve_when(when, "Europe/Rome", wednesday), ROME)

    assert local(When("clock", minute=18 * 60)).day == 25
    assert local(When("clock", minute=9 * 60)).day == 26
    assert local(When("weekday", minute=540, weekday=2)).day == 2  # next Wednesday, not today
    assert local(When("tomorrow", minute=540)) == datetime(2026, 11, 26, 9, 0, tzinfo=ROME)
    assert local(When("offset", offset=3600)).hour == 13


WORDS = st.sampled_from(
    [
        "set", "override", "remove", "hours", "holiday", "holidays", "sla", "policy", "show",
        "autoreply", "help", "support", "every", "handoff", "tz", "until", "from", "clear",
        "rule", "team", "repeat", "add", "remove", "on", "off", "<@U0ALICE>", "<@U0BOB|bob>",
        "@carol", "<!subteam^S1|@g>", "<!here>", "Mon", "Fri-Mon", "Mon,Wed", "09:00",
        "24:00", "09:00-18:00", "18:00-09:00", "1w", "1d", "0d", "30m", "0m", "+4h",
        "2026-12-25", "2026-13-01", "2026-12-24..2026-12-26", "Europe/Rome", "UTC", "Nowhere",
        "thread,", "dm,", "here", "tomorrow", "24/7", ",", ";", "&amp;", "&lt;", "'", '"', "`",
    ]
)  # fmt: skip


@settings(max_examples=2000, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=14).map(" ".join)))
def test_no_text_makes_the_parser_raise(text: str) -> None:
    """Arbitrary text and random mixes of the grammar's own words always give a command or a
    Problem whose message and example are non-empty; a command is one its first word names."""
    parsed = parse_oncall(text)
    if isinstance(parsed, c.Problem):
        assert parsed.message and parsed.example.startswith("/oncall ")
        return
    words = text.split()
    verb = words[0].lower() if words else "show"
    assert isinstance(parsed, COMMANDS_OF[verb]), f"{text!r} parsed as {parsed!r}"


# What each verb may parse to (the parser's grammar, read from the other side).
COMMANDS_OF: dict[str, tuple[type, ...]] = {
    "show": (c.ShowOncall,),
    "help": (c.ShowHelp,),
    "set": (c.SetRotation,),
    "override": (c.AddOverride, c.ClearOverrides),
    "remove": (c.RemoveRotation,),
    "hours": (c.ShowHours, c.SetHours),
    "holiday": (c.ChangeHolidays, c.ShowHours),
    "holidays": (c.ChangeHolidays, c.ShowHours),
    "sla": (c.ShowSla, c.SetSla, c.SetSlaTeam),
    "policy": (c.ShowPolicy, c.SetPolicy),
    "autoreply": (c.ShowAutoReply, c.SwitchAutoReply, c.SetAutoReply),
}
