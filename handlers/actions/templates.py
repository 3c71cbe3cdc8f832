"""The buttons of the templates list: Add and Edit open the template modal; Remove (confirmed by
Slack's dialog first) deletes one template."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.blocks.templates import ADD_ACTION, EDIT_ACTION, REMOVE_ACTION, template_modal
from bot.casework.notices import tell_person
from bot.casework.staff import acting_person
from bot.casework.template_list import show_template_list
from bot.domain.signed_metadata import sign_metadata
from bot.domain.templates import Template
from bot.services import Services
from bot.store.templates import TemplateStore
from handlers import payload

log = structlog.get_logger()

WHAT = "change the reply templates"


def add_template(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _open_modal(context["services"], client, body, None, 0)


def edit_template(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    found = TemplateStore(services.redis).get(payload.button_value(body))
    if found is None:
        _show(services, body, "That template no longer exists (someone removed it).")
        return
    _open_modal(services, client, body, found.template, found.version)


def remove_template(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user = payload.user_id(body)
    if _refused(services, body):
        return
    store = TemplateStore(services.redis)
    found = store.get(payload.button_value(body))
    if found is None or not store.remove(found.template.id):
        _show(services, body, "That template was already removed.")
        return
    log.info("template_removed", template=found.template.id, user=user)
    _show(services, body, f"Removed “{found.template.title}”.")


def _open_modal(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    template: Template | None,
    version: int,
) -> None:
    if _refused(services, body):
        return
    data = {
        "purpose": "template",
        "id": template.id if template else None,
        "version": version,
        "channel": payload.channel_id(body),
    }
    metadata = sign_metadata(data, services.settings.metadata_key())
    try:
        client.views_open(
            trigger_id=payload.trigger_id(body), view=template_modal(metadata, template)
        )
    except SlackApiError as error:
        log.warning("template_modal_failed", error=error.response.get("error"))
        _tell(services, body, "Slack did not open the window in time; press the button again.")


def _refused(services: Services, body: dict[str, Any]) -> bool:
    _who, refusal = acting_person(services, payload.user_id(body), WHAT)
    if refusal is not None:
        _tell(services, body, refusal)
    return refusal is not None


def _tell(services: Services, body: dict[str, Any], text: str) -> None:
    tell_person(
        services,
        payload.channel_id(body),
        payload.user_id(body),
        text,
        response_url=payload.response_url(body),
    )


def _show(services: Services, body: dict[str, Any], notice: str) -> None:
    show_template_list(
        services,
        payload.channel_id(body),
        payload.user_id(body),
        notice=notice,
        response_url=payload.response_url(body),
    )


def register(app: App) -> None:
    app.action(ADD_ACTION)(guarded(add_template))
    app.action(EDIT_ACTION)(guarded(edit_template))
    app.action(REMOVE_ACTION)(guarded(remove_template))
