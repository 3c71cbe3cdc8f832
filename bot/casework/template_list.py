"""Show the reply templates to one person (after /earshot templates, and after every change)."""

from __future__ import annotations

from bot.blocks.templates import templates_list
from bot.casework.notices import tell_person
from bot.services import Services
from bot.store.templates import MAX_TEMPLATES, list_templates


def show_template_list(
    services: Services,
    channel: str | None,
    user_id: str,
    *,
    notice: str = "",
    response_url: str | None = None,
) -> bool:
    text, blocks = templates_list(
        list_templates(services.redis), limit=MAX_TEMPLATES, notice=notice
    )
    return tell_person(services, channel, user_id, text, blocks=blocks, response_url=response_url)
