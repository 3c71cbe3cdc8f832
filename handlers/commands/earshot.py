"""`/earshot <subcommand>`: one command, subcommands registered by the modules that own them.

A module adds its subcommand with `subcommand("name", "usage line")` as a decorator on a function
`handler(services, args, command, respond, client) -> None`; the command is acked before the
handler runs, and a failure becomes an ephemeral message, never an exception into Bolt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.app import guarded
from bot.services import Services

log = structlog.get_logger()

Handler = Callable[[Services, str, dict[str, Any], Respond, WebClient], None]


@dataclass(frozen=True, slots=True)
class Subcommand:
    name: str
    usage: str
    handler: Handler


SUBCOMMANDS: dict[str, Subcommand] = {}


def subcommand(name: str, usage: str) -> Callable[[Handler], Handler]:
    def add(handler: Handler) -> Handler:
        SUBCOMMANDS[name] = Subcommand(name, usage, handler)
        return handler

    return add


def usage_text() -> str:
    lines = [
        f"• `/earshot {sub.usage}`" for sub in sorted(SUBCOMMANDS.values(), key=lambda s: s.name)
    ]
    return "Earshot commands:\n" + ("\n".join(lines) or "• (none yet)")


def earshot_command(
    ack: Ack, command: dict[str, Any], respond: Respond, client: WebClient, context: BoltContext
) -> None:
    ack()
    name, _, args = (command.get("text") or "").strip().partition(" ")
    sub = SUBCOMMANDS.get(name.lower())
    if sub is None:
        prefix = f"Unknown subcommand `{name}`. " if name and name.lower() != "help" else ""
        respond(response_type="ephemeral", text=prefix + usage_text())
        return
    try:
        sub.handler(context["services"], args.strip(), command, respond, client)
    except Exception:
        log.exception("earshot_subcommand_failed", subcommand=sub.name)
        respond(
            response_type="ephemeral",
            text=f"`/earshot {sub.name}` failed unexpectedly; nothing was changed. "
            "Try again; if it keeps failing, tell the Earshot admins.",
        )


def register(app: App) -> None:
    app.command("/earshot")(guarded(earshot_command))
