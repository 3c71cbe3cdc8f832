"""Resolve and reopen a case: status, claim, SLA clock, audit entry, card and thread, in order."""

from __future__ import annotations

import structlog

from bot.blocks.text import escape_and_truncate
from bot.casework.cards import refresh_card, say_in_thread
from bot.casework.notices import UNKNOWN_CASE
from bot.domain.case import RESOLVE_REASONS, CaseStatus
from bot.domain.permissions import Person
from bot.domain.resolution import REOPENABLE_FROM, RESOLVABLE_FROM, resolution_note
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.sla import stop_case_clock

log = structlog.get_logger()

THREAD_NOTE_LIMIT = 1000


def resolve_case(
    services: Services, post_id: str, who: Person, reason: str, note: str
) -> str | None:
    """Resolve the case; None when done, else what to tell the person (nothing was changed)."""
    note = note.strip()
    status_note = resolution_note(reason, note)
    changed, before = services.cases.transition(
        post_id, CaseStatus.RESOLVED, who.id, status_note, RESOLVABLE_FROM
    )
    if before is None:
        return UNKNOWN_CASE
    if not changed:
        return _already(services, post_id, "resolved")
    services.cases.release_claim(post_id)
    _stop_clock(services, post_id, who.id)
    AuditLog(services.redis).record(
        post_id,
        "resolved",
        who.id,
        who.real_name,
        reason=reason,
        note=note or None,
        previous_status=before.value,
    )
    log.info("case_resolved", post_id=post_id, user=who.id, reason=reason)
    _after(services, post_id, _resolved_text(who.id, reason, note))
    return None


def reopen_case(services: Services, post_id: str, who: Person) -> str | None:
    """Reopen a resolved case (it is open and unclaimed again); None when done."""
    changed, before = services.cases.transition(
        post_id, CaseStatus.NEW, who.id, "reopened", REOPENABLE_FROM
    )
    if before is None:
        return UNKNOWN_CASE
    if not changed:
        return "This case is not resolved (any more), so there is nothing to reopen."
    AuditLog(services.redis).record(post_id, "reopened", who.id, who.real_name)
    log.info("case_reopened", post_id=post_id, user=who.id)
    _after(services, post_id, f":leftwards_arrow_with_hook: <@{who.id}> reopened this case.")
    return None


def _resolved_text(user_id: str, reason: str, note: str) -> str:
    text = f":white_check_mark: <@{user_id}> resolved this case: *{RESOLVE_REASONS[reason]}*."
    if note:
        text += f"\n> {escape_and_truncate(' '.join(note.split()), THREAD_NOTE_LIMIT)}"
    return text


def _after(services: Services, post_id: str, thread_text: str) -> None:
    """The card and the thread catch up with the stored state (failures are logged only)."""
    refresh_card(services, post_id)
    found = services.cases.get(post_id)
    if found is not None:
        say_in_thread(services, found[0], thread_text)


def _already(services: Services, post_id: str, what: str) -> str:
    found = services.cases.get(post_id)
    by = f" by <@{found[0].status_by}>" if found and found[0].status_by else ""
    return f"This case was already {what}{by}. Nothing was changed."


def _stop_clock(services: Services, post_id: str, user_id: str) -> None:
    """Resolving stops the SLA escalation steps (issue 6); the resolve stands if that fails."""
    try:
        stop_case_clock(services.redis, post_id, "resolved", by=user_id)
    except Exception:
        log.exception("sla_stop_failed", post_id=post_id)
