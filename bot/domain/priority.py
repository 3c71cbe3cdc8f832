"""Which posts jump the queue when cards wait for Slack: VIP authors, high-priority rules and
posts that look urgent go first; everything else keeps its order (oldest first)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypeVar

from bot.domain.mention import Mention

T = TypeVar("T")

URGENT = 0
NORMAL = 1

# Words of a customer whose problem cannot wait: money, access, safety, an outage.
_URGENT = re.compile(
    r"\b(?:outage|down|urgent|emergency|hacked|hack|fraud|scam(?:med)?|stolen|breach|leak(?:ed)?"
    r"|charged twice|double charged|unauthori[sz]ed|locked out|can'?t log ?in|cannot log ?in"
    r"|security|lawyer|lawsuit|refund now)\b",
    re.IGNORECASE,
)


def looks_urgent(text: str) -> bool:
    return _URGENT.search(text[:1_000]) is not None


def rank(mention: Mention, *, vip: bool, high_priority: bool) -> int:
    """URGENT for a VIP author, a high-priority rule's match or urgent words; else NORMAL."""
    if vip or high_priority or looks_urgent(mention.text):
        return URGENT
    return NORMAL


def urgent_first(items: Sequence[T], ranks: Sequence[int]) -> list[T]:
    """A stable reorder: urgent items first, each group in its original order, so nothing
    waits longer than it would have without priorities but for the urgent ones ahead of it."""
    order = sorted(range(len(items)), key=lambda i: (ranks[i], i))
    return [items[i] for i in order]
