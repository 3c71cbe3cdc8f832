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


STATUS_LABELS: dict[CaseStatus, str] = {
    CaseStatus.NEW: "New",
    CaseStatus.CLAIMED: "Claimed",
    CaseStatus.REPLIED: "Replied",
    CaseStatus.ESCALATED: "Escalated",
    CaseStatus.RESOLVED: "Resolved",
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
