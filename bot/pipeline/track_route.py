"""Where a card goes and what it lists, from every source that matched its post (/track rules)
and its language (/track route)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

import redis

from bot.domain.mention import Mention
from bot.domain.priority import rank
from bot.domain.track_rule import TRACK_PREFIX, Priority, TrackRule, VipPolicy, decide
from bot.domain.triage import triage
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore

# Rules and VIPs are read at most this often; a post naming a rule the snapshot does not know
# (added since) reloads at once, so only a change to an existing rule can lag this long.
SNAPSHOT_SECONDS = 2.0


class TrackRouter:
    """The deliverer's `place`: one card per post, listing every rule, routed by priority."""

    def __init__(
        self,
        client: redis.Redis,
        default_channel: str,
        max_age: float = SNAPSHOT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.usage = TrackStore(client), TrackUsage(client)
        self.default_channel, self.max_age, self.clock = default_channel, max_age, clock
        self._lock = threading.Lock()
        self._loaded_at = float("-inf")
        self._rules: dict[str, TrackRule] = {}
        self._vip = VipPolicy()
        self._routes: dict[str, str] = {}

    def place(self, mention: Mention, sources: frozenset[str]) -> tuple[str, Mention]:
        """Where the card goes and what it shows; the post's language and kind are computed
        here, once (a card re-rendered later keeps them)."""
        if mention.triage is None and not mention.is_dm:
            mention = replace(mention, triage=triage(mention.text))
        rule_ids = {s.removeprefix(TRACK_PREFIX) for s in sources if s.startswith(TRACK_PREFIX)}
        rules, vip, routes = self._snapshot(rule_ids)
        lang = mention.triage.lang if mention.triage is not None else None
        decision = decide(sources, rules, mention.author, vip, self.default_channel, lang, routes)
        carded = replace(
            mention, rules=decision.rules, rule_labels=decision.labels, marks=decision.marks
        )
        return decision.channel, carded

    def rank(self, mention: Mention, sources: frozenset[str]) -> int:
        """How soon the post's card should go out: VIP, high-priority rule, urgent words."""
        rule_ids = {s.removeprefix(TRACK_PREFIX) for s in sources if s.startswith(TRACK_PREFIX)}
        rules, vip, _routes = self._snapshot(rule_ids)
        high = any(rule.priority is Priority.HIGH for rid in rule_ids if (rule := rules.get(rid)))
        return rank(mention, vip=vip.is_vip(mention.author), high_priority=high)

    def _snapshot(self, needed: set[str]) -> tuple[dict[str, TrackRule], VipPolicy, dict[str, str]]:
        with self._lock:
            stale = self.clock() - self._loaded_at > self.max_age
            if stale or not needed <= self._rules.keys():
                self._rules = {rule.id: rule for rule in self.store.all()}
                self._vip = self.usage.vip()
                self._routes = self.usage.language_routes()
                self._loaded_at = self.clock()
            return self._rules, self._vip, self._routes
