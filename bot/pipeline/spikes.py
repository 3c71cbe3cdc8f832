"""The spike watcher: every 15 s, tell the team when a scope's mentions flood, and when it ends.

Any number of workers may run it; each storm is told once. A transition is written only if the
scope's state is still the version it was decided from (a Lua compare-and-set), so of workers
checking at the same moment exactly one moves a scope. The message that transition owes is sent
per place (the channel, the on-call page) under a SET NX claim that turns "done" once sent: a
worker that finds it claimed leaves it alone. Slack refusing leaves the message owed and its
claim released; the next check sends it. A worker that dies between Slack's answer and "done"
leaves a claim that expires after MESSAGE_LEASE_SECONDS and is sent again then (the one case of
a repeat, preferred to a lost alert).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.spike import SpikeFacts, SpikeSubject, spike_alert, spike_over
from bot.casework.cards import permalink
from bot.domain.network import is_post_id
from bot.domain.spike import (
    THRESHOLDS,
    Baseline,
    Owed,
    Phase,
    Sensitivity,
    StormState,
    advance,
    baseline,
    top_words,
)
from bot.domain.track_rule import TRACK_PREFIX
from bot.oncall.paging import page_oncall, post
from bot.pipeline.bluesky_poll import SOURCE as BLUESKY_SOURCE
from bot.pipeline.mastodon_poll import SOURCE as MASTODON_SOURCE
from bot.services import Services
from bot.store import keys
from bot.store.oncall import OncallStore
from bot.store.spikes import SpikeStore, spike_sensitivities
from bot.store.tracks import TrackStore

log = structlog.get_logger()

CHECK_SECONDS = 15.0
MESSAGE_LEASE_SECONDS = 120.0  # longer than one Slack call can take (10 s timeout) and pacing
MESSAGE_KEEP_SECONDS = 8 * 86_400  # longer than any storm: its all-clear checks the alert went
STEPS = ("channel", "page")


@dataclass(frozen=True, slots=True)
class SpikeNotice:
    """A message this watcher sent: an alert or an all-clear, for one storm of one scope."""

    scope: str
    kind: Owed
    storm: int
    channel: str
    text: str


@dataclass(frozen=True, slots=True)
class Target:
    channel: str
    subject: SpikeSubject
    hidden_words: tuple[str, ...]  # not "top words": the brand's name, the rule's own query


class SpikeWatch:
    def __init__(
        self,
        services: Services,
        *,
        clock: Callable[[], float] | None = None,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.services = services
        self.clock = clock or services.clock
        self.store = SpikeStore(services.redis)
        self.check_seconds = check_seconds
        self.token = f"{services.consumer}:{uuid.uuid4().hex[:8]}"  # never "done"

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.check()
            except Exception:  # Redis trouble or a bug: log it, keep watching
                log.exception("spike_watch_failed")
            stop.wait(self.check_seconds)

    def rollup(self, now: float | None = None) -> None:
        """Fold the finished hours of every active scope into its hourly history."""
        now = self.clock() if now is None else now
        self.store.rollup(self.store.active_scopes(now), now)

    def check(self, now: float | None = None) -> list[SpikeNotice]:
        """Decide every active scope once; returns the messages this call sent."""
        now = self.clock() if now is None else now
        scopes = self.store.active_scopes(now)
        if not scopes:
            return []
        self.store.rollup(scopes, now)
        readings = self.store.readings(scopes, now)
        sensitivities = spike_sensitivities(self.services.redis, scopes)
        sent: list[SpikeNotice] = []
        for scope in scopes:
            count, version, state = readings[scope]
            try:
                sent += self._check_scope(scope, count, version, state, sensitivities[scope], now)
            except Exception:  # one scope's trouble never stops the others
                log.exception("spike_check_failed", scope=scope)
        return sent

    def _check_scope(
        self,
        scope: str,
        count: int,
        version: int,
        state: StormState,
        sensitivity: Sensitivity,
        now: float,
    ) -> list[SpikeNotice]:
        rule = THRESHOLDS.get(sensitivity)
        quiet = state.phase is Phase.QUIET and state.owed is Owed.NOTHING
        if quiet and (rule is None or count < rule.min_count):
            return []  # the common case: no history read at all
        target = self._target(scope)
        base = baseline(*self.store.history(scope, now), now)
        new = advance(state, count, base, sensitivity if target else Sensitivity.OFF, now)
        if new != state:
            if not self.store.save_state(scope, version, new):
                return []  # another worker moved this scope first; it sends what is owed
            _log_change(scope, state, new, count, base)
        if new.owed is Owed.NOTHING or target is None:
            return []
        return self._deliver(
            scope, new, target, lambda: self._render(scope, new, target, count, base, now)
        )

    def _deliver(
        self,
        scope: str,
        state: StormState,
        target: Target,
        render: Callable[[], tuple[str, list[dict[str, Any]]]],
    ) -> list[SpikeNotice]:
        """Send the owed message to each place not told yet; settle it once all are."""
        kind, rendered, sent_here = state.owed, None, False
        for step in STEPS:
            if kind is Owed.OVER and not self.store.message_sent(
                keys.spike_told(scope, state.storm, Owed.ALERT.value, step)
            ):
                continue  # that place never heard of this spike: no all-clear either
            key = keys.spike_told(scope, state.storm, kind.value, step)
            claim = self.store.claim_message(key, self.token, MESSAGE_LEASE_SECONDS)
            if claim == "busy":
                return []  # another worker is sending it right now
            if claim == "done":
                continue
            try:
                rendered = rendered or render()
                self._send(step, target.channel, *rendered)
            except (SlackApiError, OSError) as error:
                self.store.message_failed(key, self.token)
                detail = error.response.get("error") if isinstance(error, SlackApiError) else None
                log.warning(
                    "spike_message_failed", scope=scope, kind=kind.value, step=step,
                    error=detail or repr(error)[:200],
                )  # fmt: skip
                break  # still owed: the next check sends the rest
            except Exception:
                self.store.message_failed(key, self.token)
                raise
            self.store.message_done(key, MESSAGE_KEEP_SECONDS)
            sent_here = True
        else:
            self.store.settle(scope, state)
        if not sent_here or rendered is None:
            return []
        return [SpikeNotice(scope, kind, state.storm, target.channel, rendered[0])]

    def _send(self, step: str, channel: str, text: str, blocks: list[dict[str, Any]]) -> None:
        if step == "channel":
            post(self.services, channel, text, blocks=blocks)
            return
        team = OncallStore(self.services.redis).paged_team()
        if team:  # no rotation: nobody to page, and that is fine
            page_oncall(self.services, team, f"{text} (in <#{channel}>)")

    def _target(self, scope: str) -> Target | None:
        """Where the scope's messages go and what they call it; None: a removed rule."""
        me = self.services.x.known_me()  # never waits for X: the poller resolved it already
        brand = (me.username,) if me else ()
        default = self.services.settings.slack_mentions_channel or ""
        if scope.startswith((BLUESKY_SOURCE, MASTODON_SOURCE)):  # another network's mentions
            return self._network_target(scope, default)
        if not scope.startswith(TRACK_PREFIX):
            return Target(default, SpikeSubject(brand=me.username if me else None), brand)
        rule = TrackStore(self.services.redis).get(scope.removeprefix(TRACK_PREFIX))
        if rule is None:
            return None
        subject = SpikeSubject(rule_number=rule.number, rule_text=rule.name or rule.query)
        hidden = (*brand, rule.query, rule.name or "")
        return Target(rule.channel or default, subject, hidden)

    def _network_target(self, scope: str, default: str) -> Target:
        settings = self.services.settings
        if scope == BLUESKY_SOURCE:
            handle = settings.bluesky_handle
            return Target(default, SpikeSubject(brand=handle, network="Bluesky"), (handle or "",))
        source = self.services.mastodon
        handle = str(source.me().get("username")) if source and source.known() else None
        return Target(default, SpikeSubject(brand=handle, network="Mastodon"), (handle or "",))

    def _render(
        self, scope: str, state: StormState, target: Target, count: int, base: Baseline, now: float
    ) -> tuple[str, list[dict[str, Any]]]:
        if state.owed is Owed.OVER:
            return spike_over(target.subject, count, base.expected, state.peak, state.started_at)
        words = top_words(self.store.word_scores(scope, now), target.hidden_words)
        links = (self._sample_link(post_id) for post_id in self.store.samples(scope, now))
        samples = tuple(link for link in links if link)
        facts = SpikeFacts(target.subject, count, base.expected, words, samples)
        return spike_alert(facts)

    def _sample_link(self, post_id: str) -> str | None:
        """The post's card in Slack when it has one, else the post itself (X ids only: a
        post elsewhere is linked once carded)."""
        if not is_post_id(post_id):
            return None
        found = self.services.cases.get(post_id)
        link = permalink(self.services.slack, found[0].channel, found[0].ts) if found else None
        if link or not post_id.isdigit():
            return link or (found[1].url if found else None)
        return f"https://x.com/i/web/status/{post_id}"


def _log_change(
    scope: str, before: StormState, after: StormState, count: int, base: Baseline
) -> None:
    if after.phase is not before.phase:
        event = "spike_started" if after.phase is Phase.SPIKING else "spike_ended"
        log.info(
            event, scope=scope, storm=after.storm, count=count, usual=round(base.expected, 1),
            announced=after.announced,
        )  # fmt: skip
