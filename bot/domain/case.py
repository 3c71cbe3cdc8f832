"""The case a mention becomes once its card is in Slack: where it lives and what state it is in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class CaseStatus(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    REPLIED = "replied"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CUSTOMER_REPLIED = "customer_replied"  # a follow-up came in: the case is open again
    REPLIED_ON_X = "replied_on_x"  # the brand account replied in X's own app, outside Earshot
    DELETED = "deleted"  # the author deleted the post: nothing left to answer


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: "New",
    CaseStatus.CLAIMED: "Claimed",
    CaseStatus.REPLIED: "Replied",
    CaseStatus.ESCALATED: "Escalated",
    CaseStatus.RESOLVED: "Resolved",
    CaseStatus.CUSTOMER_REPLIED: "Customer replied",
    CaseStatus.REPLIED_ON_X: "Replied on X",
    CaseStatus.DELETED: "Deleted by the author",
}
ANSWERED = frozenset({CaseStatus.REPLIED, CaseStatus.REPLIED_ON_X})

RESOLVE_REASONS: dict[str, str] = {
    "answered_elsewhere": "Answered elsewhere",
    "no_reply_needed": "No reply needed",
    "spam": "Spam",
    "not_for_us": "Not for us",
}


@dataclass(frozen=True, slots=True)
class Case:
    """What the store keeps for one delivered mention (post id <-> channel + message ts)."""

    post_id: str
    channel: str
    ts: str
    status: CaseStatus = CaseStatus.NEW
    status_by: str | None = None  # Slack user id of whoever last changed the status
    status_note: str | None = None  # e.g. the reply link or the resolve reason
    status_at: float | None = None
    claimed_by: str | None = None  # set while a claim is live (it expires on its own)
    claimed_until: float | None = None
    claimed_at: float | None = None
    liked_by: str | None = None
    reposted_by: str | None = None
    dm_by: str | None = None  # who moved the case to direct messages
    muted_by: str | None = None  # who muted the author (their posts join this case quietly)
    muted_until: float | None = None
    copies: int = 0  # posts of the same text by other accounts, threaded into this case
    copy_authors: tuple[str, ...] = ()  # the first few of their @handles
    # What the optional AI helper said of the post: a suggestion, never sent by itself.
    ai_kind: str | None = None
    ai_sentiment: str | None = None
    ai_draft: str | None = None
    # Shown in a group message (several cases in one, while the channel was busy): its ts.
    group_ts: str | None = None
    card_link: str | None = None  # the case's own card, once it has one (after a group)

    @property
    def answered(self) -> bool:
        return self.status in ANSWERED

    @property
    def grouped(self) -> bool:
        """Still shown only in its group message: its thread needs its own card first."""
        return self.group_ts is not None and self.group_ts == self.ts
