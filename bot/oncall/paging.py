"""Reaching people in Slack for on-call: direct messages, pages, and channel or thread posts."""

from __future__ import annotations

from typing import Any

import structlog

from bot.blocks.oncall import ping_blocks
from bot.pipeline.pacing import ChannelPacer
from bot.services import Services
from bot.store.oncall import current_oncall

log = structlog.get_logger()


def alert_channel(services: Services) -> str:
    """Where channel-wide on-call messages go: the escalation channel, else the mentions one."""
    settings = services.settings
    return settings.slack_escalation_channel or settings.slack_mentions_channel or ""


def post(
    services: Services,
    channel: str,
    text: str,
    *,
    thread_ts: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
) -> str:
    """chat.postMessage, paced per channel with the card deliveries; returns the message ts."""
    ChannelPacer(services.redis, services.settings.slack_channel_interval_ms).wait_for_slot(channel)
    args: dict[str, Any] = {"channel": channel, "text": text, "unfurl_links": False}
    if thread_ts:
        args["thread_ts"] = thread_ts
    if blocks:
        args["blocks"] = blocks
    return str(services.slack.chat_postMessage(**args)["ts"])


def send_dm(
    services: Services, user: str, text: str, blocks: list[dict[str, Any]] | None = None
) -> str:
    """A direct message from the app to `user` (conversations.open, then chat.postMessage)."""
    opened: Any = services.slack.conversations_open(users=user)
    return post(services, str(opened["channel"]["id"]), text, blocks=blocks)


def page_oncall(
    services: Services, team: str, text: str, *, post_id: str | None = None
) -> str | None:
    """Direct-message `text` to whoever is on call for `team` now; returns their user id, or
    None when the team has no rotation (nobody was paged). With `post_id`, the message carries
    an Acknowledge button that stops that case's escalation steps. Raises SlackApiError when
    Slack refuses the message."""
    who = current_oncall(services.redis, team, services.clock())
    if who is None:
        return None
    send_dm(services, who, text, ping_blocks(text, post_id) if post_id else None)
    log.info("oncall_paged", team=team, user=who, post_id=post_id)
    return who
