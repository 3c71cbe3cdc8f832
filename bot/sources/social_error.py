"""A failed call to a network other than X, in words a person can act on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Literal

Kind = Literal["unauthorized", "rate_limited", "not_found", "bad_request", "server", "network"]


class SocialError(Exception):
    """`kind` for the code; `explain(action)` for the person. Subclasses name the network
    and the settings that hold its credentials."""

    network: ClassVar[str] = "The network"
    credentials: ClassVar[str] = "its credentials"

    def __init__(
        self, kind: Kind, detail: str, *, status: int | None = None, retry_at: float | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.status, self.retry_at = kind, detail, status, retry_at

    @property
    def user_text(self) -> str:
        return self.explain("reply")

    def explain(self, action: str) -> str:
        """What happened to the `action` (reply, like, repost...), and what to do."""
        if self.kind == "unauthorized":
            return (
                f"{self.network} refused Earshot's credentials: an admin needs to check "
                f"{self.credentials}. Nothing was posted."
            )
        if self.kind == "rate_limited":
            when = (
                datetime.fromtimestamp(self.retry_at, UTC).strftime("%H:%M UTC")
                if self.retry_at
                else "in a few minutes"
            )
            return f"{self.network} is rate limiting Earshot; try again at {when}."
        if self.kind == "not_found":
            return f"{self.network} says the post is gone: there is nothing to answer."
        if self.kind == "bad_request":
            return f"{self.network} refused the {action}: {self.detail[:200]}"
        return (
            f"{self.network} did not answer, so Earshot cannot tell whether the {action} went "
            "out. Try again: the same reply to the same post is never posted twice."
        )
