"""Who may resolve, reopen or escalate a case and edit the shared templates: our own staff."""

from __future__ import annotations

from bot.domain.permissions import Person


def acting_refusal(person: Person, home_team: str, what: str) -> str | None:
    """Why `person` may not do `what` ("resolve cases", ...); None when they may.

    Narrower groups (REPLY_ALLOWED_GROUPS) limit who speaks in public; tidying cases and
    escalating them stays open to every full member, so anyone can raise a hand.
    """
    if person.deleted or person.is_bot:
        return f"This account cannot {what}."
    if person.is_restricted or person.is_ultra_restricted:
        return f"Guests cannot {what}. Ask a full member of the workspace."
    if person.is_outsider(home_team):
        return (
            f"People from other organisations (Slack Connect) cannot {what}. Ask a full member "
            "of the workspace."
        )
    return None
