"""`/earshot templates`: the reply templates, with Add, Edit and Remove buttons (ephemeral)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Respond
from slack_sdk import WebClient

from bot.casework.template_list import show_template_list
from bot.services import Services
from handlers.commands.earshot import subcommand


@subcommand("templates", "templates — list, add, edit or remove reply templates")
def list_templates_command(
    services: Services, args: str, command: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    del args, respond, client  # the list is the whole answer; changes go through its buttons
    url = command.get("response_url")
    show_template_list(
        services,
        str(command.get("channel_id") or ""),
        str(command.get("user_id") or ""),
        response_url=url if isinstance(url, str) else None,
    )
