"""Resolving and reopening a case: which reasons count, what a note may hold, what the card says."""

from __future__ import annotations

from bot.domain.case import RESOLVE_REASONS, CaseStatus

MAX_NOTE_LENGTH = 500

# A case may be resolved from any open state, and only a resolved case can be reopened.
RESOLVABLE_FROM = frozenset(
    {
        CaseStatus.NEW,
        CaseStatus.CLAIMED,
        CaseStatus.REPLIED,
        CaseStatus.ESCALATED,
        CaseStatus.CUSTOMER_REPLIED,
        CaseStatus.REPLIED_ON_X,
        CaseStatus.DELETED,
    }
)
REOPENABLE_FROM = frozenset({CaseStatus.RESOLVED})


def resolve_problem(reason: str | None, note: str) -> tuple[str, str] | None:
    """(field, message) when the resolve form cannot be accepted; None when it can."""
    if not reason:
        return "reason", "Choose why this case is resolved."
    if reason not in RESOLVE_REASONS:
        return "reason", "Choose one of the reasons in the list."
    if len(note) > MAX_NOTE_LENGTH:
        return "note", f"Keep the note under {MAX_NOTE_LENGTH} characters."
    return None


def resolution_note(reason: str, note: str) -> str:
    """What the card's status line says after "Resolved by @user": the reason, then the note."""
    label = RESOLVE_REASONS.get(reason, reason)
    note = " ".join(note.split())
    return f"{label}: {note}" if note else label
