"""Per-rule SLA targets: which selectors a case answers to, and what `rule <word>` may name."""

from __future__ import annotations

from bot.domain.policy import SlaConfig, sla_selector
from bot.domain.track_rule import MARK_HIGH_PRIORITY, MARK_VIP


def test_the_tightest_matching_selector_wins_else_the_default() -> None:
    """Rule ids, `vip` (the VIP mark) and `priority:high` (the high-priority mark) all select;
    the smallest matching target wins; a case matching none gets the default target."""
    sla = SlaConfig(target=3600, per_rule={"t1": 1800, "vip": 300, "priority:high": 600})
    assert sla.target_for(("t1",)) == 1800
    assert sla.target_for(("mentions", "t1"), (MARK_HIGH_PRIORITY,)) == 600
    assert sla.target_for(("t1",), (MARK_HIGH_PRIORITY, MARK_VIP)) == 300
    assert sla.target_for(("mentions",), ("something-else",)) == 3600


def test_selectors_are_normalised_and_unknown_ones_are_none() -> None:
    """`T3`/`3` name rule t3 only while it exists; `VIP`, `Priority:High` and `mentions` are
    fixed selectors; anything else is None."""
    assert sla_selector("T3", ["t3"]) == "t3" and sla_selector("3", ["t3"]) == "t3"
    assert sla_selector("t4", ["t3"]) is None
    assert sla_selector("VIP", []) == "vip"
    assert sla_selector("Priority:High", []) == "priority:high"
    assert sla_selector("mentions", []) == "mentions"
    assert sla_selector("priority:low", ["t3"]) is None and sla_selector("vipp", []) is None
