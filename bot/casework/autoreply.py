"""The out-of-hours auto-reply: a template a person wrote, posted once, never as the answer.

X refuses to post the same text twice (403 duplicate content), so a filled-in text is claimed
(SET NX) by the first post it goes to; another post whose text comes out the same is skipped
with a note in its card's thread instead of a refused call. Every failure is said there too.
"""

from __future__ import annotations

import hashlib

import structlog

from bot.blocks.text import escape_mrkdwn
from bot.casework.cards import say_in_thread
from bot.casework.sending import SendOutcome, post_once
from bot.domain.capabilities import can_reply_via_api
from bot.domain.case import Case
from bot.domain.post_length import check_post
from bot.domain.reply import normalize
from bot.domain.templates import fill
from bot.services import Services
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.rights import revoked_rights

log = structlog.get_logger()
TEXT_CLAIM_SECONDS = 30 * 24 * 3600  # how long a sent auto-reply text counts as used on X
WHO = "out-of-hours auto-reply"


def text_claim_key(text: str) -> str:
    digest = hashlib.sha256(normalize(text).encode()).hexdigest()[:32]
    return f"{keys.PREFIX}:autoreply:text:{digest}"


AUTOREPLY_IN_DOUBT = (
    "X did not answer in time, so the out-of-hours auto-reply may already be public. Earshot "
    "is checking the brand's timeline on X and will say here what happened."
)


class AutoReplySender:
    """Posts the auto-reply to a post (the timers call it only while the company is closed).

    It is not an answer: the case stays open and its SLA clock keeps running, so a person
    still replies when the company opens.
    """

    def __init__(self, services: Services) -> None:
        self.services = services

    def __call__(self, post_id: str, text: str, *, by: str) -> str | None:
        """The reply's id when this call sent it; None when nothing was sent (said in the
        card's thread, except when an earlier call already sent it)."""
        services = self.services
        found = services.cases.get(post_id)
        if found is None:
            return None
        case, mention = found
        tier, revoked = services.settings.x_access_tier, revoked_rights(services.redis)
        reply = fill(text, mention).strip()
        if not can_reply_via_api(mention, tier, revoked):
            return self._not_sent(case, "X does not allow an API reply to this post.")
        if not check_post(reply).valid:
            return self._not_sent(case, "filled in for this author, the text is too long for X.")
        claim = text_claim_key(reply)
        if not services.redis.set(claim, post_id, nx=True, ex=TEXT_CLAIM_SECONDS):
            holder = str(services.redis.get(claim) or "")
            if holder != post_id:
                return self._not_sent(
                    case,
                    "the same text already went to another post, and X refuses to post a "
                    "text twice. Put {first_name} or {handle} in it (`/oncall autoreply set`).",
                )

        def record(reply_id: str) -> None:
            AuditLog(services.redis).record(
                post_id, "autoreply_sent", by, WHO, reply_id=reply_id, text=reply
            )

        outcome = post_once(services, post_id, reply, by, on_sent=record, kind="autoreply")
        return self._told(case, outcome, reply, by, claim)

    def _told(
        self, case: Case, outcome: SendOutcome, reply: str, by: str, claim: str
    ) -> str | None:
        """Say in the card's thread what became of the auto-reply; its id when it went out."""
        services, post_id = self.services, case.post_id
        if not outcome.first_time or outcome.in_flight:
            return None  # a timer that fired twice: the other firing sends it and says so
        if outcome.in_doubt:
            say_in_thread(services, case, AUTOREPLY_IN_DOUBT)
            return None
        if not outcome.sent:
            if services.redis.get(claim) == post_id:
                services.redis.delete(claim)  # not used on X after all
            return self._not_sent(case, outcome.message)
        log.info("autoreply_sent", post_id=post_id, reply_id=outcome.reply_id)
        say_in_thread(
            services,
            case,
            f"Out-of-hours auto-reply sent (template by <@{by}>): "
            f"“{escape_mrkdwn(reply)}”. The case stays open for a person to answer.",
        )
        return outcome.reply_id or None

    def _not_sent(self, case: Case, why: str) -> str | None:
        """Say in the card's thread why no auto-reply went out; None (nothing was sent)."""
        log.warning("autoreply_not_sent", post_id=case.post_id, reason=why)
        say_in_thread(
            self.services,
            case,
            f"The out-of-hours auto-reply was not sent: {why} A person needs to answer this "
            "post when the company opens.",
        )
        return None
