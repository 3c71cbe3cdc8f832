"""A reply X will not take through the API, answered by hand on X: the team still sees it."""

from __future__ import annotations

from bot.casework.cards import refresh_card, say_in_thread
from bot.casework.sending import stop_sla_clock
from bot.domain.case import Case, CaseStatus
from bot.domain.permissions import Person
from bot.services import Services
from bot.store.audit import AuditLog


def record_manual_answer(services: Services, case: Case, who: Person, text: str) -> None:
    services.cases.set_status(case.post_id, CaseStatus.REPLIED, who.id, "answered by hand on X")
    services.cases.release_claim(case.post_id)
    AuditLog(services.redis).record(case.post_id, "reply_manual", who.id, who.real_name, text=text)
    stop_sla_clock(services, case.post_id, "replied", who.id)
    refresh_card(services, case.post_id)
    say_in_thread(
        services,
        case,
        f"<@{who.id}> answered this post by hand on X (X does not accept an API reply to it).",
    )
