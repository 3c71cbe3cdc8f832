"""How Mastodon counts a status (links 23, remote mentions by their local part, graphemes),
and a status's sanitized HTML as the text a card shows."""

from __future__ import annotations

import pytest

from bot.domain.mastodon_text import status_length, status_text
from bot.domain.network import is_post_id, mastodon_post_id, mastodon_status_id, network_of


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello", 5),
        ("see https://example.com/" + "a" * 300, 4 + 23),
        ("two https://a.example.com/x and http://b.example.org/y", 4 + 23 + 5 + 23),
        ("no TLD: https://a.example/x", len("no TLD: https://a.example/x")),  # as the server
        ("hi @dana@remote.example!", len("hi @dana!")),
        ("hi @dana", len("hi @dana")),
        ("👨‍👩‍👧‍👦🇫🇷", 2),  # a family and a flag: two characters as a reader sees them
        ("", 0),
    ],
)
def test_status_length_counts_as_mastodon_does(text: str, length: int) -> None:
    assert status_length(text) == length


def test_the_content_warning_counts_too() -> None:
    assert status_length("body", spoiler_text="cw") == 6


def test_a_statuses_html_becomes_its_text() -> None:
    content = (
        '<p><span class="h-card"><a href="https://social.example/@earshot" class="u-url '
        'mention">@<span>earshot</span></a></span> my order &amp; refund &lt;3</p>'
        "<p>line two<br>line three</p>"
    )
    assert status_text(content) == "@earshot my order & refund <3\n\nline two\nline three"


def test_mastodon_post_ids() -> None:
    post_id = mastodon_post_id("117729789284974596")
    assert is_post_id(post_id) and network_of(post_id).name == "Mastodon"
    assert mastodon_status_id(post_id) == "117729789284974596"
    assert not is_post_id("mstdn:") and not is_post_id("mstdn:12 34")
    with pytest.raises(ValueError):
        mastodon_status_id("117729789284974596")
