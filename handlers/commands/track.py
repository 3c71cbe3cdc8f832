"""`/track`: ack at once, run the command for the person, answer (ephemeral, or in the channel
when rules changed). Every failure becomes a message, never an exception into Bolt."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.app import guarded
from bot.pipeline.pacing import ChannelPacer
from bot.services import Services
from bot.track.answer import send_reply
from bot.track.commands import TrackCommands
from bot.track.reply import Reply, problem

log = structlog.get_logger()

FAILED = (
    "`/track` failed unexpectedly and changed nothing. Try again in a minute; if it keeps "
    "failing, tell whoever runs Earshot."
)


def track_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    services: Services = context["services"]
    user, channel = str(command.get("user_id", "")), str(command.get("channel_id", ""))
    text = str(command.get("text") or "")
    try:
        reply = TrackCommands(services).run(text, user)
    except Exception:
        log.exception("track_command_failed", user=user, channel=channel)
        reply = problem(FAILED, "/track help")
    pacer = ChannelPacer(services.redis, services.settings.slack_channel_interval_ms)
    send_reply(client, pacer, _or_help(reply), channel=channel, user=user, respond=respond)


def _or_help(reply: Reply) -> Reply:
    return reply if reply.private or reply.public else problem(FAILED, "/track help")


def register(app: App) -> None:
    app.command("/track")(guarded(track_command))
