"""Approval mode: drafts from people outside the approvers group wait in the thread for a yes.

Every button re-reads the draft's state and changes it in one atomic step (ApprovalStore.move),
so a stale Approve after an Edit, or Approve and Reject pressed at once, post at most once.
"""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.approval import approval_blocks, final_blocks, final_text, handled_text
from bot.casework.cards import case_thread, channel_pace, post_message
from bot.casework.people import person
from bot.casework.sending import ALREADY_ANSWERED, SendOutcome, send_reply
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.permissions import Person
from bot.services import Services
from bot.store.approvals import FINAL, Approval, ApprovalState, ApprovalStore
from bot.store.audit import AuditLog

log = structlog.get_logger()
PENDING, SENDING = ApprovalState.PENDING, ApprovalState.SENDING
NOT_SENT_ANSWERED = (
    f"{ALREADY_ANSWERED} The draft still waits: Reject it, or press Reply on the card to send "
    "a second reply on purpose."
)


def request_approval(
    services: Services, case: Case, target: Mention, drafter: Person, text: str
) -> None:
    """Put the draft up for approval in the case's thread. `target` is the post it answers
    (the case's own, or a follow-up): an approved send goes to that post."""
    store = ApprovalStore(services.redis)
    approval_id = store.create(target.post_id, text, drafter.id)
    AuditLog(services.redis).record(
        case.post_id, "reply_drafted", drafter.id, drafter.real_name, text=text
    )
    threaded = case_thread(services, case)  # a draft is talked over in the case's own thread
    if threaded is None:
        return
    case = threaded
    try:
        posted = post_message(  # takes its turn: a draft in a busy channel arrives late
            services.slack,
            pace=channel_pace(services),
            channel=case.channel,
            thread_ts=case.ts,
            text=f"Draft reply by <@{drafter.id}>",
            blocks=approval_blocks(approval_id, drafter.id, text),
        )
    except (SlackApiError, OSError) as error:
        log.warning("approval_post_failed", post_id=case.post_id, error=repr(error))
        return
    store.set_message(approval_id, str(posted.get("channel", case.channel)), str(posted["ts"]))


def pending_approval(services: Services, approval_id: str) -> Approval | None:
    return ApprovalStore(services.redis).get(approval_id)


def refusal_to_decide(services: Services, approval: Approval | None) -> str | None:
    """Why no button of this draft may act now (None: it is pending). A settled draft's message
    is brought to its final state again, in case an earlier update was lost."""
    if approval is not None and approval.state is PENDING:
        return None
    if approval is not None and approval.state in FINAL:
        show_final(services, approval)
    return handled_text(approval)


def reject(services: Services, approval: Approval, case: Case, user: Person) -> str | None:
    """Reject the draft; returns what to tell the person when someone else got there first."""
    store = ApprovalStore(services.redis)
    moved, _before = store.move(approval.id, ApprovalState.REJECTED, user.id, [PENDING])
    if not moved:
        return handled_text(store.get(approval.id))
    AuditLog(services.redis).record(
        case.post_id, "reply_rejected", user.id, user.real_name, drafted_by=approval.drafter
    )
    _show_settled(services, approval.id)
    return None


def send_approved(
    services: Services,
    approval: Approval,
    found: tuple[Case, Mention],
    approver: Person,
    *,
    text: str | None = None,
    unanswered_only: bool = True,
) -> SendOutcome:
    """Send the draft (or the approver's edit of it, `text`) if it is still pending, once.

    The draft is held as `sending` while the reply is in flight; it ends `sent`, or
    `superseded` when an edit went out instead, or goes back to `pending` when X refused.
    """
    case, mention = found
    store = ApprovalStore(services.redis)
    moved, _before = store.move(approval.id, SENDING, approver.id, [PENDING])
    if not moved:
        return SendOutcome(False, handled_text(store.get(approval.id)))
    drafter = person(services, approval.drafter) or Person(approval.drafter, "", "", "")
    final = ApprovalState.SENT if text in (None, approval.text) else ApprovalState.SUPERSEDED
    # An exception leaves it `sending` (the reply may be out) until that goes stale.
    outcome = send_reply(
        services,
        case,
        mention,
        approval.text if text is None else text,
        approver,
        drafted_by=drafter,
        unanswered_only=unanswered_only,
    )
    if outcome.sent:
        store.move(approval.id, final, approver.id, [SENDING, PENDING])
        _show_settled(services, approval.id)
    else:
        store.move(approval.id, PENDING, approver.id, [SENDING])
    return outcome


def approve(
    services: Services, approval: Approval, found: tuple[Case, Mention], approver: Person
) -> str | None:
    """Approve: the same "already answered" rule as any send. Returns what to tell the
    approver when nothing was sent (None when the reply went out)."""
    if found[0].answered:
        return NOT_SENT_ANSWERED
    outcome = send_approved(services, approval, found, approver)
    if outcome.sent:
        return None
    if outcome.message == ALREADY_ANSWERED:
        return NOT_SENT_ANSWERED
    return f"Not sent: {outcome.message}"


def _show_settled(services: Services, approval_id: str) -> None:
    settled = ApprovalStore(services.redis).get(approval_id)
    if settled is not None:
        show_final(services, settled)


def show_final(services: Services, approval: Approval) -> None:
    """Replace the Approve / Edit / Reject message with how the draft ended (no buttons)."""
    if not approval.channel or not approval.ts:
        return
    try:
        services.slack.chat_update(
            channel=approval.channel,
            ts=approval.ts,
            text=final_text(approval),
            blocks=final_blocks(approval),
        )
    except (SlackApiError, OSError) as error:
        log.warning("approval_update_failed", post_id=approval.post_id, error=repr(error))
