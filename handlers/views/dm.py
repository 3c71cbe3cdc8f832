"""Submitting the Move to DM modal: checked within Slack's 3 s (inline errors), sent after the
ack, exactly once; the person hears how it went privately."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.dm_modal import DM_CALLBACK, DM_TEXT_BLOCK
from bot.blocks.notice import notice_view
from bot.blocks.view_state import state_values
from bot.casework.cards import load_case
from bot.casework.dm_flow import dm_form_problems
from bot.casework.dms import move_to_dm
from bot.casework.notices import TAMPERED_FORM, UNKNOWN_CASE, tell_person
from bot.casework.people import person, refusal_to_send
from bot.services import Services
from handlers import payload

log = structlog.get_logger()


def submit_dm(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    services: Services = context["services"]
    view, user = body.get("view"), payload.user_id(body)
    post_id = payload.case_post_id(payload.form_metadata(services, view, "dm"))
    found = load_case(services, post_id) if post_id else None
    if post_id is None or found is None:
        log.warning("dm_refused", user=user, known_form=post_id is not None)
        text = TAMPERED_FORM if post_id is None else UNKNOWN_CASE
        ack(response_action="update", view=notice_view("Not sent", text))
        return
    case, mention = found
    text, note, problems = dm_form_problems(services, case, mention, user, state_values(view))
    if not problems and (refusal := refusal_to_send(services, user)) is not None:
        problems = {DM_TEXT_BLOCK: refusal}
    if problems:
        ack(response_action="errors", errors=problems)
        return
    ack()
    sender = person(services, user)
    if sender is None:
        return
    outcome = move_to_dm(services, case, mention, text, sender, public_note=note)
    said = outcome.message
    if not outcome.sent and not outcome.in_doubt:
        said = f"Your direct message to @{mention.author.username} was not sent: {said}"
    elif outcome.note is not None and not outcome.note.sent:
        said += f" The public note was not sent: {outcome.note.message}"
    tell_person(services, case.channel, user, said)


def register(app: App) -> None:
    app.view(DM_CALLBACK)(guarded(submit_dm))
