"""/oncall: rotations, business hours, SLA, escalation policy and auto-reply settings."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.oncall import problem_text
from bot.domain.oncall_commands import Problem
from bot.domain.oncall_parse import parse_oncall
from bot.oncall.admin import carry_out


def oncall_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    """Read the command, carry it out, and answer the person only (ephemeral), in the ack."""
    services = context["services"]
    parsed = parse_oncall(command.get("text") or "")
    if isinstance(parsed, Problem):
        ack(response_type="ephemeral", text=problem_text(parsed))
        return
    answer = carry_out(services, parsed, str(command.get("user_id", "")), services.clock())
    ack(response_type="ephemeral", text=answer.text)


def register(app: App) -> None:
    app.command("/oncall")(guarded(oncall_command))
