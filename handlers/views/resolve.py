"""Submitting the Resolve modal: checked before the ack (inline errors, from Redis and cached
Slack lookups only), resolved after it."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.notice import notice_view
from bot.blocks.resolve_modal import (
    NOTE_ACTION,
    NOTE_BLOCK,
    REASON_ACTION,
    REASON_BLOCK,
    RESOLVE_CALLBACK,
)
from bot.blocks.view_state import selected_value, state_values, text_value
from bot.casework.cards import load_case
from bot.casework.notices import TAMPERED_FORM, UNKNOWN_CASE, tell_person
from bot.casework.resolution import resolve_case
from bot.casework.staff import acting_person, acting_person_cached
from bot.domain.resolution import resolve_problem
from bot.services import Services
from handlers import payload

log = structlog.get_logger()
WHAT = "resolve cases"


def submit_resolve(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    services: Services = context["services"]
    view, user = body.get("view"), payload.user_id(body)
    post_id = payload.case_post_id(payload.form_metadata(services, view, "resolve"))
    found = load_case(services, post_id) if post_id else None
    if post_id is None or found is None:
        log.warning("resolve_refused", user=user, known_form=post_id is not None)
        text = TAMPERED_FORM if post_id is None else UNKNOWN_CASE
        ack(response_action="update", view=notice_view("Not resolved", text))
        return
    values = state_values(view)
    reason = selected_value(values, REASON_BLOCK, REASON_ACTION)
    note = text_value(values, NOTE_BLOCK, NOTE_ACTION)
    problem = resolve_problem(reason, note)
    if problem is not None:
        ack(response_action="errors", errors={problem[0]: problem[1]})
        return
    checked = acting_person_cached(services, user, WHAT)
    if checked is not None and (checked[0] is None or checked[1] is not None):
        ack(response_action="errors", errors={REASON_BLOCK: checked[1] or TAMPERED_FORM})
        return
    ack()  # the rest may call Slack: after the ack
    who, refusal = checked or acting_person(services, user, WHAT)
    if who is None or refusal is not None:
        tell_person(services, found[0].channel, user, f"Not resolved: {refusal or TAMPERED_FORM}")
        return
    outcome = resolve_case(services, post_id, who, reason, note)
    if outcome is not None:
        tell_person(services, found[0].channel, user, outcome)


def register(app: App) -> None:
    app.view(RESOLVE_CALLBACK)(guarded(submit_resolve))
