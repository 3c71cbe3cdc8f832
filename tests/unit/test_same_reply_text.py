"""Settling a reply in doubt compares our text with the post X shows: X rewrites links."""

from __future__ import annotations

import pytest

from bot.domain.reply import same_reply_text


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("@alice Fixed in 1.2.1", "@alice Fixed in 1.2.1"),
        ("@alice See https://acme.example/help/42", "@alice See https://t.co/AbC123xyz"),
        ("@alice  Fixed\n", "@alice Fixed"),
        ("e\u0301t\u00e9", "\u00e9t\u00e9"),  # NFC
    ],
)
def test_the_same_reply_as_x_shows_it(sent: str, shown: str) -> None:
    assert same_reply_text(sent, shown)


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("@alice Fixed in 1.2.1", "@alice Fixed in 1.2.2"),
        ("@alice See https://acme.example", "@alice See it"),
        ("@alice Sorry!", "@bob Sorry!"),
    ],
)
def test_a_different_reply_is_not_taken_for_ours(sent: str, shown: str) -> None:
    assert not same_reply_text(sent, shown)
