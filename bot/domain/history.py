"""A customer's history with us, as a card shows it: earlier cases, the newest one's outcome,
and whether another case of theirs is still open."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """What Earshot knew of the author when their card was made (within the retention)."""

    earlier: int  # earlier cases of the author still on record
    last_at: float | None = None  # when the newest earlier case was made
    last_status: str | None = None  # its status value (bot.domain.case.CaseStatus)
    last_by: str | None = None  # the Slack user who last changed it
    last_link: str | None = None  # a permalink to its card (its thread)
    open_cases: int = 0  # other cases of the author not resolved yet
    open_link: str | None = None  # the newest of those

    def to_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value not in (None, 0)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerHistory:
        def number(key: str) -> float | None:
            return float(data[key]) if data.get(key) is not None else None

        def text(key: str) -> str | None:
            return str(data[key]) if data.get(key) else None

        return cls(
            earlier=int(data.get("earlier", 0)),
            last_at=number("last_at"),
            last_status=text("last_status"),
            last_by=text("last_by"),
            last_link=text("last_link"),
            open_cases=int(data.get("open_cases", 0)),
            open_link=text("open_link"),
        )
