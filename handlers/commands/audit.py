"""`/earshot audit <post link or id>`: who did what on a post, shown only to the person asking."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import Respond
from slack_sdk import WebClient

from bot.blocks.audit import audit_trail
from bot.casework.notices import caller_teller
from bot.casework.staff import acting_person
from bot.domain.post_ref import EXAMPLE, parse_post_ref
from bot.services import Services
from bot.store.audit import AuditLog
from handlers.commands.earshot import subcommand

log = structlog.get_logger()


@subcommand("audit", "audit <post link or id> — who claimed, sent, resolved or escalated what")
def show_audit(
    services: Services, args: str, command: dict[str, Any], respond: Respond, client: WebClient
) -> None:
    del respond, client
    user = str(command.get("user_id") or "")
    tell = caller_teller(services, command)
    post_id = parse_post_ref(args)
    if post_id is None:
        what = "Name the post" if not args.strip() else "That is not a post link or id"
        tell(f"{what}: for example {EXAMPLE}.")
        return
    _who, refusal = acting_person(services, user, "see the audit trail")
    if refusal is not None:
        tell(refusal)
        return
    entries = AuditLog(services.redis).entries(post_id)
    found = services.cases.get(post_id)
    if not entries and found is None:
        tell(f"Earshot has no record of post {post_id}: it never became a card here.")
        return
    text, blocks = audit_trail(post_id, entries, found[1] if found else None)
    log.info("audit_shown", post_id=post_id, user=user, entries=len(entries))
    tell(text, blocks)
