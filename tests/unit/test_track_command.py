"""Parsing the text after /track into one command value, or a problem with a correct example."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.track_command import (
    AddRule,
    ChangeRule,
    ChangeVipHandles,
    Help,
    Invalid,
    ListRules,
    SetBudget,
    SetVipFollowers,
    ShowBudget,
    ShowStats,
    ShowVip,
    TryQuery,
    parse_track_command,
    split_words,
)
from bot.domain.track_rule import Priority


def test_add_takes_options_anywhere_and_keeps_the_query_as_written() -> None:
    """Channel link, priority, quoted name and opt-outs are pulled out; the rest is the query
    (Slack's &amp;/&lt; unescaped, its <link|label> turned back into the URL)."""
    command = parse_track_command(
        'add priority:high "acme app" <#C0PRODUCT|product> OR acme&amp;co '
        'name:"App issues" include:retweets url:<https://acme.com|acme.com>'
    )
    assert command == AddRule(
        query='"acme app" OR acme&co url:https://acme.com',
        channel="C0PRODUCT",
        priority=Priority.HIGH,
        name="App issues",
        include_retweets=True,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("  help ", Help()),
        ("list", ListRules()),
        ("ls", ListRules()),
        ("stats", ShowStats()),
        ("pause t3", ChangeRule("pause", "t3")),
        ("RESUME 12", ChangeRule("resume", "t12")),
        ("rm T7", ChangeRule("remove", "t7")),
        ("test acme include:own", TryQuery("acme", include_own=True)),
        ("budget", ShowBudget()),
        ("budget $1,500.50", SetBudget(1500.5)),
        ("budget 150/month", SetBudget(150.0)),
        ("budget off", SetBudget(None)),
        ("vip", ShowVip()),
        ("vip followers 50,000", SetVipFollowers(50_000)),
        ("vip followers off", SetVipFollowers(None)),
        (
            "vip add @Big_Customer press",
            ChangeVipHandles(add=True, handles=("big_customer", "press")),
        ),
        ("vip remove @press", ChangeVipHandles(add=False, handles=("press",))),
    ],
)
def test_each_subcommand_parses_to_its_value(text: str, expected: object) -> None:
    """Every documented form (and the common aliases) becomes the right command value."""
    assert parse_track_command(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("frobnicate", "not a /track subcommand"),
        ("add", "Say what to listen for"),
        ("add acme <#C0A> <#C0B>", "one channel per rule"),
        ("add acme priority:urgent", "`priority:` is `high` or `normal`"),
        ("add acme priority:high priority:normal", "given twice"),
        ('add acme name:""', "`name:` needs a label"),
        ("add acme include:everything", "`include:`"),
        ("add acme <@U0BOB|bob>", "not an X account"),
        ("add acme <!subteam^S1|@team>", "not an X account"),
        ("test acme <#C0A>", "takes only a query"),
        ("pause", "Say which one rule"),
        ("pause t1 t2", "Say which one rule"),
        ("remove banana", "not a rule id"),
        ("list everything", "takes nothing after it"),
        ("budget 0", "more than 0"),
        ("budget -5", "more than 0"),
        ("budget lots", "more than 0"),
        ("vip followers many", "takes a number"),
        ("vip add not-a-handle!", "X handles"),
        ("vip shout", "followed by"),
    ],
)
def test_bad_input_names_the_problem_and_a_correct_example(text: str, problem: str) -> None:
    """Each mistake is an Invalid value whose example is a real /track command."""
    command = parse_track_command(text)
    assert isinstance(command, Invalid)
    assert problem in command.problem
    assert command.example.startswith("/track ")
    assert not isinstance(parse_track_command(command.example.removeprefix("/track ")), Invalid)


def test_split_words_keeps_phrases_and_links_whole() -> None:
    """Quoted phrases and <slack links> stay one word even with spaces; unclosed ones do not."""
    assert split_words('add "acme app" <#C1|my channel> name:"A B"') == [
        "add",
        '"acme app"',
        "<#C1|my channel>",
        'name:"A B"',
    ]
    assert split_words('add "acme app') == ["add", '"acme', "app"]


# What each subcommand (and its aliases) may parse to.
COMMANDS_OF: dict[str, tuple[type, ...]] = {
    "help": (Help,),
    "add": (AddRule,),
    "test": (TryQuery,),
    "list": (ListRules,),
    "ls": (ListRules,),
    "stats": (ShowStats,),
    "stat": (ShowStats,),
    **dict.fromkeys(["remove", "rm", "delete", "del", "pause", "resume"], (ChangeRule,)),
    "budget": (ShowBudget, SetBudget),
    "vip": (ShowVip, SetVipFollowers, ChangeVipHandles),
}
VERB_LED = st.builds(
    lambda verb, rest: f"{verb} {rest}",
    st.sampled_from(sorted(COMMANDS_OF)).map(lambda v: v.upper() if len(v) == 3 else v),
    st.text(max_size=60) | st.sampled_from(["t1", "T12", "acme", "$150", "off", "@acme", ""]),
)


@settings(max_examples=500)
@given(st.text(max_size=300) | VERB_LED)
def test_any_text_parses_to_a_command_or_a_problem(text: str) -> None:
    """No input makes the parser raise; a problem always carries a /track example; a command
    is one its first word names (empty text is help)."""
    command = parse_track_command(text)
    if isinstance(command, Invalid):
        assert command.problem and command.example.startswith("/track")
        return
    words = split_words(text)
    verb = words[0].casefold() if words else "help"
    assert isinstance(command, COMMANDS_OF[verb]), f"{text!r} parsed as {command!r}"
