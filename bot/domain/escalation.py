"""Escalating a case: the form (where, which team, how urgent, a note) and what the card says."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

SEVERITIES: dict[str, str] = {
    "low": "Low",
    "normal": "Normal",
    "high": "High",
    "urgent": "Urgent",
}
DEFAULT_SEVERITY = "normal"
MAX_TEAM_LENGTH = 30
MAX_NOTE_LENGTH = 1000

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,30}$")
# Team names as /oncall names rotations (issue 6): lower-case letters, digits, - and _.
_TEAM_NAME = re.compile(r"^[a-z0-9_-]+$")


@dataclass(frozen=True, slots=True)
class EscalationForm:
    """What the person chose in the Escalate modal."""

    channel: str
    team: str = ""
    severity: str = DEFAULT_SEVERITY
    note: str = ""


def team_key(typed: str) -> str:
    """A team as typed ("Billing ") as /oncall stores it ("billing")."""
    return typed.strip().lower()


def escalation_problem(
    form: EscalationForm, known_teams: Collection[str] = ()
) -> tuple[str, str] | None:
    """(field, message) when the escalation cannot be accepted; None when it can.

    `known_teams` are the teams with an on-call rotation: when there are any, a team name must be
    one of them (a typo would silently page nobody).
    """
    if not form.channel:
        return "channel", "Choose the channel to escalate to."
    if not _CHANNEL_ID.match(form.channel):
        return "channel", "Choose a channel (not a person or a direct message)."
    if len(form.team) > MAX_TEAM_LENGTH:
        return "team", f"Keep the team name to {MAX_TEAM_LENGTH} characters at most."
    if form.team and not _TEAM_NAME.match(form.team):
        return "team", "Use letters, digits, - or _ only (for example: billing)."
    if form.team and known_teams and form.team not in known_teams:
        teams = ", ".join(sorted(known_teams)[:10])
        return "team", f"No on-call rotation is called {form.team}. Teams: {teams}."
    if form.severity not in SEVERITIES:
        return "severity", "Choose a severity: low, normal, high or urgent."
    if len(form.note) > MAX_NOTE_LENGTH:
        return "note", f"Keep the note under {MAX_NOTE_LENGTH} characters."
    return None


def escalation_status_note(form: EscalationForm, channel_name: str | None) -> str:
    """After "Escalated by @user" on the card: where to, which team, how urgent."""
    where = f"#{channel_name}" if channel_name else "the escalation channel"
    parts = [f"to {where}"]
    if form.team:
        parts.append(f"team {form.team}")
    parts.append(SEVERITIES.get(form.severity, form.severity))
    return " · ".join(parts)
