"""Move to DM: send the customer a direct message from the brand account, exactly once, with
an optional public note that goes out through the normal reply path (DM text never does)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.text import escape_mrkdwn, slack_time
from bot.casework.cards import case_thread, channel_pace, post_message, refresh_card
from bot.casework.sending import SendOutcome, send_reply, stop_sla_clock
from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Mention
from bot.domain.permissions import Person
from bot.domain.reply import draft_hash
from bot.services import Services
from bot.sources.x import XError
from bot.sources.x_write import XWriter
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.dm_usage import DmUsage
from bot.store.dms import DmMessage, DmStore
from bot.store.rights import revoke_right

log = structlog.get_logger()

PENDING_SECONDS = 300
DOUBT_HOLD_SECONDS = 600  # a DM whose outcome is unknown: the same text waits this long
SENT_SECONDS = 30 * 86_400
NO_PERMISSION = "not allowed to access or delete your direct messages"


@dataclass(frozen=True, slots=True)
class DmOutcome:
    sent: bool
    message: str
    note: SendOutcome | None = None  # the public note's outcome, when one was asked for
    in_doubt: bool = False  # X never answered: it may have been sent (never "not sent")


def move_to_dm(
    services: Services,
    case: Case,
    mention: Mention,
    text: str,
    sender: Person,
    public_note: str | None = None,
) -> DmOutcome:
    """DM `text` to the case's customer (once per case and text); then the public note, if
    any, as a reply. The card says who moved it to DM; the DM counts as our response."""
    client = services.redis
    key = keys.dm_send(case.post_id, draft_hash(case.post_id, text))
    if not client.set(key, f"pending:{sender.id}", nx=True, ex=PENDING_SECONDS):
        state = str(client.get(key) or "")
        if state.startswith("sent:"):
            return DmOutcome(True, "This exact message was already sent.")
        if state == "doubt":
            said = "This message may already have reached X: check the conversation first."
            return DmOutcome(False, said, in_doubt=True)
        return DmOutcome(False, "This message is being sent right now.")
    try:
        _conversation, event_id = XWriter(services.x).send_dm(mention.author.id, text)
    except XError as error:
        doubt = error.kind == "network" and error.maybe_delivered
        return DmOutcome(False, _refusal(services, key, error, mention), in_doubt=doubt)
    DmUsage(services.redis).count("sends", 1, services.clock())
    _record(services, case, mention, text, sender, event_id)
    note = send_reply(services, case, mention, public_note, sender) if public_note else None
    return DmOutcome(True, "Direct message sent.", note)


def _record(
    services: Services, case: Case, mention: Mention, text: str, sender: Person, event_id: str
) -> None:
    """Everything Redis must know once X accepted the DM (no network call before it)."""
    client = services.redis
    dms = DmStore(client, services.settings.dm_retention_days)
    with client.pipeline(transaction=True) as pipe:
        pipe.set(keys.dm_send(case.post_id, draft_hash(case.post_id, text)), f"sent:{event_id}")
        pipe.expire(keys.dm_send(case.post_id, draft_hash(case.post_id, text)), SENT_SECONDS)
        dms.queue_moved(pipe, case.post_id, mention.author.id, sender.id)
        dms.queue_message(pipe, case.post_id, DmMessage(time.time(), sender.id, text, event_id))
        pipe.execute()
    services.cases.set_status(case.post_id, CaseStatus.REPLIED, sender.id, "in a direct message")
    # The audit trail outlives DMs: it names the message, never its text.
    AuditLog(client).record(
        case.post_id, "moved_to_dm", sender.id, sender.real_name, dm_event=event_id
    )
    stop_sla_clock(services, case.post_id, "replied", sender.id)
    services.cases.release_claim(case.post_id)
    refresh_card(services, case.post_id)
    handle = escape_mrkdwn(mention.author.username)
    say_dm_in_thread(
        services, case, f":lock: DM to @{handle} by <@{sender.id}>: {escape_mrkdwn(text)}"
    )
    log.info("moved_to_dm", post_id=case.post_id, user=sender.id)  # never the text


def say_dm_in_thread(
    services: Services, case: Case, text: str, blocks: list[dict[str, Any]] | None = None
) -> str | None:
    """A direct message shown in the case's thread, marked as one so that no shortcut can make
    it a public reply; its ts, or None when Slack refused (logged). Never in a group
    message's thread: a grouped case gets its own card first."""
    threaded = case_thread(services, case)
    if threaded is None:
        return None
    case = threaded
    try:
        posted = post_message(
            services.slack,
            pace=channel_pace(services),
            channel=case.channel,
            thread_ts=case.ts,
            text=text,
            blocks=blocks,
        )
    except (SlackApiError, OSError) as error:
        log.warning("dm_thread_message_failed", post_id=case.post_id, error=repr(error)[:120])
        return None
    ts = str(posted.get("ts") or "")
    if ts:
        DmStore(services.redis, services.settings.dm_retention_days).mark_message(case.channel, ts)
    return ts or None


def _refusal(services: Services, key: str, error: XError, mention: Mention) -> str:
    handle = f"@{mention.author.username}"
    log.warning("dm_failed", kind=error.kind, status=error.status)
    if error.kind == "network" and error.maybe_delivered:
        # It may be out: the same text is held back a while rather than sent twice.
        services.redis.set(key, "doubt", ex=DOUBT_HOLD_SECONDS)
        return (
            "X did not answer in time, so the message may have been sent. Check the DM "
            f"conversation with {handle} on X before sending anything else."
        )
    services.redis.delete(key)
    if error.kind == "rate_limited":
        when = slack_time(error.retry_at) if error.retry_at else "in about 15 minutes"
        return f"X allows only a few DMs per 15 minutes: the next one is possible at {when}."
    if error.kind == "forbidden" and NO_PERMISSION in error.detail.lower():
        revoke_right(services.redis, "dm")
        return "X says this app may not send direct messages (it lacks the DM permission)."
    if error.kind == "forbidden":
        return f"{handle} does not accept direct messages from the brand account (X said no)."
    if error.status == 404 or "could not find user" in error.detail.lower():
        return f"X no longer knows {handle}: the account may have been deleted or suspended."
    if error.kind in ("server", "network"):
        return "X did not answer properly (it may be down or slow); try again in a few minutes."
    return f"X refused the message ({error.status or error.kind}): {error.detail[:200]}"
