"""Telling one person something only they see: an ephemeral message, or the response_url."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.services import Services

log = structlog.get_logger()

UNKNOWN_CASE = (
    "Earshot has no case for this card (it may be older than its records, or the button was "
    "tampered with). Nothing was changed."
)
TAMPERED_FORM = (
    "Earshot could not verify this form, so it changed nothing. Close it and use the button on "
    "the card again."
)


def tell_person(
    services: Services,
    channel: str | None,
    user_id: str,
    text: str,
    *,
    blocks: list[dict[str, Any]] | None = None,
    response_url: str | None = None,
) -> bool:
    """chat.postEphemeral in `channel`; when Earshot cannot post there (a DM, a channel it is not
    in), the interaction's response_url. False (logged) when neither worked; never raises."""
    if channel:
        try:
            services.slack.chat_postEphemeral(
                channel=channel, user=user_id, text=text, blocks=blocks
            )
            return True
        except (SlackApiError, OSError) as error:
            log.info("ephemeral_failed", channel=channel, error=_code(error))
    if response_url:
        try:
            response = WebhookClient(response_url, timeout=5).send(
                text=text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            return response.status_code == 200
        except (OSError, ValueError) as error:
            log.info("response_url_failed", error=repr(error))
    return False


def _code(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error"))
    return repr(error)


def caller_teller(services: Services, command: dict[str, Any]) -> Callable[..., None]:
    """For a slash command: say something only its caller sees, where they typed it (else
    through the command's response_url)."""
    channel, user = str(command.get("channel_id") or ""), str(command.get("user_id") or "")
    url = command.get("response_url")

    def tell(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        response_url = url if isinstance(url, str) else None
        tell_person(services, channel, user, text, blocks=blocks, response_url=response_url)

    return tell
