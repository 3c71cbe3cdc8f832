"""`/earshot report [7d|30d]`: response figures and a chart, posted in the channel."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.oncall.report import post_report, report_days
from bot.services import Services
from handlers.commands.earshot import subcommand

log = structlog.get_logger()

USAGE = "report [7d|30d]"
NOT_IN_CHANNEL = (
    "I can't post in this channel: invite me with `/invite @Earshot`, or run the report "
    "in a channel I am in."
)


def report(
    services: Services, args: str, command: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    """Post the report where it was asked for; problems go only to the person who asked."""
    channel, user = str(command.get("channel_id", "")), str(command.get("user_id", ""))
    days = report_days(args)
    if days is None:
        _tell(client, respond, channel, user, "Use `/earshot report 7d` or `/earshot report 30d`.")
        return
    try:
        post_report(services, channel, days, services.clock())
    except SlackApiError as error:
        code = error.response.get("error")
        log.warning("report_refused", channel=channel, error=code)
        text = (
            NOT_IN_CHANNEL
            if code in ("not_in_channel", "channel_not_found")
            else (f"Slack refused the report ({code}); try again in a minute.")
        )
        _tell(client, respond, channel, user, text)


def _tell(client: WebClient, respond: Respond, channel: str, user: str, text: str) -> None:
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=text)
    except SlackApiError:
        respond(response_type="ephemeral", text=text)


def register(app: App) -> None:
    """The report is a subcommand of /earshot (handlers/commands/earshot.py)."""
    del app
    subcommand("report", USAGE)(report)
