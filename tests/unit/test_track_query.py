"""/track query checks: X's syntax and limits, no match-everything queries, the query sent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.track_query import (
    MAX_QUERY_LENGTH,
    QueryProblem,
    parse_track_query,
    signature_with,
)
from bot.sandbox.x_query import parse_query as x_fake_parse

US = "earshot_co"


def sent(query: str, **flags: bool) -> str:
    parsed = parse_track_query(query, US, **flags)
    return parsed.effective(
        US,
        include_retweets=flags.get("include_retweets", False),
        include_own=flags.get("include_own", False),
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("acmeapp", "acmeapp -is:retweet -from:earshot_co"),
        ('"acme app" #acme', '"acme app" #acme -is:retweet -from:earshot_co'),
        ("acme OR acmeco", "(acme OR acmeco) -is:retweet -from:earshot_co"),
        ("(acme OR acmeco) lang:en", "(acme OR acmeco) lang:en -is:retweet -from:earshot_co"),
        ("acme   app", "acme app -is:retweet -from:earshot_co"),
        ("acme is:retweet", "acme is:retweet -from:earshot_co"),
        ("@earshot_co -from:earshot_co", "@earshot_co -from:earshot_co -is:retweet"),
        (
            "point_radius:[2.35 48.86 16km] acme",
            "point_radius:[2.35 48.86 16km] acme -is:retweet -from:earshot_co",
        ),
    ],
)
def test_valid_queries_get_the_exclusions_around_every_branch(query: str, expected: str) -> None:
    """Reposts and our own posts are excluded; a top-level OR is wrapped first so the
    exclusions apply to every branch; a query that already says is:retweet/from:us keeps it."""
    assert sent(query) == expected


def test_the_rule_can_opt_out_of_each_exclusion() -> None:
    """include:retweets / include:own drop the matching exclusion."""
    assert sent("acme", include_retweets=True) == "acme -from:earshot_co"
    assert sent("acme", include_own=True) == "acme -is:retweet"
    assert sent("acme", include_retweets=True, include_own=True) == "acme"


def test_the_length_limit_counts_what_earshot_adds() -> None:
    """512 characters as sent to X: a query that fits alone but not with the exclusions fails,
    one that fits with them passes; without our handle the longest one is assumed."""
    extra = len(" -is:retweet -from:earshot_co")
    fits = "a" + "b" * (MAX_QUERY_LENGTH - extra - 1)
    assert len(sent(fits)) == MAX_QUERY_LENGTH
    with pytest.raises(QueryProblem, match="1 character too long"):
        parse_track_query(fits + "c", US)
    with pytest.raises(QueryProblem, match="too long"):
        parse_track_query(fits, None)  # unknown handle: 15 characters assumed


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("", "empty"),
        ('"acme app', "not closed"),
        ("(acme OR acmeco", "not closed"),
        ("acme)", "without its `(`"),
        ("acme ()", "missing"),
        ("acme OR", "missing"),
        ("OR acme", "missing"),
        ("acme foo:bar", "not an X search operator"),
        ("https://acme.com", "not an X search operator"),
        ("acme is:awesome", "is:"),
        ("acme has:everything", "has:"),
        ("acme lang:klingon", "language code"),
        ("acme from:not-a-handle!", "X username"),
        ("acme min_likes:many", "whole number"),
        ("acme is:nullcast", "negated"),
        ("acme -(cheap OR free)", "cannot negate a group"),
        ("acme or acmeco", "OR in capitals"),
        ("#", "bare"),
        ("@", "bare"),
        ("$", "bare"),
        ("#!!", "not a valid hashtag"),
        ("the", "almost everything"),
        ('"to be"', "almost everything"),
        ("a OR acme", "almost everything"),
        ("min_likes:100", "almost everything"),
        ("place_country:US", "almost everything"),
        ("😃", "almost everything"),
        ("is:reply", "cannot stand alone"),
        ("-acme", "cannot stand alone"),
        ("lang:en -is:retweet", "cannot stand alone"),
    ],
)
def test_bad_queries_are_refused_with_a_reason_and_an_example(query: str, problem: str) -> None:
    """Each malformed, unknown or match-everything query raises QueryProblem naming the issue
    and showing a correct form in backticks."""
    with pytest.raises(QueryProblem) as raised:
        parse_track_query(query, US)
    message = str(raised.value)
    assert problem in message
    assert "`" in message


def test_the_signature_ignores_case_and_spacing_but_not_opt_outs() -> None:
    """Duplicates are the same query whatever the case and spacing; OR stays an operator."""
    one = parse_track_query("Acme  OR acmeCO", US)
    two = parse_track_query("acme OR ACMECO", US)
    words = parse_track_query('acme "or" acmeco', US)
    assert one.signature == two.signature != words.signature
    assert signature_with(one, include_retweets=False, include_own=False) != signature_with(
        one, include_retweets=True, include_own=False
    )


@settings(max_examples=400)
@given(st.text(max_size=600))
def test_any_text_is_accepted_or_refused_never_crashes(text: str) -> None:
    """Arbitrary text: either a QueryProblem or a query whose sent form fits X's limit and
    reads back to the same signature."""
    try:
        parsed = parse_track_query(text, US)
    except QueryProblem:
        return
    assert len(sent(text)) <= MAX_QUERY_LENGTH
    assert parse_track_query(parsed.text, US).signature == parsed.signature


_WORDS = st.sampled_from(
    [
        "acme",
        "acmeco",
        '"acme app"',
        "#acme",
        "@acme",
        "from:acme",
        "-cheap",
        "lang:en",
        "is:reply",
        "-is:quote",
        "the",
        "broken",
    ]
)


@st.composite
def grammar_queries(draw: st.DrawFn, depth: int = 0) -> str:
    terms = draw(st.lists(_WORDS, min_size=1, max_size=3))
    if depth < 2 and draw(st.booleans()):
        terms.append("(" + draw(grammar_queries(depth + 1)) + ")")
    glue = " OR " if draw(st.booleans()) else " "
    return glue.join(terms)


@settings(max_examples=300)
@given(grammar_queries())
def test_every_query_we_accept_is_one_the_x_fake_accepts(query: str) -> None:
    """Our checks never let through what X's grammar refuses (the sandbox follows X's
    documented rules: standalone operators, OR precedence, negation)."""
    try:
        text = sent(query)
    except QueryProblem:
        return
    x_fake_parse(text)  # raises QueryError if X would answer 400
