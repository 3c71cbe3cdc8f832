"""A post its author deleted: the card says so and the case's clocks stop (nothing to answer)."""

from __future__ import annotations

import structlog

from bot.casework.cards import refresh_card, say_in_thread
from bot.domain.case import CaseStatus
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.sla import stop_case_clock

log = structlog.get_logger()

STILL_OPEN = frozenset(set(CaseStatus) - {CaseStatus.RESOLVED, CaseStatus.DELETED})


def mark_deleted(services: Services, case_id: str, post_id: str) -> None:
    """X said `post_id` (the case's post, or one of its follow-ups) no longer exists."""
    found = services.cases.get(case_id)
    if found is None:
        return
    case, _first = found
    if post_id != case_id:  # a follow-up went: the case itself goes on
        say_in_thread(services, case, f"The customer deleted their follow-up ({post_id}) on X.")
        AuditLog(services.redis).record(case_id, "followup_deleted", "", "X", post=post_id)
        return
    changed, _before = services.cases.transition(
        case_id, CaseStatus.DELETED, "", "X says the post no longer exists", STILL_OPEN
    )
    if not changed:
        return
    stop_case_clock(services.redis, case_id, "deleted", at=services.clock())
    services.cases.release_claim(case_id)
    AuditLog(services.redis).record(case_id, "post_deleted", "", "X")
    refresh_card(services, case_id)
    say_in_thread(services, case, "The author deleted this post on X: there is nothing to answer.")
    log.info("post_deleted", post_id=case_id)
