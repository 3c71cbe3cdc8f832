"""What /track rules matched (per-rule post ids, 7 days), their figures, the budget and VIPs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import redis

from bot.domain.figures import first_response_seconds, mean_or_none
from bot.domain.track_rule import DEFAULT_VIP_FOLLOWERS, RuleFigures, VipPolicy
from bot.store import keys
from bot.store.sla import clocks_of

DAY = 86_400.0
WEEK = 7 * DAY
STATS_SAMPLE = 500  # the most recent matches looked at for "answered" figures


class TrackUsage:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    # -- matches ------------------------------------------------------------------------

    def figures(self, rule_ids: Sequence[str], now: float) -> list[RuleFigures]:
        """Posts in the last 24 h and 7 d, and how many of the recent ones were answered."""
        with self.client.pipeline(transaction=False) as pipe:
            for rule_id in rule_ids:
                key = keys.track_hits(rule_id)
                pipe.zcount(key, now - DAY, "+inf")
                pipe.zcount(key, now - WEEK, "+inf")
                pipe.zrevrange(key, 0, STATS_SAMPLE - 1)
            raw: list[Any] = pipe.execute()
        found = []
        for index, rule_id in enumerate(rule_ids):
            day, week, recent = raw[3 * index : 3 * index + 3]
            found.append(self._answered(rule_id, int(day), int(week), [str(p) for p in recent]))
        return found

    def _answered(self, rule_id: str, day: int, week: int, posts: list[str]) -> RuleFigures:
        """Answered = a first response was recorded on the case's SLA clock (as in
        `/earshot report`), whatever its status is now."""
        with self.client.pipeline(transaction=False) as pipe:
            for post_id in posts:
                pipe.exists(keys.case(post_id))
            carded = sum(int(found) for found in (pipe.execute() if posts else []))
        times = first_response_seconds(clocks_of(self.client, posts))
        return RuleFigures(rule_id, day, week, len(posts), carded, len(times), mean_or_none(times))

    # -- budget and VIPs ------------------------------------------------------------------

    def budget(self) -> float | None:
        value = self.client.get(keys.TRACK_BUDGET)
        try:
            return float(str(value)) if value else None
        except ValueError:
            return None

    def set_budget(self, amount: float | None) -> None:
        if amount is None:
            self.client.delete(keys.TRACK_BUDGET)
        else:
            self.client.set(keys.TRACK_BUDGET, f"{amount:.2f}")

    def vip(self) -> VipPolicy:
        with self.client.pipeline(transaction=False) as pipe:
            pipe.hget(keys.TRACK_VIP, "followers")
            pipe.smembers(keys.TRACK_VIP_HANDLES)
            followers, handles = pipe.execute()
        threshold: int | None = DEFAULT_VIP_FOLLOWERS
        if followers == "off":
            threshold = None
        elif followers and str(followers).isdigit():
            threshold = int(followers)
        return VipPolicy(threshold, frozenset(str(h) for h in cast(set[str], handles)))

    def set_vip_followers(self, followers: int | None) -> None:
        self.client.hset(keys.TRACK_VIP, "followers", "off" if followers is None else followers)

    def change_vip_handles(self, handles: Sequence[str], *, add: bool) -> None:
        if not handles:
            return
        if add:
            self.client.sadd(keys.TRACK_VIP_HANDLES, *handles)
        else:
            self.client.srem(keys.TRACK_VIP_HANDLES, *handles)

    def language_routes(self) -> dict[str, str]:
        """`/track route`: ISO 639-1 code -> the channel its mentions go to."""
        return {str(k): str(v) for k, v in self.client.hgetall(keys.TRACK_LANG_ROUTES).items()}

    def set_language_route(self, lang: str, channel: str | None) -> str | None:
        """Route `lang` to `channel` (None: remove the route); returns the channel it had."""
        with self.client.pipeline() as pipe:
            pipe.hget(keys.TRACK_LANG_ROUTES, lang)
            if channel is None:
                pipe.hdel(keys.TRACK_LANG_ROUTES, lang)
            else:
                pipe.hset(keys.TRACK_LANG_ROUTES, lang, channel)
            before = pipe.execute()[0]
        return str(before) if before else None
