"""Resolve (opens the reason modal) and Reopen buttons on a card."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.blocks.resolve_modal import resolve_modal
from bot.casework.cards import load_case
from bot.casework.notices import UNKNOWN_CASE, tell_person
from bot.casework.resolution import reopen_case
from bot.casework.staff import acting_person
from bot.domain.capabilities import Action
from bot.domain.case import CaseStatus
from bot.domain.signed_metadata import sign_metadata
from bot.services import Services
from handlers import payload

log = structlog.get_logger()


def open_resolve_modal(
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
    if case.status is CaseStatus.RESOLVED:
        by = f" by <@{case.status_by}>" if case.status_by else ""
        tell_person(services, channel, user, f"This case is already resolved{by}.")
        return
    _who, refusal = acting_person(services, user, "resolve cases")
    if refusal is not None:
        tell_person(services, channel, user, refusal)
        return
    metadata = sign_metadata(
        {"purpose": "resolve", "post_id": post_id}, services.settings.metadata_key()
    )
    try:
        client.views_open(
            trigger_id=payload.trigger_id(body), view=resolve_modal(mention, metadata)
        )
    except SlackApiError as error:
        log.warning("resolve_modal_failed", post_id=post_id, error=error.response.get("error"))
        tell_person(
            services, channel, user, "Slack did not open the window in time; press Resolve again."
        )


def reopen(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user, channel = payload.user_id(body), payload.channel_id(body)
    post_id = payload.button_value(body)
    if load_case(services, post_id) is None:
        tell_person(services, channel, user, UNKNOWN_CASE)
        return
    who, refusal = acting_person(services, user, "reopen cases")
    if who is None or refusal is not None:
        tell_person(services, channel, user, refusal or UNKNOWN_CASE)
        return
    problem = reopen_case(services, post_id, who)
    if problem is not None:
        tell_person(services, channel, user, problem)


def register(app: App) -> None:
    app.action(Action.RESOLVE.value)(guarded(open_resolve_modal))
    app.action(Action.REOPEN.value)(guarded(reopen))
