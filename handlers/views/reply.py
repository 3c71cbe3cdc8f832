"""Submitting the Reply modal: checked within Slack's 3 s, sent after the ack, exactly once."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.approval import handled_text
from bot.blocks.reply_modal import (
    ANOTHER_BLOCK,
    CALLBACK_ID,
    LIKE_BLOCK,
    TAKEOVER_BLOCK,
    TEXT_ACTION,
    checked,
    draft_value,
)
from bot.casework.approval import pending_approval, request_approval, send_approved
from bot.casework.cards import load_reply_target
from bot.casework.engage import like_post
from bot.casework.manual import record_manual_answer
from bot.casework.network_writes import length_limit
from bot.casework.people import is_approver, person, refusal_to_send
from bot.casework.reply_flow import ReplyContext, signature
from bot.casework.sending import (
    ReplyMayBeSent,
    SendOutcome,
    earlier_replies,
    keep_draft,
    send_reply,
)
from bot.domain.capabilities import can_reply_via_api
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.permissions import Person
from bot.domain.reply import compose, draft_problem
from bot.services import Services
from bot.store.approvals import ApprovalState
from bot.store.rights import revoked_rights
from handlers.actions.reply import DM_CASE, tell

log = structlog.get_logger()
NOT_APPROVER = "Only members of the approvers group can send an edit of a waiting draft."
TAMPERED = "This reply window is no longer valid. Close it and press Reply on the card again."


def submit_reply(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    services: Services = context["services"]
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    text_block = _text_block_id(values)
    user_id = body["user"]["id"]
    ctx = ReplyContext.read(services, str(view.get("private_metadata", "")))
    found = load_reply_target(services, ctx.post_id) if ctx else None
    if ctx is None or found is None or text_block is None:
        log.warning("reply_refused_bad_metadata", user=user_id)
        ack(response_action="errors", errors={text_block or "reply_text_0": TAMPERED})
        return
    case, mention = found
    draft = draft_value(values) or ""
    problems = _problems(services, case, mention, user_id, draft, values, text_block)
    if not problems and ctx.approval_id:
        problems = _approval_problems(services, ctx.approval_id, user_id, text_block)
    if problems:
        ack(response_action="errors", errors=problems)
        return
    tier, revoked = services.settings.x_access_tier, revoked_rights(services.redis)
    sender = person(services, user_id)
    ack()
    if sender is None:
        return
    final = compose(draft, signature(services, user_id))
    if not can_reply_via_api(mention, tier, revoked):
        record_manual_answer(services, case, sender, final)
        return
    if services.settings.reply_approvers_group and not is_approver(services, user_id):
        request_approval(services, case, mention, sender, final)
        return
    # Unless they chose to add a second reply, refuse if someone answered meanwhile.
    unanswered_only = not checked(values, ANOTHER_BLOCK)
    try:
        outcome = _send(services, ctx, found, sender, final, unanswered_only=unanswered_only)
    except ReplyMayBeSent as error:  # logged where it happened; never "nothing was sent"
        tell(services, {"channel": {"id": case.channel}}, user_id, error.user_text)
        return
    if not outcome.sent:
        keep_draft(services, case.post_id, user_id, draft)
        tell(services, {"channel": {"id": case.channel}}, user_id, _not_sent(outcome, mention))
    elif checked(values, LIKE_BLOCK):
        like_post(services, case, sender, undo=False)


def _not_sent(outcome: SendOutcome, mention: Mention) -> str:
    if outcome.in_doubt:  # not a failure: it is being checked on X's timeline
        return outcome.message
    return (
        f"Your reply to @{mention.author.username} was not sent: {outcome.message} "
        "Your draft is kept: press Reply on the card to send it again."
    )


def _send(
    services: Services,
    ctx: ReplyContext,
    found: tuple[Case, Mention],
    sender: Person,
    text: str,
    *,
    unanswered_only: bool,
) -> SendOutcome:
    """An approver's edit of a waiting draft supersedes it; anything else is a plain send."""
    approval = pending_approval(services, ctx.approval_id) if ctx.approval_id else None
    if approval is not None:
        return send_approved(
            services, approval, found, sender, text=text, unanswered_only=unanswered_only
        )
    drafter = person(services, ctx.drafted_by) if ctx.drafted_by else None
    case, mention = found
    return send_reply(
        services, case, mention, text, sender, drafted_by=drafter, unanswered_only=unanswered_only
    )


def _problems(
    services: Services,
    case: Case,
    mention: Mention,
    user_id: str,
    draft: str,
    values: dict[str, Any],
    text_block: str,
) -> dict[str, str]:
    """Inline errors for the modal (field -> message); empty when it may be sent."""
    if mention.is_dm:  # a forged form: a DM case never gets a public reply
        return {text_block: DM_CASE}
    refusal = refusal_to_send(services, user_id)
    if refusal is not None:
        return {text_block: refusal}
    problem = draft_problem(
        draft,
        handle=mention.author.username,
        signature=signature(services, user_id),
        earlier=earlier_replies(services, case.post_id),
        network=mention.network.key,
        limit=length_limit(services, mention),
    )
    if problem is not None:
        return {text_block: problem}
    if case.answered and not checked(values, ANOTHER_BLOCK):
        block = ANOTHER_BLOCK if ANOTHER_BLOCK in values else text_block
        return {
            block: "This post was already answered. Tick “Send another reply anyway” to "
            "send a second reply (close and reopen Reply to see the first)."
        }
    if case.claimed_by and case.claimed_by != user_id and not checked(values, TAKEOVER_BLOCK):
        block = TAKEOVER_BLOCK if TAKEOVER_BLOCK in values else text_block
        return {
            block: "Someone else is on this case. Tick “Take over this case” to send "
            "(close and press Reply again if the box is not shown)."
        }
    return {}


def _approval_problems(
    services: Services, approval_id: str, user_id: str, text_block: str
) -> dict[str, str]:
    """An approver's edit of a waiting draft: only while that draft is still pending."""
    if not is_approver(services, user_id):
        return {text_block: NOT_APPROVER}
    approval = pending_approval(services, approval_id)
    if approval is None or approval.state is not ApprovalState.PENDING:
        return {text_block: handled_text(approval)}
    return {}


def _text_block_id(values: dict[str, Any]) -> str | None:
    for block_id, block in values.items():
        if isinstance(block, dict) and TEXT_ACTION in block:
            return str(block_id)
    return None


def register(app: App) -> None:
    app.view(CALLBACK_ID)(guarded(submit_reply))
