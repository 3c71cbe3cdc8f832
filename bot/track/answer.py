"""Say a /track reply in Slack: ephemerally to the person, publicly when shared state changed.

chat.postEphemeral / chat.postMessage first (they need Earshot in the channel); where it is not
(a DM, a channel it was never invited to) the command's response_url still reaches the person.
Never raises: a reply that cannot be shown is logged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.track import Message
from bot.pipeline.pacing import ChannelPacer
from bot.track.reply import Reply

log = structlog.get_logger()

MAX_RETRY_AFTER = 3.0
Respond = Callable[..., Any]


def send_reply(
    client: WebClient,
    pacer: ChannelPacer,
    reply: Reply,
    *,
    channel: str,
    user: str,
    respond: Respond | None,
) -> None:
    for message in reply.private:
        tell(client, message, channel=channel, user=user, respond=respond)
    if reply.public:
        announce(client, pacer, reply.public, channel=channel, user=user, respond=respond)


def tell(
    client: WebClient, message: Message, *, channel: str, user: str, respond: Respond | None
) -> None:
    try:
        client.chat_postEphemeral(
            channel=channel, user=user, text=message.text, blocks=message.blocks
        )
        return
    except (SlackApiError, OSError) as error:
        log.info("track_ephemeral_fallback", channel=channel, error=repr(error))
    _respond(respond, text=message.text, blocks=message.blocks, response_type="ephemeral")


def announce(
    client: WebClient,
    pacer: ChannelPacer,
    text: str,
    *,
    channel: str,
    user: str,
    respond: Respond | None = None,
) -> bool:
    """Post `text` in `channel` (paced with the cards there); True when it was posted."""
    for _attempt in range(2):
        try:
            pacer.wait_for_slot(channel)
            client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
            return True
        except SlackApiError as error:
            if error.response.status_code != 429:
                log.info("track_announce_fallback", channel=channel, error=repr(error))
                break
            wait = float(error.response.headers.get("Retry-After", 1) or 1)
            pacer.hold(channel, wait)
            time.sleep(min(wait, MAX_RETRY_AFTER))
        except OSError as error:
            log.warning("track_announce_failed", channel=channel, error=repr(error))
            break
    if _respond(respond, text=text, response_type="in_channel"):
        return False
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except (SlackApiError, OSError) as error:
        log.warning("track_announce_lost", channel=channel, error=repr(error))
    return False


def _respond(respond: Respond | None, **fields: Any) -> bool:
    if respond is None:
        return False
    try:
        respond(**fields)
        return True
    except Exception as error:  # response_url unreachable or expired: nothing else to try
        log.warning("track_respond_failed", error=repr(error))
        return False
