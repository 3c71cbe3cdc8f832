"""Direct messages: what a DM may hold, its default text, and what the card says."""

from __future__ import annotations

DM_MAX_LENGTH = 10_000  # X refuses a longer DM text (POST /2/dm_conversations/.../messages)
DEFAULT_PUBLIC_NOTE = "@{handle} We've sent you a DM 📩"


def dm_problem(text: str) -> str | None:
    """Why this DM text cannot be sent, in words for the form; None when it can."""
    body = text.strip()
    if not body:
        return "Write the direct message first: the text is empty."
    if len(body) > DM_MAX_LENGTH:
        over = len(body) - DM_MAX_LENGTH
        return f"Too long for a direct message: {len(body):,}/{DM_MAX_LENGTH:,}. Cut {over:,}."
    return None
