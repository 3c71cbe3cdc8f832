"""Send a public reply exactly once, then bring the case, card, thread and audit up to date."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog

from bot.casework.cards import refresh_card, say_in_thread
from bot.casework.deleted import mark_deleted
from bot.casework.network_writes import writer_for
from bot.domain.case import Case, CaseStatus
from bot.domain.failures import ExplainedError
from bot.domain.mention import Mention
from bot.domain.network import network_of
from bot.domain.permissions import Person
from bot.domain.reply import draft_hash, normalize
from bot.domain.x_failures import explain_x_failure
from bot.services import Services
from bot.sources.social_error import SocialError
from bot.sources.x import XError
from bot.sources.x_write import XWriter
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.conversations import Conversations
from bot.store.doubts import Doubt, InDoubt, hold_in_doubt
from bot.store.rights import revoke_right
from bot.store.sla import stop_case_clock

log = structlog.get_logger()

SEND_RECORD_SECONDS = 30 * 24 * 3600  # how long a sent draft is remembered (idempotency)
PENDING_SECONDS = 300  # a send that died mid-flight frees its draft after this
IN_FLIGHT_MS = 60_000
DRAFT_SECONDS = 7 * 24 * 3600
RETRY_DELAYS = (1.0, 2.0)  # after a 5xx or timeout: two more tries


# Told when something broke after the reply was handed to X (never "nothing was sent").
MAY_BE_SENT = (
    "Earshot hit an unexpected error after handing the reply to X: it may have been sent. "
    "Check the card and the post on X before sending it again."
)
SENT_NOT_RECORDED = (
    "X accepted the reply (it is public), but Earshot could not record it: the card may not "
    "show it yet. Do not send it again; tell the Earshot admins."
)
ALREADY_ANSWERED = "Someone already answered this post (see the card), so nothing was sent."
CHECKING = (
    "X did not answer in time, so this reply may already be public. Earshot is checking the "
    "brand's timeline on X and will update the card within a few minutes; until then no other "
    "reply to this post is sent. Do not post it by hand."
)
DOUBT_SECONDS = 180  # after this, a reply the timeline never showed is settled as not sent


class ReplyMayBeSent(ExplainedError):
    """An unexpected failure once the reply was handed to X: the person must not be told that
    nothing went out."""


@dataclass(frozen=True, slots=True)
class SendOutcome:
    sent: bool
    message: str
    reply_id: str | None = None
    first_time: bool = True  # False: an earlier identical send already did it
    in_flight: bool = False  # nothing done: this very send is under way elsewhere
    in_doubt: bool = False  # X never answered: being checked on the timeline, not failed


OnSent = Callable[[str], None]  # records a reply X accepted; Redis only, no network


def send_reply(
    services: Services,
    case: Case,
    mention: Mention,
    text: str,
    sender: Person,
    *,
    drafted_by: Person | None = None,
    unanswered_only: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> SendOutcome:
    """Post `text` (signature included) as the reply to `mention` (the case's post, or a
    follow-up in its thread), exactly once, and bring the case, card, thread, audit and SLA
    clock up to date. A failure keeps the draft.
    `unanswered_only`: refuse (nothing posted) if the case is answered when the send starts."""
    writer = writer_for(services, mention.post_id)
    brand = _brand_handle(services) if writer is None else None  # X: before the post

    def url_of(reply_id: str) -> str:
        if writer is None:
            return reply_url(brand, reply_id, mention)
        return writer.reply_url(reply_id, mention)

    def record(reply_id: str) -> None:
        url = url_of(reply_id)
        _record_reply(services, case, mention, text, sender, reply_id, drafted_by, url)

    outcome = post_once(
        services,
        case.post_id,
        text,
        sender.id,
        on_sent=record,
        unanswered_only=unanswered_only,
        sleep=sleep,
        reply_to=mention.post_id,
    )
    if not outcome.sent:
        keep_draft(services, case.post_id, sender.id, text)
    elif outcome.first_time:
        url = url_of(outcome.reply_id or "")
        _tell_slack(services, case, sender, outcome.reply_id or "", drafted_by, url)
    return outcome


def post_once(
    services: Services,
    post_id: str,
    text: str,
    sender_id: str,
    *,
    on_sent: OnSent | None = None,
    unanswered_only: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    reply_to: str | None = None,
    kind: str = "reply",
) -> SendOutcome:
    """POST the reply to `reply_to` (default: the case's post, `post_id`) unless this exact
    text was already sent (or is being sent) to that post.

    The same text for the same post is one idempotency key: a double click, a retried request
    or two people submitting the same draft give one post. One send per case is in flight at a
    time, and `on_sent` records an accepted reply before the next send may start, so
    `unanswered_only` sees every earlier reply. Failures are explained in plain words.
    """
    client = services.redis
    target = reply_to or post_id
    if client.exists(keys.in_doubt(target)):
        return SendOutcome(False, CHECKING, in_doubt=True)
    key = keys.send_key(target, draft_hash(target, text))
    if not client.set(key, f"pending:{sender_id}", nx=True, ex=PENDING_SECONDS):
        state = str(client.get(key) or "")
        if state.startswith("sent:"):
            return SendOutcome(
                True, "This exact reply was already sent.", state[5:] or None, first_time=False
            )
        return SendOutcome(
            False, "This reply is being sent right now; it will show on the card.", in_flight=True
        )
    if not client.set(keys.sending(post_id), sender_id, nx=True, px=IN_FLIGHT_MS):
        client.delete(key)
        return SendOutcome(
            False,
            "Someone else is sending a reply to this post right now. "
            "Wait for the card to update before sending another.",
        )
    try:
        if unanswered_only and _answered(services, post_id):
            client.delete(key)
            return SendOutcome(False, ALREADY_ANSWERED)
        return _post_and_record(
            services, key, Doubt(post_id, target, text, sender_id, kind=kind), on_sent, sleep
        )
    finally:
        client.delete(keys.sending(post_id))


def _post_and_record(
    services: Services,
    key: str,
    send: Doubt,
    on_sent: OnSent | None,
    sleep: Callable[[float], None],
) -> SendOutcome:
    client = services.redis
    post_id, text = send.case_id, send.text
    try:
        writer = writer_for(services, send.target)
        if writer is not None:  # another network: its own exactly-once (network_writes)
            reply_id = writer.reply(send.target, text, key)
        else:
            reply_id = _post_with_retries(services, send.target, text, sleep)
    except SocialError as error:
        return _refused_elsewhere(services, key, send, error)
    except InDoubt:
        hold_in_doubt(client, key, send, services.clock())
        log.warning("reply_in_doubt", post_id=post_id, target=send.target)
        return SendOutcome(False, CHECKING, in_doubt=True)
    except XError as error:
        client.delete(key)
        failure = explain_x_failure(error.kind, error.status, error.detail, error.retry_at)
        if failure.revoked_right:
            revoke_right(client, failure.revoked_right)
        if failure.target_gone:
            mark_deleted(services, send.case_id, send.target)
        log.warning("reply_failed", post_id=post_id, kind=error.kind, status=error.status)
        return SendOutcome(False, failure.message)
    except Exception as error:
        # Not an answer from X (a bug, a broken connection mid-request): the reply may be out.
        log.error("reply_outcome_unknown", post_id=post_id, error=repr(error))
        raise ReplyMayBeSent(MAY_BE_SENT) from error
    # X said 201: from here on only Redis, so the record cannot be lost to a network hiccup.
    try:
        client.set(key, f"sent:{reply_id}", ex=SEND_RECORD_SECONDS)
        services.cases.remember_reply(post_id, normalize(text))
        if on_sent is not None:
            on_sent(reply_id)
    except Exception as error:
        log.error("reply_record_failed", post_id=post_id, reply_id=reply_id, error=repr(error))
        raise ReplyMayBeSent(SENT_NOT_RECORDED) from error
    return SendOutcome(True, "Reply sent.", reply_id)


def _refused_elsewhere(
    services: Services, key: str, send: Doubt, error: SocialError
) -> SendOutcome:
    """Another network said no: the draft is kept, and so is its exactly-once key."""
    services.redis.delete(key)
    if error.kind == "not_found":
        mark_deleted(services, send.case_id, send.target)
    log.warning("reply_failed", post_id=send.case_id, kind=error.kind, status=error.status)
    return SendOutcome(False, error.user_text)


def _answered(services: Services, post_id: str) -> bool:
    found = services.cases.get(post_id)
    return found is not None and found[0].answered


def _post_with_retries(
    services: Services, post_id: str, text: str, sleep: Callable[[float], None]
) -> str:
    writer = XWriter(services.x)
    for attempt, delay in enumerate((*RETRY_DELAYS, None)):
        try:
            return writer.post_reply(text, post_id)
        except XError as error:
            if error.kind == "network" and error.maybe_delivered:
                raise InDoubt(post_id) from None  # it may be public: never send it again blind
            duplicate = error.kind == "forbidden" and "duplicate" in error.detail.lower()
            if duplicate and attempt > 0:
                # An earlier attempt that timed out did land: X now calls it a duplicate.
                log.info("reply_landed_on_earlier_attempt", post_id=post_id)
                return ""
            if error.kind not in ("server", "network") or delay is None:
                raise
            log.info("reply_retry", post_id=post_id, attempt=attempt + 1, kind=error.kind)
            sleep(delay)
    raise AssertionError("unreachable")


def _brand_handle(services: Services) -> str | None:
    """Our @handle for the reply's link (looked up once per process); None when X will not say:
    the link then goes without it, and the reply is not held up."""
    try:
        return services.x.me().username
    except XError as error:
        log.warning("brand_lookup_failed", kind=error.kind, status=error.status)
        return None


def reply_url(brand: str | None, reply_id: str, mention: Mention) -> str:
    if not reply_id:
        return mention.url  # it landed on an earlier attempt whose answer was lost
    return f"https://x.com/{brand or 'i'}/status/{reply_id}"


def _record_reply(
    services: Services,
    case: Case,
    target: Mention,
    text: str,
    sender: Person,
    reply_id: str,
    drafted_by: Person | None,
    url: str,
) -> None:
    """Everything Redis must know once X accepted the reply (no network call in here)."""
    client = services.redis
    services.cases.set_status(case.post_id, CaseStatus.REPLIED, sender.id, url)
    details = {"reply_id": reply_id, "text": text}
    if target.post_id != case.post_id:
        details["in_reply_to"] = target.post_id  # a follow-up in the case's thread
    if drafted_by is not None and drafted_by.id != sender.id:
        details["drafted_by"] = drafted_by.id
    AuditLog(client).record(case.post_id, "reply_sent", sender.id, sender.real_name, **details)
    with client.pipeline(transaction=True) as pipe:
        Conversations(client).queue_reply(pipe, case.post_id, reply_id)
        pipe.execute()
    stop_sla_clock(services, case.post_id, "replied", sender.id)
    services.cases.release_claim(case.post_id)
    client.delete(keys.draft(case.post_id, sender.id))


def _tell_slack(
    services: Services,
    case: Case,
    sender: Person,
    reply_id: str,
    drafted_by: Person | None,
    url: str,
) -> None:
    """The card and thread catch up (best effort: Slack failures are logged, never raised)."""
    refresh_card(services, case.post_id)
    by = f" (drafted by <@{drafted_by.id}>)" if drafted_by and drafted_by.id != sender.id else ""
    network = network_of(case.post_id).name
    say_in_thread(
        services, case, f"<@{sender.id}> replied on {network}{by}: <{url}|view the reply>"
    )
    log.info("reply_sent", post_id=case.post_id, reply_id=reply_id, user=sender.id)


def earlier_replies(services: Services, post_id: str) -> set[str]:
    return {str(t) for t in services.redis.smembers(keys.replies(post_id))}


def keep_draft(services: Services, post_id: str, user_id: str, text: str) -> None:
    services.redis.set(keys.draft(post_id, user_id), text, ex=DRAFT_SECONDS)


def kept_draft(services: Services, post_id: str, user_id: str) -> str | None:
    value = services.redis.get(keys.draft(post_id, user_id))
    return str(value) if value else None


def stop_sla_clock(services: Services, post_id: str, reason: str, by: str) -> None:
    """The case got its first answer: record the response time, stop the escalation steps."""
    stop_case_clock(services.redis, post_id, reason, by=by, at=services.clock())


def record_settled_reply(
    services: Services, case: Case, target: Mention, text: str, sender: Person, reply_id: str
) -> None:
    """A reply that was in doubt is on X after all: record it as any accepted reply."""
    url = reply_url(_brand_handle(services), reply_id, target)
    services.cases.remember_reply(case.post_id, normalize(text))
    _record_reply(services, case, target, text, sender, reply_id, None, url)
    _tell_slack(services, case, sender, reply_id, None, url)
