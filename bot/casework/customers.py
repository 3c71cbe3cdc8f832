"""A customer's cases with their first-response times and links, for `/earshot customer`."""

from __future__ import annotations

from bot.blocks.customer import CaseLine
from bot.casework.cards import permalink
from bot.services import Services
from bot.store.history import CaseHistory
from bot.store.sla import clocks_of


def case_lines(services: Services, author_id: str, limit: int) -> list[CaseLine]:
    cases = CaseHistory(services.redis).newest(author_id, limit)
    clocks = {
        clock.post_id: clock for clock in clocks_of(services.redis, [c.post_id for c in cases])
    }
    lines = []
    for case in cases:
        clock = clocks.get(case.post_id)
        first = (
            max(0.0, clock.first_response_at - clock.start)
            if clock is not None and clock.first_response_at is not None
            else None
        )
        lines.append(CaseLine(case, first, permalink(services.slack, case.channel, case.ts)))
    return lines
