"""Unexpected failures that know what they mean for the person, told instead of the generic text."""

from __future__ import annotations


class ExplainedError(Exception):
    """Raised when the generic "something went wrong" would mislead: `user_text` says what
    actually happened (for example that a public reply may already be on X)."""

    def __init__(self, user_text: str) -> None:
        super().__init__(user_text)
        self.user_text = user_text
