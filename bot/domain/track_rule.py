"""A /track rule and how the rules that matched one post decide its single card."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from bot.domain.mention import Author

MENTIONS_SOURCE = "x:mentions"  # the mentions timeline, as ingest names it
MENTIONS_LABEL = "mentions"
TRACK_PREFIX = "track:"
LABEL_QUERY_LIMIT = 60
DEFAULT_VIP_FOLLOWERS = 100_000

MARK_HIGH_PRIORITY = "high-priority"
MARK_VIP = "vip"

_RULE_ID = re.compile(r"^t?(\d{1,9})$", re.IGNORECASE)


class RuleStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ERRORING = "erroring"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class TrackRule:
    """What one /track rule listens for, where its cards go, and how it has been doing."""

    id: str  # "t7"
    query: str  # as the person wrote it, already checked
    created_by: str
    created_at: float
    channel: str | None = None  # None: SLACK_MENTIONS_CHANNEL
    priority: Priority = Priority.NORMAL
    name: str | None = None
    include_retweets: bool = False
    include_own: bool = False
    status: RuleStatus = RuleStatus.ACTIVE
    status_reason: str | None = None  # why it is paused (by whom, or the budget)
    last_error: str | None = None
    last_error_at: float | None = None
    last_poll_at: float | None = None  # last successful poll
    active_since: float = 0.0  # created or last resumed: the window the estimate looks at
    posts_total: int = 0  # posts X returned for it (every one is billed)
    monthly_estimate: float = 0.0  # dollars, from observed volume
    failures: int = 0
    quiet_rounds: int = 0
    last_count: int = 0

    @property
    def source(self) -> str:
        """The name ingest knows this rule by (its checkpoint, the per-post sources set)."""
        return TRACK_PREFIX + self.id

    @property
    def label(self) -> str:
        """How a card lists this rule: its name, else its query, with the id."""
        shown = self.name or _shorten(self.query, LABEL_QUERY_LIMIT)
        return f"{shown} ({self.id})"

    @property
    def number(self) -> int:
        return int(self.id[1:]) if self.id[1:].isdigit() else 0


def rule_id_from(text: str) -> str | None:
    """`t7`, `T7` or `7` -> "t7"; anything else None."""
    match = _RULE_ID.match(text.strip())
    return f"t{int(match.group(1))}" if match else None


@dataclass(frozen=True, slots=True)
class VipPolicy:
    """Authors whose posts get a marked card: enough followers, or a handle on the list."""

    followers: int | None = DEFAULT_VIP_FOLLOWERS  # None: no follower threshold
    handles: frozenset[str] = field(default_factory=frozenset)  # casefolded, without @

    def is_vip(self, author: Author) -> bool:
        if author.username.casefold() in self.handles:
            return True
        return self.followers is not None and author.followers >= self.followers


@dataclass(frozen=True, slots=True)
class RuleFigures:
    """What one rule caught lately and how much of it was answered."""

    rule_id: str
    last_24h: int
    last_7d: int
    sampled: int  # how many of the most recent matches the answered figures looked at
    carded: int  # of those, how many had a card of their own
    answered: int
    avg_first_response: float | None  # seconds from card to reply


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one post's card goes and what it shows."""

    channel: str
    rules: tuple[str, ...]  # stable names: "mentions", "t3"
    labels: tuple[str, ...]  # how the card shows them: "mentions", "App issues (t3)"
    marks: tuple[str, ...]


def decide(
    sources: Iterable[str],
    rules: Mapping[str, TrackRule],
    author: Author,
    vip: VipPolicy,
    default_channel: str,
    lang: str | None = None,
    lang_routes: Mapping[str, str] | None = None,
) -> Decision:
    """One card for every source that matched a post: all of them listed, routed to the
    highest-priority rule's channel (a /track rule before the mentions timeline on a tie, then
    the oldest rule), else its language's channel (`/track route lang:ja #support-jp`), else
    the default channel. Removed rules are listed by id only."""
    matched: list[TrackRule] = []
    names: list[str] = []
    labels: list[str] = []
    mentions = False
    for source in sorted(set(sources), key=_source_order):
        if source in (MENTIONS_SOURCE, MENTIONS_LABEL) or source.endswith(":mentions"):
            mentions = True  # X's mentions timeline, or another network's (bluesky:mentions)
            continue
        rule_id = source.removeprefix(TRACK_PREFIX)
        rule = rules.get(rule_id)
        names.append(rule_id)
        if rule is None:
            labels.append(f"{rule_id} (removed)")
        else:
            matched.append(rule)
            labels.append(rule.label)
    if mentions:
        names.insert(0, MENTIONS_LABEL)
        labels.insert(0, MENTIONS_LABEL)
    best = min(matched, key=_route_order, default=None)
    by_language = (lang_routes or {}).get(lang) if lang is not None else None
    channel = (best.channel if best is not None else None) or by_language or default_channel
    marks: list[str] = []
    if any(rule.priority is Priority.HIGH for rule in matched):
        marks.append(MARK_HIGH_PRIORITY)
    if vip.is_vip(author):
        marks.append(MARK_VIP)
    return Decision(channel, tuple(names), tuple(labels), tuple(marks))


def _route_order(rule: TrackRule) -> tuple[int, int]:
    return (0 if rule.priority is Priority.HIGH else 1, rule.number)


def _source_order(source: str) -> tuple[int, str]:
    rule_id = source.removeprefix(TRACK_PREFIX)
    number = int(rule_id[1:]) if rule_id[1:].isdigit() else 0
    return (number, source)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
