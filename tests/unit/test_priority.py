"""Which posts jump the queue, and that the reorder keeps everyone else's order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.mention import Author, Mention
from bot.domain.priority import NORMAL, URGENT, looks_urgent, rank, urgent_first


def post(text: str) -> Mention:
    return Mention("1", text, Author("2", "dana", "Dana"), datetime.now(UTC))


@pytest.mark.parametrize(
    "text",
    [
        "@acme your site is down again",
        "Outage? nothing loads",
        "I was charged twice for one order",
        "my account got hacked, please help",
        "locked out of my account for 2 days",
        "I can't login since the update",
    ],
)
def test_urgent_words(text: str) -> None:
    """Money, access, safety and outages are urgent, in any case."""
    assert looks_urgent(text) and rank(post(text), vip=False, high_priority=False) == URGENT


@pytest.mark.parametrize(
    "text", ["love the new app", "when does the store open?", "download the update", ""]
)
def test_ordinary_posts_are_not_urgent(text: str) -> None:
    """Praise, questions and words that merely contain an urgent one ("download") are not."""
    assert rank(post(text), vip=False, high_priority=False) == NORMAL


def test_vip_and_high_priority_rules_are_urgent_whatever_the_text() -> None:
    """A VIP author or a high-priority rule's match goes first even when the text is calm."""
    calm = post("nice shoes")
    assert rank(calm, vip=True, high_priority=False) == URGENT
    assert rank(calm, vip=False, high_priority=True) == URGENT


def test_urgent_first_is_stable() -> None:
    """Urgent items move ahead in their own order; the others keep theirs."""
    items = ["a", "b", "c", "d", "e"]
    assert urgent_first(items, [NORMAL, URGENT, NORMAL, URGENT, NORMAL]) == [
        "b", "d", "a", "c", "e",
    ]  # fmt: skip
    assert urgent_first(items, [NORMAL] * 5) == items
    assert urgent_first([], []) == []
