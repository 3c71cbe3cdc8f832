"""Merging sources into one card, VIPs, cost estimates, the budget and adaptive polling."""

from __future__ import annotations

import pytest

from bot.domain.mention import Author
from bot.domain.track_cost import (
    RateWindow,
    apply_budget,
    error_backoff,
    monthly_cost,
    next_interval,
    posts_per_day,
    sample_rate,
)
from bot.domain.track_rule import (
    MARK_HIGH_PRIORITY,
    MARK_VIP,
    MENTIONS_SOURCE,
    Priority,
    TrackRule,
    VipPolicy,
    decide,
    rule_id_from,
)

DEFAULT = "C0MENTIONS"
NOBODY = Author(id="1", username="someone", name="Someone", followers=10)


def rule(number: int, **fields: object) -> TrackRule:
    return TrackRule(id=f"t{number}", query=f"q{number}", created_by="U1", created_at=1.0, **fields)  # type: ignore[arg-type]


def test_one_decision_lists_every_source_and_routes_to_the_highest_priority_rule() -> None:
    """Mentions + a normal rule + a high one: all listed (mentions first, then by id; stable
    ids for other features, labels for the card), the card goes to the high rule's channel and
    is marked high priority."""
    rules = {
        "t1": rule(1, channel="C0A", name="App"),
        "t2": rule(2, channel="C0B", priority=Priority.HIGH),
    }
    decision = decide(
        {"track:t2", MENTIONS_SOURCE, "track:t1"}, rules, NOBODY, VipPolicy(), DEFAULT
    )
    assert decision.channel == "C0B"
    assert decision.rules == ("mentions", "t1", "t2")
    assert decision.labels == ("mentions", "App (t1)", "q2 (t2)")
    assert decision.marks == (MARK_HIGH_PRIORITY,)


@pytest.mark.parametrize(
    ("sources", "rules", "channel"),
    [
        ({MENTIONS_SOURCE}, {}, DEFAULT),
        ({MENTIONS_SOURCE, "track:t1"}, {"t1": rule(1, channel="C0A")}, "C0A"),
        (
            {"track:t1", "track:t2"},
            {"t1": rule(1, channel="C0A"), "t2": rule(2, channel="C0B")},
            "C0A",
        ),
        ({"track:t1"}, {"t1": rule(1)}, DEFAULT),
        ({"track:t9"}, {}, DEFAULT),
        ({"track:t1", "track:t2"}, {"t1": rule(1), "t2": rule(2, channel="C0B")}, DEFAULT),
    ],
)
def test_routing_ties_and_fallbacks(
    sources: set[str], rules: dict[str, TrackRule], channel: str
) -> None:
    """At equal priority a /track rule beats the mentions timeline and the oldest rule wins;
    a rule without a channel (or a removed one) means the default channel."""
    assert decide(sources, rules, NOBODY, VipPolicy(), DEFAULT).channel == channel


def test_a_removed_rule_is_still_named_on_the_card() -> None:
    """A post matched by a rule removed since is listed by its id."""
    assert decide({"track:t4"}, {}, NOBODY, VipPolicy(), DEFAULT).labels == ("t4 (removed)",)


def test_vip_authors_by_followers_or_by_handle() -> None:
    """Enough followers, or a listed handle (any case), marks the card VIP."""
    vip = VipPolicy(followers=1000, handles=frozenset({"press"}))
    big = Author(id="2", username="big", name="Big", followers=1000)
    listed = Author(id="3", username="PRESS", name="Press", followers=1)
    assert vip.is_vip(big) and vip.is_vip(listed) and not vip.is_vip(NOBODY)
    assert not VipPolicy(followers=None).is_vip(big)
    assert decide({MENTIONS_SOURCE}, {}, big, vip, DEFAULT).marks == (MARK_VIP,)


def test_rule_ids_accept_the_forms_people_type() -> None:
    """t3, T3 and 3 are rule t3; anything else is not an id."""
    assert [rule_id_from(text) for text in ("t3", "T3", " 3 ", "t", "x3", "3a")] == [
        "t3",
        "t3",
        "t3",
        None,
        None,
        None,
    ]


def test_prices_follow_pay_per_use() -> None:
    """$0.005 per post read, $0.001 per owned read, for 30 days."""
    assert monthly_cost(100) == pytest.approx(15.0)
    assert monthly_cost(100, owned=True) == pytest.approx(3.0)


def test_early_volume_is_not_extrapolated_from_minutes() -> None:
    """The observed window is at least an hour and at most a week."""
    assert posts_per_day(10, 60) == pytest.approx(240)  # 10 in a minute: as if in an hour
    assert posts_per_day(70, 30 * 86_400) == pytest.approx(10)  # a week at most


def test_a_test_sample_rate_uses_the_span_of_a_full_page() -> None:
    """100 posts in 2 hours (page full) is 1,200 a day; 30 in the 24 h asked is 30 a day."""
    assert sample_rate(100, 7200, full_page=True, asked_seconds=86_400) == pytest.approx(1200)
    assert sample_rate(30, 500, full_page=False, asked_seconds=86_400) == pytest.approx(30)


def test_the_budget_keeps_older_rules_and_pauses_the_one_whose_volume_grew() -> None:
    """Rules fit in order; the one that just grew goes last, so it is the one paused; a cheaper
    rule after one that did not fit may still fit; no budget keeps all."""
    old = rule(1, monthly_estimate=6.0)
    grown = rule(2, monthly_estimate=8.0)
    cheap = rule(3, monthly_estimate=1.0)
    verdict = apply_budget([grown, cheap, old], 10.0, grew=frozenset({"t2"}))
    assert [r.id for r in verdict.kept] == ["t1", "t3"]
    assert [r.id for r in verdict.over] == ["t2"]
    assert verdict.total_kept == pytest.approx(7.0)
    assert apply_budget([grown, cheap, old], None).over == ()
    high = rule(4, monthly_estimate=9.5, priority=Priority.HIGH)
    assert [r.id for r in apply_budget([old, high], 10.0).over] == ["t1"]


def test_busy_rules_poll_sooner_and_quiet_ones_later() -> None:
    """A full page quarters the interval; quiet rounds stretch it up to four times."""
    kwargs = {"rate": None, "active_rules": 1, "now": 0.0}
    assert next_interval(60, last_count=100, quiet_rounds=0, **kwargs) == 15  # type: ignore[arg-type]
    assert next_interval(60, last_count=3, quiet_rounds=0, **kwargs) == 60  # type: ignore[arg-type]
    assert next_interval(60, last_count=0, quiet_rounds=4, **kwargs) == 120  # type: ignore[arg-type]
    assert next_interval(60, last_count=0, quiet_rounds=50, **kwargs) == 240  # type: ignore[arg-type]


def test_the_interval_never_outruns_the_remaining_rate_limit() -> None:
    """100 rules, 50 requests left for 600 s: each rule waits at least 600*100/(50*0.8) s; with
    nothing left, until the reset."""
    rate = RateWindow(limit=450, remaining=50, reset_at=600.0)
    wait = next_interval(60, last_count=5, quiet_rounds=0, rate=rate, active_rules=100, now=0.0)
    assert wait == pytest.approx(1500)
    spent = RateWindow(limit=450, remaining=0, reset_at=300.0)
    assert next_interval(
        60, last_count=5, quiet_rounds=0, rate=spent, active_rules=1, now=0.0
    ) == pytest.approx(301)


def test_failures_back_off_to_an_hour() -> None:
    """Doubling from the base interval (a minute at least for a refused query), capped."""
    assert error_backoff(10, 1, permanent=False) == 10
    assert error_backoff(10, 3, permanent=False) == 40
    assert error_backoff(10, 1, permanent=True) == 60
    assert error_backoff(10, 40, permanent=True) == 3600
