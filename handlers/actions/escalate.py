"""The Escalate button on a card: opens the escalation modal."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.blocks.escalation import escalate_modal
from bot.casework.cards import load_case
from bot.casework.escalation import oncall_teams
from bot.casework.notices import UNKNOWN_CASE, tell_person
from bot.casework.staff import acting_person
from bot.domain.capabilities import Action
from bot.domain.resolution import RESOLVABLE_FROM
from bot.domain.signed_metadata import sign_metadata
from bot.services import Services
from handlers import payload

log = structlog.get_logger()


def open_escalate_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    services: Services = context["services"]
    user, channel = payload.user_id(body), payload.channel_id(body)
    post_id = payload.button_value(body)
    found = load_case(services, post_id)
    if found is None:
        tell_person(services, channel, user, UNKNOWN_CASE)
        return
    case, mention = found
    if case.status not in RESOLVABLE_FROM:
        tell_person(services, channel, user, "This case is resolved: reopen it to escalate it.")
        return
    _who, refusal = acting_person(services, user, "escalate cases")
    if refusal is not None:
        tell_person(services, channel, user, refusal)
        return
    metadata = sign_metadata(
        {"purpose": "escalate", "post_id": post_id}, services.settings.metadata_key()
    )
    view = escalate_modal(
        mention, metadata, services.settings.slack_escalation_channel, oncall_teams(services)
    )
    try:
        client.views_open(trigger_id=payload.trigger_id(body), view=view)
    except SlackApiError as error:
        log.warning("escalate_modal_failed", post_id=post_id, error=error.response.get("error"))
        tell_person(
            services, channel, user, "Slack did not open the window in time; press Escalate again."
        )


def register(app: App) -> None:
    app.action(Action.ESCALATE.value)(guarded(open_escalate_modal))
