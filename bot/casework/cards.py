"""Keep a case's card and thread in step with its state."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.card import card_fallback_text, render_card
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.services import Services
from bot.store.rights import revoked_rights

log = structlog.get_logger()


def load_case(services: Services, post_id: str) -> tuple[Case, Mention] | None:
    return services.cases.get(post_id) if post_id.isdigit() else None


def refresh_card(services: Services, post_id: str) -> bool:
    """Re-render the card from the stored case; False (logged) when Slack refused."""
    found = services.cases.get(post_id)
    if found is None:
        return False
    case, mention = found
    blocks = render_card(
        mention, case, services.settings.x_access_tier, revoked_rights(services.redis)
    )
    try:
        services.slack.chat_update(
            channel=case.channel, ts=case.ts, text=card_fallback_text(mention), blocks=blocks
        )
    except (SlackApiError, OSError) as error:
        log.warning("card_update_failed", post_id=post_id, error=repr(error))
        return False
    return True


def say_in_thread(services: Services, case: Case, text: str) -> None:
    """A message in the card's thread (staff see what happened where they talk about it)."""
    try:
        services.slack.chat_postMessage(
            channel=case.channel, thread_ts=case.ts, text=text, unfurl_links=False
        )
    except (SlackApiError, OSError) as error:
        log.warning("thread_message_failed", post_id=case.post_id, error=repr(error))
