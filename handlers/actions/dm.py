"""Move to DM button on a card: open the direct-message modal (no X call before views.open)."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.casework.cards import load_case
from bot.casework.dm_flow import build_dm_view
from bot.casework.notices import UNKNOWN_CASE, tell_person
from bot.casework.people import refusal_to_send
from bot.domain.capabilities import Action
from bot.domain.case import CaseStatus
from bot.services import Services
from handlers import payload

log = structlog.get_logger()


def open_dm_modal(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Move to DM (a card) or Reply in DM (a DM card, a DM in a thread): the same modal."""
    ack()
    services: Services = context["services"]
    title = "Reply in DM" if payload.action_id(body) == Action.REPLY_IN_DM.value else None
    open_dm_for(services, client, body, payload.button_value(body), title=title)


def open_dm_for(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    post_id: str,
    *,
    title: str | None = None,
    text: str | None = None,
    source_note: str | None = None,
) -> None:
    """Open the DM modal for the case `post_id`, or tell the person why not (ephemeral)."""
    user, channel = payload.user_id(body), payload.channel_id(body)
    found = load_case(services, post_id)
    if found is None:
        tell_person(services, channel, user, UNKNOWN_CASE)
        return
    case, mention = found
    if case.status is CaseStatus.DELETED:
        tell_person(services, channel, user, "The author deleted this post; the case is closed.")
        return
    refusal = refusal_to_send(services, user)
    if refusal is not None:
        tell_person(services, channel, user, refusal)
        return
    moving = title is None and not mention.is_dm  # Move to DM on a post's card
    view = build_dm_view(
        services,
        case,
        mention,
        text=text,
        title=title or ("Reply in DM" if mention.is_dm else "Move to DM"),
        source_note=source_note,
        offer_note=moving,
    )
    try:
        client.views_open(trigger_id=payload.trigger_id(body), view=view)
    except SlackApiError as error:
        log.warning("dm_modal_failed", post_id=case.post_id, error=error.response.get("error"))
        tell_person(
            services,
            channel,
            user,
            "Slack did not open the window in time; press Move to DM again.",
        )


def register(app: App) -> None:
    app.action(Action.MOVE_TO_DM.value)(guarded(open_dm_modal))
    app.action(Action.REPLY_IN_DM.value)(guarded(open_dm_modal))
