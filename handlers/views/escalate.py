"""Submitting the Escalate modal: checked before the ack (inline errors, from Redis and cached
Slack lookups only), escalated after it."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.escalation import (
    CHANNEL_ACTION,
    CHANNEL_BLOCK,
    ESCALATE_CALLBACK,
    NOTE_ACTION,
    NOTE_BLOCK,
    SEVERITY_ACTION,
    SEVERITY_BLOCK,
    TEAM_ACTION,
    TEAM_BLOCK,
)
from bot.blocks.notice import notice_view
from bot.blocks.view_state import selected_conversation, selected_value, state_values, text_value
from bot.casework.cards import load_case
from bot.casework.escalation import escalate_case, oncall_teams
from bot.casework.notices import TAMPERED_FORM, UNKNOWN_CASE, tell_person
from bot.casework.staff import acting_person, acting_person_cached
from bot.domain.escalation import EscalationForm, escalation_problem, team_key
from bot.services import Services
from handlers import payload

log = structlog.get_logger()
WHAT = "escalate cases"


def read_form(values: dict[str, Any]) -> EscalationForm:
    """The form as submitted: the team is a select when rotations exist, typed otherwise."""
    team = selected_value(values, TEAM_BLOCK, TEAM_ACTION) or text_value(
        values, TEAM_BLOCK, TEAM_ACTION
    )
    return EscalationForm(
        channel=selected_conversation(values, CHANNEL_BLOCK, CHANNEL_ACTION),
        team=team_key(team),
        severity=selected_value(values, SEVERITY_BLOCK, SEVERITY_ACTION),
        note=text_value(values, NOTE_BLOCK, NOTE_ACTION).strip(),
    )


def submit_escalation(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    services: Services = context["services"]
    view, user = body.get("view"), payload.user_id(body)
    post_id = payload.case_post_id(payload.form_metadata(services, view, "escalate"))
    found = load_case(services, post_id) if post_id else None
    if post_id is None or found is None:
        log.warning("escalation_refused", user=user, known_form=post_id is not None)
        text = TAMPERED_FORM if post_id is None else UNKNOWN_CASE
        ack(response_action="update", view=notice_view("Not escalated", text))
        return
    form = read_form(state_values(view))
    problem = escalation_problem(form, oncall_teams(services))
    if problem is not None:
        ack(response_action="errors", errors={problem[0]: problem[1]})
        return
    checked = acting_person_cached(services, user, WHAT)
    if checked is not None and (checked[0] is None or checked[1] is not None):
        ack(response_action="errors", errors={CHANNEL_BLOCK: checked[1] or TAMPERED_FORM})
        return
    ack()  # the rest may call Slack: after the ack
    who, refusal = checked or acting_person(services, user, WHAT)
    if who is None or refusal is not None:
        tell_person(services, found[0].channel, user, f"Not escalated: {refusal or TAMPERED_FORM}")
        return
    outcome = escalate_case(services, post_id, who, form)
    if outcome is not None:
        tell_person(services, found[0].channel, user, outcome)


def register(app: App) -> None:
    app.view(ESCALATE_CALLBACK)(guarded(submit_escalation))
