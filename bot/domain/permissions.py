"""Who may answer in public: everyone in the workspace except guests and outside people."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    real_name: str
    team_id: str
    is_restricted: bool = False
    is_ultra_restricted: bool = False
    is_bot: bool = False
    deleted: bool = False
    # Slack marks users of another organisation it shows us outside a shared channel.
    is_stranger: bool = False

    @classmethod
    def from_slack(cls, user: dict[str, Any]) -> Person:
        profile = user.get("profile") or {}
        return cls(
            id=str(user.get("id", "")),
            name=str(user.get("name", "")),
            real_name=str(user.get("real_name") or profile.get("real_name") or user.get("name")),
            team_id=str(user.get("team_id", "")),
            is_restricted=bool(user.get("is_restricted")),
            is_ultra_restricted=bool(user.get("is_ultra_restricted")),
            is_bot=bool(user.get("is_bot")),
            deleted=bool(user.get("deleted")),
            is_stranger=bool(user.get("is_stranger")),
        )

    def is_outsider(self, home_team: str) -> bool:
        """From another organisation (Slack Connect): another team, or a stranger to Slack."""
        return self.is_stranger or bool(home_team and self.team_id and self.team_id != home_team)


def sending_refusal(
    person: Person, home_team: str, allowed: frozenset[str] | None = None
) -> str | None:
    """Why `person` may not post publicly for the brand; None when they may."""
    if person.deleted or person.is_bot:
        return "This account cannot send replies."
    if person.is_restricted or person.is_ultra_restricted:
        return (
            "Guests cannot send public replies for the company. Ask a full member of the "
            "workspace to send it."
        )
    if person.is_outsider(home_team):
        return (
            "People from other organisations (Slack Connect) cannot send public replies "
            "for the company."
        )
    if allowed is not None and person.id not in allowed:
        return (
            "Sending replies is limited to certain user groups here. Ask someone in them, "
            "or post your draft in the card's thread."
        )
    return None
