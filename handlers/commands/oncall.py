"""/oncall: rotations, business hours, SLA, escalation policy and auto-reply settings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.oncall import problem_text
from bot.casework.notices import tell_person
from bot.domain.oncall_commands import READ_ONLY, Problem
from bot.domain.oncall_parse import parse_oncall
from bot.oncall.admin import carry_out


def oncall_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Answer the person only (ephemeral). What needs only Redis (a typing mistake, showing the
    settings) is answered in the ack; a change asks Slack who is acting and who is named
    (users.info, possibly slow), so it is acked first and answered when done."""
    services = context["services"]
    user = str(command.get("user_id", ""))
    parsed = parse_oncall(command.get("text") or "")
    if isinstance(parsed, Problem):
        ack(response_type="ephemeral", text=problem_text(parsed))
        return
    if isinstance(parsed, READ_ONLY):
        ack(
            response_type="ephemeral", text=carry_out(services, parsed, user, services.clock()).text
        )
        return
    ack()
    answer = carry_out(services, parsed, user, services.clock())
    url = command.get("response_url")
    channel = str(command.get("channel_id") or "") or None
    tell_person(
        services, channel, user, answer.text, response_url=url if isinstance(url, str) else None
    )


def register(app: App) -> None:
    app.command("/oncall")(guarded(oncall_command))
