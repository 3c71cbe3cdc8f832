"""`/earshot customer @handle`: that author's cases, response times and outcomes, only to the
person asking."""

from __future__ import annotations

import re
from typing import Any

import structlog
from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks.customer import USAGE, customer_text
from bot.casework.customers import case_lines
from bot.casework.notices import caller_teller
from bot.casework.staff import acting_person
from bot.services import Services
from bot.store.history import CaseHistory
from handlers.commands.earshot import subcommand

log = structlog.get_logger()
_HANDLE = re.compile(r"@?([A-Za-z0-9_]{1,15})")
SHOWN = 10


@subcommand("customer", "customer @handle — that customer's cases, response times and outcomes")
def show_customer(
    services: Services, args: str, command: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    del respond, client
    user = str(command.get("user_id") or "")
    tell = caller_teller(services, command)
    found = _HANDLE.fullmatch(args.strip())
    if found is None:
        what = USAGE if not args.strip() else f"That is not an X handle. {USAGE}"
        tell(what)
        return
    _who, refusal = acting_person(services, user, "look up customers")
    if refusal is not None:
        tell(refusal)
        return
    handle = found.group(1)
    history = CaseHistory(services.redis)
    author = history.author_id(handle)
    lines = case_lines(services, author, SHOWN) if author else []
    total = history.count(author) if author else 0
    log.info("customer_shown", user=user, cases=len(lines))
    tell(customer_text(handle, max(total, len(lines)), lines))
