"""Approve / Edit / Reject on a draft waiting in a card's thread (approval mode)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.app import guarded
from bot.casework.approval import close_approval, pending_approval
from bot.casework.cards import load_case
from bot.casework.people import is_approver, person
from bot.casework.reply_flow import ReplyContext
from bot.casework.sending import send_reply
from bot.services import Services
from handlers.actions.reply import open_for, tell

NOT_APPROVER = "Only members of the approvers group can approve, edit or reject drafts."
GONE = "This draft was already handled (approved, rejected or expired)."


def decide(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id = body["user"]["id"]
    action = body["actions"][0]
    approval_id = str(action.get("value", ""))
    if not is_approver(services, user_id):
        tell(services, body, user_id, NOT_APPROVER)
        return
    record = pending_approval(services, approval_id)
    found = load_case(services, record["post_id"]) if record else None
    if record is None or found is None:
        tell(services, body, user_id, GONE)
        return
    case, mention = found
    channel, ts = body["channel"]["id"], body["message"]["ts"]
    if action["action_id"] == "approval_reject":
        close_approval(
            services,
            approval_id,
            channel,
            ts,
            f"Draft by <@{record['drafter']}> rejected by <@{user_id}>.",
        )
        return
    if action["action_id"] == "approval_edit":
        ctx = ReplyContext(
            case.post_id,
            drafted_by=record["drafter"],
            source_note="Editing a draft that waits for approval",
        )
        open_for(services, client, body, case.post_id, user_id, ctx, draft=record["text"])
        return
    approver, drafter = person(services, user_id), person(services, record["drafter"])
    if approver is None:
        return
    outcome = send_reply(services, case, mention, record["text"], approver, drafted_by=drafter)
    if outcome.sent:
        close_approval(
            services,
            approval_id,
            channel,
            ts,
            f"Draft by <@{record['drafter']}> approved by <@{user_id}> and sent.",
        )
    else:
        tell(services, body, user_id, f"Not sent: {outcome.message}")


def register(app: App) -> None:
    for action_id in ("approval_approve", "approval_edit", "approval_reject"):
        app.action(action_id)(guarded(decide))
