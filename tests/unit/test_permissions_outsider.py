"""Slack's `is_stranger` users count as another organisation for every permission check."""

from __future__ import annotations

from bot.domain.acting import acting_refusal
from bot.domain.permissions import Person, sending_refusal


def test_a_stranger_from_users_info_may_neither_send_nor_act() -> None:
    """users.info with `is_stranger: true` (even showing our team id) makes a Person from
    another organisation: refused sending and acting, told to ask a full member."""
    stranger = Person.from_slack({"id": "U9", "name": "s", "team_id": "T1", "is_stranger": True})
    member = Person.from_slack({"id": "U8", "name": "m", "team_id": "T1"})
    assert stranger.is_outsider("T1") and not member.is_outsider("T1")
    assert "other organisations" in str(sending_refusal(stranger, "T1"))
    refusal = str(acting_refusal(stranger, "T1", "change /track rules"))
    assert "other organisations" in refusal and "Ask a full member" in refusal
    assert sending_refusal(member, "T1") is None and acting_refusal(member, "T1", "x") is None
