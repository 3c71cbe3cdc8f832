"""The approval message: buttons only while pending; afterwards what happened, and no buttons."""

from __future__ import annotations

from bot.app import GENERIC_FAILURE, failure_text
from bot.blocks.approval import approval_blocks, final_blocks, handled_text
from bot.casework.sending import MAY_BE_SENT, ReplyMayBeSent
from bot.store.approvals import Approval, ApprovalState


def settled(state: ApprovalState) -> Approval:
    return Approval("a1", "19", "@al <!channel> ok", "U0BOB", state, state_by="U0ALICE")


def test_pending_has_the_three_buttons_and_settled_states_have_none() -> None:
    """Approve / Edit / Reject while pending; once sent, rejected or superseded the message
    says who did what, quotes the draft escaped (no ping), and has no actions block."""
    ids = [e["action_id"] for e in approval_blocks("a1", "U0BOB", "hi")[1]["elements"]]
    assert ids == ["approval_approve", "approval_edit", "approval_reject"]
    said = {
        ApprovalState.SENT: "approved by <@U0ALICE> and sent",
        ApprovalState.REJECTED: "rejected by <@U0ALICE>",
        ApprovalState.SUPERSEDED: "edited by <@U0ALICE>",
    }
    for state, words in said.items():
        blocks = final_blocks(settled(state))
        assert all(block["type"] != "actions" for block in blocks)
        text = blocks[0]["text"]["text"]
        assert words in text and "&lt;!channel&gt;" in text and "<!channel>" not in text


def test_a_late_press_is_told_who_settled_the_draft() -> None:
    """Pressing a button of a draft that is no longer pending says who handled it and how."""
    assert "already edited" in handled_text(settled(ApprovalState.SUPERSEDED))
    assert "is sending" in handled_text(settled(ApprovalState.SENDING))
    assert "gone" in handled_text(None)


def test_failure_texts_never_claim_nothing_was_sent() -> None:
    """The generic failure text makes no claim about X; a failure after the reply was handed
    to X is told in its own words (it may have been sent)."""
    assert "Nothing was sent" not in GENERIC_FAILURE
    assert failure_text(RuntimeError("boom")) == GENERIC_FAILURE
    assert failure_text(ReplyMayBeSent(MAY_BE_SENT)) == MAY_BE_SENT
