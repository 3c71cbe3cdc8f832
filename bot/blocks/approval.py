"""The approval message in a card's thread: Approve / Edit / Reject while pending, then its end."""

from __future__ import annotations

from typing import Any

from bot.blocks.text import escape_and_truncate, mrkdwn
from bot.store.approvals import Approval, ApprovalState

QUOTE_LIMIT = 2800  # a section's text holds 3000 characters


def quoted(text: str) -> str:
    return "\n".join("> " + line for line in escape_and_truncate(text, QUOTE_LIMIT).splitlines())


def approval_blocks(approval_id: str, drafter: str, text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "text": mrkdwn(f"Draft reply by <@{drafter}> waiting for an approver:\n{quoted(text)}"),
        },
        {
            "type": "actions",
            "block_id": "approval",
            "elements": [
                _button("Approve", "approval_approve", approval_id, "primary"),
                _button("Edit", "approval_edit", approval_id, None),
                _button("Reject", "approval_reject", approval_id, "danger"),
            ],
        },
    ]


def _button(label: str, action_id: str, value: str, style: str | None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }
    if style:
        button["style"] = style
    return button


def final_text(approval: Approval) -> str:
    """One line on how the draft ended (the message's fallback text, and what it says)."""
    drafter, by = f"<@{approval.drafter}>", f"<@{approval.state_by}>"
    return {
        ApprovalState.SENT: f"Draft reply by {drafter} approved by {by} and sent.",
        ApprovalState.REJECTED: f"Draft reply by {drafter} rejected by {by}; nothing was sent.",
        ApprovalState.SUPERSEDED: (
            f"Draft reply by {drafter} edited by {by}; the edited reply was sent instead."
        ),
    }.get(approval.state, f"Draft reply by {drafter} waiting for an approver.")


def final_blocks(approval: Approval) -> list[dict[str, Any]]:
    """The message once the draft is settled: what happened, the draft, and no buttons."""
    return [{"type": "section", "text": mrkdwn(f"{final_text(approval)}\n{quoted(approval.text)}")}]


def handled_text(approval: Approval | None) -> str:
    """Told privately to whoever presses a button of a draft that is no longer pending."""
    if approval is None:
        return "This draft is gone (it was handled or it expired after 7 days). Nothing was sent."
    by = f"<@{approval.state_by}>"
    return {
        ApprovalState.SENDING: f"{by} is sending this draft right now; nothing else was done.",
        ApprovalState.SENT: f"{by} already approved and sent this draft; nothing else was sent.",
        ApprovalState.REJECTED: f"{by} already rejected this draft; nothing was sent.",
        ApprovalState.SUPERSEDED: (
            f"{by} already edited this draft and sent the edited reply; nothing else was sent."
        ),
    }.get(approval.state, "This draft is still waiting for an approver.")
