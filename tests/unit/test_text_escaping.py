"""escape_mrkdwn and the truncation helpers: inert, readable, and within the limit."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.text import ELLIPSIS, escape_and_truncate, escape_mrkdwn, truncate

PINGS_AND_FORGERIES = {
    "<!channel>": "&lt;!channel&gt;",
    "<!here>": "&lt;!here&gt;",
    "<!everyone>": "&lt;!everyone&gt;",
    "<@U123>": "&lt;@U123&gt;",
    "<#C1>": "&lt;#C1&gt;",
    "<!subteam^S1>": "&lt;!subteam^S1&gt;",
    "<http://evil|click>": "&lt;http://evil|click&gt;",
    "<!date^1700000000^{date}|x>": "&lt;!date^1700000000^{date}|x&gt;",
}

_ENTITY_OR_AMPERSAND = re.compile(r"&(?!amp;|lt;|gt;)")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize(("raw", "escaped"), PINGS_AND_FORGERIES.items())
def test_control_sequences_become_inert_text(raw: str, escaped: str) -> None:
    """Every Slack control sequence a stranger could type reaches Slack without < or >."""
    assert escape_mrkdwn(raw) == escaped


def test_ampersand_is_escaped_once_and_first() -> None:
    """& is escaped so typed entities show literally, and our own escapes are not re-escaped."""
    assert escape_mrkdwn("Q&A &lt;3 <b>") == "Q&amp;A &amp;lt;3 &lt;b&gt;"


def test_formatting_and_other_text_is_left_as_typed() -> None:
    """Only &, < and > change: formatting marks, @names, URLs and newlines stay readable."""
    text = "*50%* off _today_ ~only~ `code` @here #general https://t.co/x\n> quoted"
    assert escape_mrkdwn(text) == text.replace(">", "&gt;")


# RUF001 flags the non-Latin letters these cases exist to test.
@pytest.mark.parametrize(
    "text",
    [
        "שלום, אני צריך עזרה עם ההזמנה שלי",
        "注文がまだ届きません。確認してください！",  # noqa: RUF001
        "Здравствуйте, мой заказ не пришёл",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # family (ZWJ sequence)
        " 🇯🇵 \U0001f3f3\ufe0f\u200d\U0001f308"  # flag pair, rainbow flag
        " 👍🏽 1\ufe0f\u20e3",  # skin tone, keycap
        "line one\nline two\n\n\tindented",
    ],
)
def test_non_latin_text_emoji_and_newlines_are_unchanged(text: str) -> None:
    """RTL, CJK, Cyrillic, emoji sequences and whitespace pass through untouched."""
    assert escape_mrkdwn(text) == text


def test_truncate_leaves_short_text_alone() -> None:
    """Text within the limit is returned as is, with no ellipsis."""
    assert truncate("hello", 5) == "hello"


def test_truncate_cuts_and_adds_an_ellipsis() -> None:
    """Longer text is cut to fit, including the ellipsis, and trailing spaces are dropped."""
    assert truncate("hello world", 7) == "hello" + ELLIPSIS


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        (
            "ab\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466cd",
            5,
            "ab" + ELLIPSIS,
        ),  # the cut would land inside the ZWJ family
        ("ab🇯🇵🇫🇷x", 6, "ab🇯🇵" + ELLIPSIS),  # the cut would split the French flag
        ("abe\u0301\u0301x", 5, "ab" + ELLIPSIS),  # the cut would drop a combining accent
        ("ab👍🏽cd", 4, "ab" + ELLIPSIS),  # the cut would separate the skin tone
    ],
)
def test_truncate_does_not_split_a_grapheme(text: str, limit: int, expected: str) -> None:
    """The cut moves back to the start of an emoji sequence, flag or accented letter."""
    assert truncate(text, limit) == expected


def test_limits_below_the_ellipsis_are_refused() -> None:
    """A limit that cannot hold the ellipsis is a programming error."""
    with pytest.raises(ValueError, match="limit"):
        truncate("abc", 0)
    with pytest.raises(ValueError, match="limit"):
        escape_and_truncate("abc", 0)


def test_escape_and_truncate_never_cuts_an_entity() -> None:
    """5000 ampersands escape to 25000 characters; the cut lands between whole entities."""
    result = escape_and_truncate("&" * 5000, 3000)
    assert len(result) <= 3000
    assert result == "&amp;" * 599 + ELLIPSIS


@given(text=st.text(), limit=st.integers(min_value=1, max_value=200))
def test_escape_and_truncate_fits_and_keeps_a_prefix(text: str, limit: int) -> None:
    """For any text: within the limit, no raw < or >, no broken entity, and a true prefix."""
    result = escape_and_truncate(text, limit)
    assert len(result) <= limit
    assert "<" not in result
    assert ">" not in result
    assert not _ENTITY_OR_AMPERSAND.search(result)
    if result == escape_mrkdwn(text):
        return
    assert result.endswith(ELLIPSIS)
    assert text.startswith(_unescape(result.removesuffix(ELLIPSIS)))


@given(text=st.text(), limit=st.integers(min_value=1, max_value=200))
def test_truncate_fits_and_keeps_a_prefix(text: str, limit: int) -> None:
    """For any text: within the limit, and either the text or one of its prefixes plus "…"."""
    result = truncate(text, limit)
    assert len(result) <= limit
    assert result == text or text.startswith(result.removesuffix(ELLIPSIS))
