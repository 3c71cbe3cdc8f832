"""The /track poller: each active rule is searched on its own schedule with its own since_id,
into the same ingest, stream and delivery as the mentions timeline.

A round claims the rules that are due (a claim is a lease: another worker skips them; a dead
worker's claims fall due again), polls them a few at a time, records every outcome in two round
trips, then holds the budget. X's recent-search window is shared by all rules, so a 429 holds
every worker until X's reset.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import redis
import structlog

from bot.domain.poll_pace import SEARCH_LIMIT, RateWindow, planned_interval
from bot.domain.track_cost import error_backoff, next_interval
from bot.domain.track_query import QueryProblem, parse_track_query
from bot.domain.track_rule import TRACK_PREFIX, TrackRule
from bot.pipeline.ingest import Ingest
from bot.pipeline.pacing import ChannelPacer
from bot.pipeline.track_budget import BudgetKeeper
from bot.services import Services
from bot.sources.x import SEARCH_ENDPOINT, XError, XSource
from bot.store.health import Health
from bot.store.metrics import Metrics
from bot.store.source_health import record_successful_polls
from bot.store.track_schedule import PollOutcome, TrackSchedule
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore

log = structlog.get_logger()

CLAIM_BATCH = 100
CLAIM_SECONDS = 300.0  # a claimed rule is left alone this long (poll time is far shorter)
MAX_PAGES = 5  # 500 posts a rule a round: more than that since the last poll is a firehose
MAX_IDLE_WAIT = 2.0  # new and resumed rules are picked up at least this often
SEARCH_REACH_SECONDS = 7 * 86_400 - 300  # recent search covers 7 days; keep a margin
HEALTH = "x-search"
PARALLEL_SEARCHES = 4


@dataclass(frozen=True, slots=True)
class PollerConfig:
    interval: float  # X_POLL_INTERVAL_SECONDS, else search's even pace: each rule adapts from it
    parallel: int = PARALLEL_SEARCHES


class TrackPoller:
    def __init__(
        self,
        source: XSource,
        ingest: Ingest,
        store: TrackSchedule,
        budget: BudgetKeeper,
        health: Health,
        metrics: Metrics,
        config: PollerConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.source, self.ingest, self.store, self.budget = source, ingest, store, budget
        self.health, self.metrics, self.config, self.clock = health, metrics, config, clock
        self._pool: ThreadPoolExecutor | None = None  # searches run in parallel inside run()
        self._held = threading.Event()  # a 429 in this batch: the rest of it waits

    def run(self, stop: threading.Event) -> None:
        with ThreadPoolExecutor(self.config.parallel, thread_name_prefix="track-search") as pool:
            self._pool = pool
            try:
                while not stop.is_set():
                    stop.wait(self.poll_round())
            finally:
                self._pool = None

    def poll_round(self) -> float:
        """Poll every rule that is due; returns how long to wait before looking again."""
        now = self.clock()
        held = self.store.held_until()
        if held is not None and held > now:
            return min(held - now, MAX_IDLE_WAIT)
        active = max(1, self.store.active_count())
        polled: list[PollOutcome] = []
        while True:
            ids = self.store.claim_due(now, CLAIM_BATCH, CLAIM_SECONDS)
            if not ids:
                break
            outcomes = self._poll_batch(ids, now, active)
            self.store.record(outcomes, self.clock())
            record_polls(self.store.client, outcomes, now)
            polled += outcomes
            if self._held.is_set():
                break
        if any(out.error is None and not out.deferred for out in polled):
            self.health.ok(HEALTH)
        grew = frozenset(out.rule_id for out in polled if out.post_ids)
        if grew:
            self.budget.hold(self.clock(), grew=grew)
        upcoming = self.store.next_due()
        wait = MAX_IDLE_WAIT if upcoming is None else upcoming - self.clock()
        return max(0.05, min(MAX_IDLE_WAIT, wait))

    def _poll_batch(self, ids: Sequence[str], now: float, active: int) -> list[PollOutcome]:
        rules = self.store.for_polling(ids)
        self.store.forget_due(rule_id for rule_id in ids if rule_id not in rules)
        found = [rules[rule_id] for rule_id in ids if rule_id in rules]
        checkpoints = self.store.checkpoints([rule.id for rule in found])
        self._held.clear()

        def poll(rule: TrackRule) -> PollOutcome:
            return self._poll(rule, checkpoints.get(rule.id), now, active)

        pool = self._pool
        if pool is None or len(found) <= 1 or self.config.parallel <= 1:
            return [poll(rule) for rule in found]
        return list(pool.map(poll, found))

    def _poll(self, rule: TrackRule, since_id: str | None, now: float, active: int) -> PollOutcome:
        if self._held.is_set():
            held = self.store.held_until() or now + 60
            return PollOutcome(rule.id, next_at=held, deferred=True)
        try:
            query = self._query(rule)
            post_ids = self._search(rule, query, since_id, now)
        except XError as error:
            return self._failed(rule, error, now)
        except QueryProblem as problem:  # a rule saved before a stricter check
            return PollOutcome(
                rule.id,
                next_at=now
                + error_backoff(self.config.interval, rule.failures + 1, permanent=True),
                error=f"The query is no longer accepted: {problem}",
                erroring_now=True,
            )
        quiet = 0 if post_ids else rule.quiet_rounds + 1
        wait = next_interval(
            self.config.interval,
            last_count=len(post_ids),
            quiet_rounds=quiet,
            rate=self._rate(),
            active_rules=active,
            now=now,
        )
        return PollOutcome(
            rule.id,
            next_at=now + wait,
            active_since=rule.active_since,
            post_ids=tuple(post_ids),
            quiet_rounds=quiet,
        )

    def _query(self, rule: TrackRule) -> str:
        handle = self.source.me().username
        return sent_query(rule.query, handle, rule.include_retweets, rule.include_own)

    def _search(self, rule: TrackRule, query: str, since_id: str | None, now: float) -> list[str]:
        """Every page newer than the checkpoint (capped); the checkpoint moves with the last
        page. First poll (no checkpoint): from when the rule became active, not all of X."""
        start = None
        if since_id is None:
            floor = max(rule.active_since, now - SEARCH_REACH_SECONDS)
            start = datetime.fromtimestamp(floor, UTC)
        token: str | None = None
        newest: str | None = None
        post_ids: list[str] = []
        for number in range(MAX_PAGES):
            page = self.source.search_page(
                query, since_id, token, 100, start_time=start, source=rule.source
            )
            newest = newest or page.newest_id
            token = page.next_token
            last = not token or number == MAX_PAGES - 1
            if page.mentions or (last and newest):
                self.ingest.ingest(rule.source, page.mentions, newest if last else None)
            post_ids += [mention.post_id for mention in page.mentions]
            if not token:
                return post_ids
        log.warning("track_paging_capped", rule=rule.id, pages=MAX_PAGES)
        return post_ids

    def _failed(self, rule: TrackRule, error: XError, now: float) -> PollOutcome:
        if error.kind == "rate_limited":
            until = float(error.retry_at or now + 60) + 1
            self.store.hold_until(until)
            self._held.set()
            self.metrics.incr("x_429")
            log.warning("track_rate_limited", wait_seconds=round(until - now, 1))
            return PollOutcome(rule.id, next_at=until, deferred=True)
        self.metrics.incr("x_errors")
        permanent = error.kind in ("bad_request", "unauthorized", "forbidden")
        if error.kind in ("unauthorized", "forbidden"):
            self.health.problem(HEALTH, f"X refused recent search ({error.status}): {error.detail}")
        wait = error_backoff(self.config.interval, rule.failures + 1, permanent=permanent)
        log.warning("track_poll_failed", rule=rule.id, kind=error.kind, detail=error.detail)
        return PollOutcome(
            rule.id,
            next_at=now + wait,
            error=f"X said: {described(error)}",
            erroring_now=permanent,
        )

    def _rate(self) -> RateWindow | None:
        return self.source.rate_window(SEARCH_ENDPOINT)


def record_polls(client: redis.Redis, outcomes: Sequence[PollOutcome], now: float) -> None:
    """Note each successful poll with the wait it planned: /healthz and the source alerts
    measure a rule's silence in its own intervals."""
    record_successful_polls(
        client,
        {
            TRACK_PREFIX + out.rule_id: (now, max(0.0, out.next_at - now))
            for out in outcomes
            if out.error is None and not out.deferred
        },
    )


@lru_cache(maxsize=4096)
def sent_query(query: str, handle: str, include_retweets: bool, include_own: bool) -> str:
    """What a rule sends to X (checked again: a rule saved before a stricter check fails)."""
    parsed = parse_track_query(
        query, handle, include_retweets=include_retweets, include_own=include_own
    )
    return parsed.effective(handle, include_retweets=include_retweets, include_own=include_own)


def described(error: XError) -> str:
    """X's own words for a failure: the per-parameter messages of a 400 say what is wrong."""
    items = error.body.get("errors")
    messages = [
        str(item.get("message") or item.get("detail"))
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict) and (item.get("message") or item.get("detail"))
    ]
    return ("; ".join(messages) or error.detail)[:400] + f" ({error.kind})"


def build_track_poller(services: Services) -> TrackPoller:
    """The poller as the worker runs it, sharing the mentions pipeline's ingest and pacing."""
    settings = services.settings
    store, usage = TrackStore(services.redis), TrackUsage(services.redis)
    schedule = TrackSchedule(services.redis)
    pacer = ChannelPacer(services.redis, settings.slack_channel_interval_ms)
    budget = BudgetKeeper(
        store, usage, services.slack, settings.slack_mentions_channel or "", pacer.wait_for_slot
    )
    return TrackPoller(
        services.x,
        Ingest(services.redis),
        schedule,
        budget,
        services.health,
        services.metrics,
        PollerConfig(interval=planned_interval(settings.x_poll_interval_seconds, SEARCH_LIMIT)),
        clock=services.clock,
    )
