"""Spike detection without Redis: the baseline, the thresholds, one storm's states, the text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.blocks.spike import (
    SECTION_LIMIT,
    SpikeFacts,
    SpikeSubject,
    ratio_text,
    spike_alert,
    spike_over,
)
from bot.domain.spike import (
    CALM_SECONDS,
    COOLDOWN_SECONDS,
    HOURS_PER_WEEK,
    MATURE_FLOOR,
    NEW_FLOOR,
    YOUNG_FLOOR,
    Baseline,
    Owed,
    Phase,
    Sensitivity,
    StormState,
    advance,
    baseline,
    hour_index,
    hour_of_week,
    post_words,
    ratio,
    threshold,
    top_words,
)

WED_10_UTC = datetime(2026, 11, 25, 10, 0, tzinfo=UTC).timestamp()
MIN = 60


def weekly_history(now: float, counts: list[int]) -> dict[int, int]:
    """`counts[k]` mentions in the same hour of the week, k + 1 weeks before `now`."""
    current = hour_index(now)
    return {current - HOURS_PER_WEEK * (k + 1): count for k, count in enumerate(counts)}


def test_hour_of_week_counts_from_monday_midnight_utc() -> None:
    """Hour 0 is Monday 00:00-01:00 UTC and 167 Sunday 23:00-24:00, whatever the local zone."""
    assert hour_of_week(datetime(2026, 11, 23, 0, 0, tzinfo=UTC).timestamp()) == 0
    assert hour_of_week(datetime(2026, 11, 23, 0, 59, tzinfo=UTC).timestamp()) == 0
    assert hour_of_week(datetime(2026, 11, 25, 10, 30, tzinfo=UTC).timestamp()) == 2 * 24 + 10
    assert hour_of_week(datetime(2026, 11, 29, 23, 59, tzinfo=UTC).timestamp()) == 167
    assert hour_of_week(0) == 72  # 1970-01-01 was a Thursday
    rome = datetime.fromisoformat("2026-11-25T10:00:00+01:00").timestamp()
    assert hour_of_week(rome) == 2 * 24 + 9


def test_the_baseline_is_the_median_of_the_same_hour_so_one_bad_week_does_not_move_it() -> None:
    """Eight weeks of 40 an hour at this hour of the week, one of them an outage with 4,000:
    the usual 15 minutes is still 10, and the scope is judged as mature (floor 1)."""
    counts = weekly_history(WED_10_UTC, [40, 40, 4000, 40, 40, 40, 40, 40])
    first = hour_index(WED_10_UTC) - 9 * HOURS_PER_WEEK
    base = baseline(counts, first, WED_10_UTC)
    assert base.weeks == 8
    assert base.usual == pytest.approx(10.0)
    assert base.expected == pytest.approx(10.0)


def test_an_hour_without_a_count_since_the_scope_began_counts_as_zero() -> None:
    """Three quiet weeks (no mentions at all at this hour) give a usual of 0, raised to the
    mature floor, not an unknown."""
    first = hour_index(WED_10_UTC) - 4 * HOURS_PER_WEEK
    base = baseline({}, first, WED_10_UTC)
    assert (base.weeks, base.usual, base.expected) == (4, 0.0, MATURE_FLOOR)


def test_a_new_scope_starts_conservative() -> None:
    """No history, or less than a day: the usual is taken as at least NEW_FLOOR per 15 min;
    under three weeks at least YOUNG_FLOOR; a quiet last day counts as the usual."""
    assert baseline({}, None, WED_10_UTC) == Baseline(0.0, NEW_FLOOR, 0)
    current = hour_index(WED_10_UTC)
    assert baseline({current - 1: 4}, current - 2, WED_10_UTC).expected == NEW_FLOOR
    two_days = baseline({}, current - 48, WED_10_UTC)
    assert (two_days.weeks, two_days.expected) == (0, YOUNG_FLOOR)
    # Normal sensitivity: 40 in 15 minutes for a brand-new scope, 20 once it has 3 weeks.
    assert threshold(Sensitivity.NORMAL, baseline({}, None, WED_10_UTC)) == 40
    mature = baseline({}, current - 4 * HOURS_PER_WEEK, WED_10_UTC)
    assert threshold(Sensitivity.NORMAL, mature) == 20


def test_with_under_three_weeks_the_last_day_is_blended_in() -> None:
    """One past week (80 that hour) and a last day of 20 an hour: a third of the week's figure,
    two thirds of the day's: (80/3 + 2*20/3) / 4 = 10 per 15 minutes."""
    current = hour_index(WED_10_UTC)
    counts = {current - HOURS_PER_WEEK: 80} | {current - h: 20 for h in range(1, 25)}
    base = baseline(counts, current - HOURS_PER_WEEK - 5, WED_10_UTC)
    assert base.weeks == 1
    assert base.usual == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("sensitivity", "quiet_scope", "busy_scope"),
    [
        (Sensitivity.LOW, 50, 200),
        (Sensitivity.NORMAL, 20, 100),
        (Sensitivity.HIGH, 10, 60),
    ],
)
def test_each_sensitivity_has_a_factor_and_a_minimum(
    sensitivity: Sensitivity, quiet_scope: float, busy_scope: float
) -> None:
    """A scope usually at 1 per 15 min alerts at the sensitivity's minimum count; one usually
    at 20 at 10x, 5x or 3x that."""
    assert threshold(sensitivity, Baseline(1.0, 1.0, 8)) == quiet_scope
    assert threshold(sensitivity, Baseline(20.0, 20.0, 8)) == busy_scope


def test_sensitivity_off_never_alerts() -> None:
    """Off: no threshold, and a storm in progress ends without a word."""
    base = Baseline(1.0, 1.0, 8)
    assert threshold(Sensitivity.OFF, base) is None
    assert advance(StormState(), 10_000, base, Sensitivity.OFF, WED_10_UTC) == StormState()
    storming = advance(StormState(), 500, base, Sensitivity.NORMAL, WED_10_UTC)
    stopped = advance(storming, 500, base, Sensitivity.OFF, WED_10_UTC + MIN)
    assert (stopped.phase, stopped.owed) == (Phase.QUIET, Owed.NOTHING)


def delivered(state: StormState) -> StormState:
    """What the watcher leaves once the owed message went out."""
    return replace(state, owed=Owed.NOTHING)


def test_one_storm_is_one_alert_and_one_all_clear_then_quiet() -> None:
    """Quiet -> 140 in 15 min: an alert is owed, once, however many checks see the storm ->
    the rate falls under 1.5x the usual; after 15 calm minutes one all-clear -> quiet."""
    base, normal = Baseline(10.0, 10.0, 8), Sensitivity.NORMAL
    now = WED_10_UTC
    state = advance(StormState(), 49, base, normal, now)
    assert state == StormState()  # 49 < 5 x 10
    state = advance(state, 140, base, normal, now)
    assert (state.phase, state.owed, state.storm) == (Phase.SPIKING, Owed.ALERT, 1)
    state = delivered(state)
    owed = []
    for minute in range(1, 20):
        state = advance(state, 150 + minute, base, normal, now + minute * MIN)
        owed.append(state.owed)
    assert set(owed) == {Owed.NOTHING} and state.peak == 169
    calm_at = now + 30 * MIN
    state = advance(state, 12, base, normal, calm_at)  # 12 < 15: calming, not over yet
    assert (state.phase, state.calm_since) == (Phase.SPIKING, calm_at)
    state = advance(state, 14, base, normal, calm_at + CALM_SECONDS - 1)
    assert state.phase is Phase.SPIKING
    state = advance(state, 14, base, normal, calm_at + CALM_SECONDS)
    assert (state.phase, state.owed, state.last_peak) == (Phase.QUIET, Owed.OVER, 169)
    state = delivered(state)
    assert advance(state, 10, base, normal, calm_at + CALM_SECONDS + MIN) == state


def test_a_rise_during_the_calm_period_keeps_the_storm_open() -> None:
    """Calm for 10 minutes, then back above 1.5x the usual: the calm clock starts over."""
    base, normal = Baseline(10.0, 10.0, 8), Sensitivity.NORMAL
    state = delivered(advance(StormState(), 140, base, normal, WED_10_UTC))
    state = advance(state, 5, base, normal, WED_10_UTC + 10 * MIN)
    state = advance(state, 40, base, normal, WED_10_UTC + 20 * MIN)
    assert (state.phase, state.calm_since) == (Phase.SPIKING, None)


def over(state: StormState, base: Baseline, now: float) -> StormState:
    state = advance(state, 0, base, Sensitivity.NORMAL, now)
    return delivered(advance(state, 0, base, Sensitivity.NORMAL, now + CALM_SECONDS))


def test_a_second_storm_within_the_cooldown_is_followed_silently_unless_much_bigger() -> None:
    """An hour after an all-clear a new storm is not alerted (nor its end) unless it reaches
    twice the last storm's peak; after the hour, a storm alerts again."""
    base, normal = Baseline(10.0, 10.0, 8), Sensitivity.NORMAL
    state = delivered(advance(StormState(), 140, base, normal, WED_10_UTC))
    state = over(state, base, WED_10_UTC + 5 * MIN)
    ended = state.ended_at
    assert ended is not None
    again = advance(state, 150, base, normal, ended + 10 * MIN)
    assert (again.phase, again.announced, again.owed) == (Phase.SPIKING, False, Owed.NOTHING)
    quiet_end = over(again, base, ended + 20 * MIN)
    assert (quiet_end.phase, quiet_end.owed) == (Phase.QUIET, Owed.NOTHING)
    bigger = advance(again, 280, base, normal, ended + 12 * MIN)
    assert (bigger.announced, bigger.owed) == (True, Owed.ALERT)
    later = advance(
        quiet_end, 150, base, normal, ended + 20 * MIN + CALM_SECONDS + COOLDOWN_SECONDS
    )
    assert (later.owed, later.storm) == (Owed.ALERT, 3)


def test_an_all_clear_not_yet_sent_is_dropped_when_a_new_storm_starts() -> None:
    """Slack never took the all-clear and a new storm begins: the new storm owes only its own
    alert (or nothing), never the old all-clear under its name."""
    base, normal = Baseline(10.0, 10.0, 8), Sensitivity.NORMAL
    state = delivered(advance(StormState(), 140, base, normal, WED_10_UTC))
    state = advance(
        advance(state, 0, base, normal, WED_10_UTC + MIN),
        0,
        base,
        normal,
        WED_10_UTC + MIN + CALM_SECONDS,
    )
    assert state.owed is Owed.OVER
    again = advance(state, 150, base, normal, WED_10_UTC + 30 * MIN)
    assert again.owed is Owed.NOTHING and again.storm == 2


def test_top_words_leave_out_stop_words_urls_handles_and_the_brand() -> None:
    """Words of a post: casefolded, once each, without URLs, @handles, numbers, short or stop
    words; the brand's name and a rule's query are left out of the top words."""
    text = (
        "@acme The LOGIN is down!!! https://t.co/xyz www.acme.com 500 errors, login fails #outage"
    )
    assert post_words(text) == ("login", "down", "errors", "fails", "outage")
    assert post_words("Don\u2019t panic, it's fine") == ("panic", "fine")
    scores = [("acme", 90.0), ("outage", 50.0), ("login", 50.0), ("app", 20.0), ("down", 5.0)]
    assert top_words(scores, exclude=("acme",)) == ("login", "outage", "app")
    assert top_words(scores, exclude=("acme", "acme outage -is:retweet")) == (
        "login",
        "app",
        "down",
    )


def test_ratio_text() -> None:
    """Whole numbers from 3x up, one decimal below; the ratio is against the baseline used."""
    assert ratio_text(9.33) == "9\u00d7 the usual"
    assert ratio_text(14.0) == "14\u00d7 the usual"
    assert ratio_text(2.5) == "2.5\u00d7 the usual"
    assert ratio_text(2.0) == "2\u00d7 the usual"
    assert ratio(140, Baseline(15.0, 15.0, 8).expected) == pytest.approx(9.33, abs=0.01)
    assert ratio(140, Baseline(0.2, NEW_FLOOR, 0).expected) == pytest.approx(17.5)


def test_the_alert_reads_like_the_example() -> None:
    """Brand mentions: "Spike: 140 mentions of @acme in 15 min, 9x the usual · top words: …
    · 3 samples" with the samples linked; a rule is named by number and name."""
    samples = tuple(f"https://x.com/i/web/status/{n}" for n in (1, 2, 3))
    facts = SpikeFacts(SpikeSubject(brand="acme"), 140, 15.0, ("outage", "login", "app"), samples)
    text, blocks = spike_alert(facts)
    assert text.startswith(
        "Spike: 140 mentions of @acme in 15 min, 9\u00d7 the usual \u00b7 "
        "top words: outage, login, app \u00b7 3 samples: <https://x.com/i/web/status/1|1>"
    )
    assert blocks[0]["text"]["text"] == text
    rule = SpikeSubject(rule_number=3, rule_text="acme outage")
    rule_text, _ = spike_alert(SpikeFacts(rule, 140, 15.0))
    assert (
        rule_text
        == "Spike: 140 mentions for rule #3 \u201cacme outage\u201d in 15 min, 9\u00d7 the usual"
    )
    over_text, _ = spike_over(SpikeSubject(brand="acme"), 6, 15.0, 160, WED_10_UTC)
    assert over_text.startswith("Spike over: @acme mentions back to usual (6 in the last 15 min")
    assert "peaked at 160" in over_text


def test_the_alert_stays_within_block_kit_limits_and_escapes_user_text() -> None:
    """A rule name of 10,000 characters full of <!channel>, huge words and sample URLs: the
    text still says Spike, no section passes 3,000 characters, nothing can ping or link."""
    subject = SpikeSubject(rule_number=7, rule_text="<!channel> & " * 800)
    facts = SpikeFacts(
        subject,
        10**9,
        1.0,
        ("<@U1>" * 500, "w" * 5000, "x" * 5000, "y" * 5000),
        ("https://x.com/" + "a" * 5000, "https://ok.example/1|<!here>", "https://ok.example/2"),
    )
    text, blocks = spike_alert(facts)
    assert "Spike" in text and len(text) <= SECTION_LIMIT
    for block in blocks:
        shown = block["text"]["text"] if "text" in block else block["elements"][0]["text"]
        assert len(shown) <= SECTION_LIMIT
    assert "<!channel>" not in text and "<@U1>" not in text and "<!here>" not in text
    assert "<https://ok.example/2|1>" in text  # the only usable sample
    over_text, over_blocks = spike_over(subject, 3, 1.0, 10**9, WED_10_UTC)
    assert over_text.startswith("Spike over") and len(over_blocks[0]["text"]["text"]) <= 3000


def test_a_subject_on_another_network_says_which() -> None:
    on_bluesky = SpikeSubject(brand="earshot.bsky.social", network="Bluesky")
    assert on_bluesky.alert_phrase() == "of @earshot.bsky.social on Bluesky"
    assert on_bluesky.over_phrase() == "@earshot.bsky.social mentions on Bluesky"
    assert SpikeSubject(network="Mastodon").alert_phrase() == "on Mastodon"
