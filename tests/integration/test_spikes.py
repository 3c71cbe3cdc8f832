"""Spike alerts against the real Redis and the Slack fake: a flood of mentions is told once, in
the scope's channel and to the on-call person, and its end once."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from bot.domain.mention import Author, Mention
from bot.domain.spike import Owed, Sensitivity
from bot.domain.track_rule import TrackRule
from bot.pipeline.spikes import SpikeNotice, SpikeWatch
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.spikes import SpikeCounter, SpikeStore, set_spike_sensitivity, spike_sensitivity
from bot.store.tracks import TrackStore
from tests.integration.oncall_helpers import (
    MENTIONS_CHANNEL,
    Office,
    build_office,
    rome,
    standard_setup,
)
from tests.integration.waiting import wait_for

MIN = 60
HOUR = 3600
SCOPE = "x:mentions"
ONCALL_DM = "D0ALICE"  # Alice is on call on Wednesday 2026-11-25 (standard_setup)
BURST_AT = rome(2026, 11, 25, 10, 0)
SEEDED_WEEKS = 3
PER_HOUR = 40  # the usual: 10 in 15 minutes
ZED = Author("9", "zed", "Zed")


@pytest.fixture
def office(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    """Wednesday 2026-11-25 10:00 in Rome, Alice on call; X has told us we are @earshot_co."""
    for built in build_office(redis_client, x_fake, slack_fake, BURST_AT):
        standard_setup(built)
        built.services.x.me()
        yield built


@pytest.fixture(autouse=True)
def no_unexpected_errors() -> Iterator[list[dict[str, Any]]]:
    """Fail the test if anything logged an error (a crash swallowed by a loop, say)."""
    with capture_logs() as logs:
        yield logs
    errors = [entry for entry in logs if entry["log_level"] in ("error", "critical")]
    assert errors == [], errors


class Posts:
    """Mentions made up for one scope, recorded as ingest records them after each batch."""

    def __init__(self, counter: SpikeCounter, scope: str = SCOPE) -> None:
        self.counter, self.scope, self.next_id = counter, scope, 10**15

    def record(self, created: list[float], now: float, text: str | Callable[[int], str]) -> None:
        """Mentions made at `created`, recorded at `now`; `text` may depend on the post's index."""
        texts = [text(n) if callable(text) else text for n in range(len(created))]
        mentions = [self._mention(at, body) for at, body in zip(created, texts, strict=True)]
        self.counter.record(self.scope, mentions, now)

    def _mention(self, at: float, text: str) -> Mention:
        self.next_id += 1
        author = Author(str(self.next_id % 997), f"fan{self.next_id % 997}", "Fan")
        return Mention(str(self.next_id), text, author, datetime.fromtimestamp(at, UTC))


def seed_quiet_weeks(office: Office, posts: Posts, watch: SpikeWatch) -> None:
    """Three weeks (and a bit) of PER_HOUR mentions an hour, checked hourly as a worker would."""
    start = BURST_AT - SEEDED_WEEKS * 7 * 24 * HOUR - 3 * HOUR
    for hour_start in range(int(start), int(BURST_AT), HOUR):
        spacing = HOUR / PER_HOUR
        created = [hour_start + n * spacing for n in range(PER_HOUR)]
        posts.record(created, hour_start + HOUR, "@earshot_co thanks for the quick delivery")
        assert watch.check(hour_start + HOUR) == []


def outage_text(n: int) -> str:
    """Every post says "outage", every second one "login", every third one "app"."""
    login = " cannot login" if n % 2 == 0 else ""
    app = " the app is useless" if n % 3 == 0 else ""
    return f"@earshot_co outage again!{login}{app} https://t.co/abc"


def burst(posts: Posts, count: int = 140, minutes: int = 5) -> None:
    """`count` mentions within `minutes` minutes from BURST_AT, recorded a batch a minute."""
    per_minute = count // minutes
    for minute in range(minutes):
        base = BURST_AT + minute * MIN
        created = [base + n * (MIN / per_minute) for n in range(per_minute)]
        posts.record(created, base + MIN, outage_text)


@pytest.fixture
def seeded(office: Office) -> tuple[Office, Posts, SpikeWatch]:
    """The office after three quiet weeks of mentions, and the watcher that saw them."""
    posts, watch = Posts(SpikeCounter(office.services.redis)), SpikeWatch(office.services)
    seed_quiet_weeks(office, posts, watch)
    return office, posts, watch


def spike_texts(office: Office, channel: str = MENTIONS_CHANNEL) -> list[str]:
    return [t for t in office.texts(channel) if t.startswith("Spike")]


def test_a_burst_after_quiet_weeks_is_one_alert_in_the_channel_and_one_page(
    seeded: tuple[Office, Posts, SpikeWatch],
) -> None:
    """Three weeks at 10 per 15 min, then 140 in five minutes: exactly one "Spike" message in
    the mentions channel, with the count, the ratio to the usual, the top words and samples, and
    one DM to Alice, who is on call. Later checks during the storm add nothing."""
    office, posts, watch = seeded
    burst(posts)
    [notice] = watch.check(BURST_AT + 5 * MIN)
    assert notice.kind is Owed.ALERT and notice.channel == MENTIONS_CHANNEL
    [alert] = spike_texts(office)
    found = re.match(
        r"Spike: (\d+) mentions of @earshot_co in 15 min, (\d+)\u00d7 the usual", alert
    )
    assert found, alert
    assert 140 <= int(found.group(1)) <= 150  # plus the usual ones of the last minutes
    assert 13 <= int(found.group(2)) <= 15  # against the usual 10
    assert "top words: outage, login, app" in alert
    assert "3 samples: <https://x.com/i/web/status/" in alert
    [page] = office.texts(ONCALL_DM)
    assert page.startswith("Spike: ") and f"<#{MENTIONS_CHANNEL}>" in page
    for minute in range(6, 12):
        assert watch.check(BURST_AT + minute * MIN) == []
    assert len(spike_texts(office)) == 1 and len(office.texts(ONCALL_DM)) == 1


def test_two_watchers_checking_at_once_send_one_alert(
    seeded: tuple[Office, Posts, SpikeWatch],
) -> None:
    """Two workers' watchers check the burst at the same moment, again and again: one alert in
    the channel, one page, and only one of the watchers says it sent it."""
    office, posts, _ = seeded
    burst(posts)
    watchers = [SpikeWatch(office.services), SpikeWatch(office.services)]
    sent: list[SpikeNotice] = []
    start = threading.Barrier(len(watchers))

    def run(watch: SpikeWatch) -> None:
        for second in range(0, 60, 5):
            start.wait()
            sent.extend(watch.check(BURST_AT + 5 * MIN + second))

    threads = [threading.Thread(target=run, args=(watch,)) for watch in watchers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [notice.kind for notice in sent] == [Owed.ALERT]
    assert len(spike_texts(office)) == 1 and len(office.texts(ONCALL_DM)) == 1


def test_when_the_burst_ends_one_all_clear_follows(
    seeded: tuple[Office, Posts, SpikeWatch],
) -> None:
    """The flood stops: once the last 15 minutes are back near the usual for 15 minutes, one
    "Spike over" in the channel (and to Alice); later checks are quiet, and the usual rate
    carries on without a new alert."""
    office, posts, watch = seeded
    burst(posts)
    watch.check(BURST_AT + 5 * MIN)
    kinds = []
    for minute in range(6, 60):
        now = BURST_AT + minute * MIN
        if minute % 2 == 0:  # the usual rate goes on
            posts.record([now - 30], now, "@earshot_co thanks for the quick delivery")
        kinds += [notice.kind for notice in watch.check(now)]
    assert kinds == [Owed.OVER]
    over = [t for t in spike_texts(office) if t.startswith("Spike over")]
    assert len(over) == 1 and len(spike_texts(office)) == 2
    assert over[0].startswith("Spike over: @earshot_co mentions back to usual (")
    assert re.search(r"it peaked at 1[45]\d, starting <!date", over[0]), over[0]
    assert office.texts(ONCALL_DM)[-1].startswith("Spike over:")
    assert len(office.texts(ONCALL_DM)) == 2


def test_sensitivity_off_means_no_alert(seeded: tuple[Office, Posts, SpikeWatch]) -> None:
    """With the scope's sensitivity off, the same burst is not told; normal is the default."""
    office, posts, watch = seeded
    client = office.services.redis
    assert spike_sensitivity(client, SCOPE) is Sensitivity.NORMAL
    set_spike_sensitivity(client, SCOPE, Sensitivity.OFF)
    assert spike_sensitivity(client, SCOPE) is Sensitivity.OFF
    burst(posts)
    assert watch.check(BURST_AT + 5 * MIN) == []
    assert spike_texts(office) == [] and office.texts(ONCALL_DM) == []


def test_slack_refusing_the_alert_is_retried_at_the_next_check(
    seeded: tuple[Office, Posts, SpikeWatch],
    slack_fake: SlackFake,
    no_unexpected_errors: list[dict[str, Any]],
) -> None:
    """Slack answers the alert with an error: the check neither crashes nor marks it sent (a
    warning says why); the next check posts it, once."""
    office, posts, watch = seeded
    burst(posts)
    refusal = Response(200, {"ok": False, "error": "internal_error"})
    slack_fake.inject(Fault("/api/chat.postMessage", refusal, count=1))
    assert watch.check(BURST_AT + 5 * MIN) == []
    assert spike_texts(office) == []
    [failed] = [e for e in no_unexpected_errors if e["event"] == "spike_message_failed"]
    assert (failed["log_level"], failed["error"], failed["step"]) == (
        "warning",
        "internal_error",
        "channel",
    )
    [notice] = watch.check(BURST_AT + 5 * MIN + 15)
    assert notice.kind is Owed.ALERT
    assert len(spike_texts(office)) == 1 and len(office.texts(ONCALL_DM)) == 1
    assert watch.check(BURST_AT + 5 * MIN + 30) == []


def test_a_track_rule_spike_goes_to_the_rules_channel_and_names_the_rule(
    office: Office, slack_fake: SlackFake
) -> None:
    """A new /track rule routed to its own channel floods in its first day: the alert goes to
    that channel, names the rule by number and name, and leaves the query's words out of the
    top words; a sample with a card links to the card."""
    slack_fake.set_channel("C0RULES")
    rule = TrackRule("t0", "acme outage", "U0ALICE", BURST_AT - HOUR, channel="C0RULES")
    stored = TrackStore(office.services.redis).add(rule, "sig-acme-outage")
    assert isinstance(stored, TrackRule)
    posts = Posts(SpikeCounter(office.services.redis), stored.source)
    posts.record([BURST_AT - HOUR], BURST_AT - HOUR, "acme outage")  # the rule's first poll
    carded = office.deliver("@earshot_co acme outage: checkout broken")
    counter = SpikeCounter(office.services.redis)
    for minute in range(5):
        at = BURST_AT + minute * MIN
        posts.record([at + n for n in range(20)], at + MIN, "acme outage: checkout broken, refund")
    made = datetime.fromtimestamp(BURST_AT + 299, UTC)
    counter.record(stored.source, [Mention(carded, "acme outage", ZED, made)], BURST_AT + 5 * MIN)
    [notice] = SpikeWatch(office.services).check(BURST_AT + 5 * MIN)
    assert notice.channel == "C0RULES"
    [alert] = spike_texts(office, "C0RULES")
    found = re.match(r"Spike: (\d+) mentions for rule #1 \u201cacme outage\u201d in 15 min", alert)
    assert found and 99 <= int(found.group(1)) <= 103, alert
    assert "top words: broken, checkout, refund" in alert
    assert "<https://earshot-sandbox.slack.com/archives/" in alert  # the carded sample's permalink
    assert spike_texts(office) == []


def test_the_loop_checks_until_stopped(seeded: tuple[Office, Posts, SpikeWatch]) -> None:
    """`run` checks every `check_seconds` on the injected clock until `stop` is set."""
    office, posts, _ = seeded
    burst(posts)
    office.clock.at(BURST_AT + 5 * MIN)
    watch, stop = SpikeWatch(office.services, check_seconds=0.05), threading.Event()
    loop = threading.Thread(target=watch.run, args=(stop,))
    loop.start()
    try:
        wait_for(lambda: spike_texts(office), what="the spike alert")
    finally:
        stop.set()
        loop.join(timeout=5)
    assert not loop.is_alive() and len(spike_texts(office)) == 1


def test_a_post_recorded_twice_counts_once(office: Office) -> None:
    """The same batch recorded again (a retried ingest) changes neither the count nor the
    words; DMs and a first poll's backlog (made before the scope first recorded) are left
    out; the watcher forgets scopes idle for hours."""
    client = office.services.redis
    posts, store = Posts(SpikeCounter(client)), SpikeStore(client)
    posts.record([BURST_AT - 2 * MIN], BURST_AT, "backlog from before we listened")
    made = datetime.fromtimestamp(BURST_AT + 10, UTC)
    batch = [Mention(str(n), "checkout broken", ZED, made) for n in range(1, 31)]
    dm = Mention("99", "private words", ZED, made, kind="dm")
    counter = SpikeCounter(client)
    assert counter.record(SCOPE, [*batch, dm], BURST_AT + MIN) == 30
    counter.record(SCOPE, batch, BURST_AT + 2 * MIN)
    [(count, _, _)] = store.readings([SCOPE], BURST_AT + 2 * MIN).values()
    assert count == 30
    assert store.word_scores(SCOPE, BURST_AT + 2 * MIN) == [("broken", 30.0), ("checkout", 30.0)]
    assert store.active_scopes(BURST_AT + 2 * MIN) == [SCOPE]
    assert store.active_scopes(BURST_AT + 4 * HOUR) == []


def test_a_flood_on_bluesky_is_alerted_as_one_and_says_where(office: Office) -> None:
    """Bluesky's mentions are a scope of their own: a burst there alerts, and the alert says
    the mentions are on Bluesky (not the X handle's)."""
    posts = Posts(SpikeCounter(office.services.redis), "bluesky:mentions")
    posts.record([BURST_AT - HOUR], BURST_AT - HOUR, "hello")  # its first poll, a day ago
    burst(posts)
    [notice] = SpikeWatch(office.services).check(BURST_AT + 5 * MIN)
    [alert] = spike_texts(office)
    assert re.match(r"Spike: 14\d mentions on Bluesky in 15 min", alert), alert
    assert "@earshot_co" not in alert and notice.channel == MENTIONS_CHANNEL
