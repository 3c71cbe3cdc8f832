"""Approve / Edit / Reject on a draft waiting in a card's thread (approval mode)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.app import guarded
from bot.casework.approval import approve, pending_approval, refusal_to_decide, reject
from bot.casework.cards import load_reply_target
from bot.casework.people import is_approver, person
from bot.casework.reply_flow import ReplyContext
from bot.casework.sending import ReplyMayBeSent
from bot.services import Services
from handlers.actions.reply import open_for, tell

NOT_APPROVER = "Only members of the approvers group can approve, edit or reject drafts."


def decide(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    action = body["actions"][0]
    if not is_approver(services, user_id):
        tell(services, body, user_id, NOT_APPROVER)
        return
    approval = pending_approval(services, str(action.get("value", "")))
    found = load_reply_target(services, approval.post_id) if approval else None
    refusal = refusal_to_decide(services, approval if found else None)
    if refusal is not None or approval is None or found is None:
        tell(services, body, user_id, refusal or "")
        return
    if action["action_id"] == "approval_edit":
        ctx = ReplyContext(
            approval.post_id,
            drafted_by=approval.drafter,
            approval_id=approval.id,
            source_note="Editing a draft that waits for approval: sending replaces it",
        )
        open_for(services, client, body, approval.post_id, user_id, ctx, draft=approval.text)
        return
    someone = person(services, user_id)
    if someone is None:
        tell(services, body, user_id, "Earshot could not look you up in Slack; try again.")
        return
    try:
        if action["action_id"] == "approval_reject":
            answer = reject(services, approval, found[0], someone)
        else:
            answer = approve(services, approval, found, someone)
    except ReplyMayBeSent as error:  # logged where it happened; never "nothing was sent"
        answer = error.user_text
    if answer:
        tell(services, body, user_id, answer)


def register(app: App) -> None:
    for action_id in ("approval_approve", "approval_edit", "approval_reject"):
        app.action(action_id)(guarded(decide))
