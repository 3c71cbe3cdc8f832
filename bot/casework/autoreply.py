"""The out-of-hours auto-reply: a template a person wrote, posted once, never as the answer."""

from __future__ import annotations

import structlog

from bot.casework.cards import say_in_thread
from bot.casework.sending import post_once
from bot.domain.capabilities import can_reply_via_api
from bot.domain.post_length import check_post
from bot.domain.templates import fill
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.rights import revoked_rights

log = structlog.get_logger()


class AutoReplySender:
    """Posts the auto-reply to a post (the timers call it only while the company is closed).

    It is not an answer: the case stays open and its SLA clock keeps running, so a person
    still replies when the company opens.
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def __call__(self, post_id: str, text: str, *, by: str) -> str | None:
        services = self.services
        found = services.cases.get(post_id)
        if found is None:
            return None
        case, mention = found
        tier, revoked = services.settings.x_access_tier, revoked_rights(services.redis)
        reply = fill(text, mention).strip()
        if not can_reply_via_api(mention, tier, revoked) or not check_post(reply).valid:
            log.info("autoreply_skipped", post_id=post_id)
            return None
        outcome = post_once(services, post_id, reply, by)
        if not outcome.sent or not outcome.first_time:
            log.warning("autoreply_not_sent", post_id=post_id, reason=outcome.message)
            return None
        AuditLog(services.redis).record(
            post_id,
            "autoreply_sent",
            by,
            "out-of-hours auto-reply",
            reply_id=outcome.reply_id,
            text=reply,
        )
        say_in_thread(
            services,
            case,
            f"Out-of-hours auto-reply sent (template by <@{by}>): "
            f"“{reply}”. The case stays open for a person to answer.",
        )
        return outcome.reply_id
