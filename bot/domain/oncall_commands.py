"""What an /oncall command asks for, once read: one value per kind of request, or a Problem."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.hours import OpenSpan
from bot.domain.policy import Policy
from bot.domain.timeparse import When

EX_SET = "/oncall set support @alice @bob every 1w handoff Mon 09:00 tz Europe/Rome"
EX_OVERRIDE = "/oncall override support @carol until Fri 18:00"
EX_REMOVE = "/oncall remove support"
EX_HOURS = "/oncall hours Mon-Fri 09:00-18:00 tz Europe/Rome"
EX_HOLIDAY = "/oncall holiday add 2026-12-25 2026-12-26"
EX_SLA = "/oncall sla 30m"
EX_NEXT_SLA = "/oncall sla next 1h (or: next off, next same)"
EX_POLICY = "/oncall policy 0m thread, 30m dm, 60m here repeat 2 every 90m"
EX_AUTOREPLY = "/oncall autoreply set Hi {first_name}! We are back at 09:00 CET and answer then."

USAGE = (
    "*/oncall* — on-call rotation, business hours and response-time SLA\n"
    "• `/oncall` — who is on call now and next, per team\n"
    "• `/oncall set <team> @a @b [every 1w|1d|2w] [handoff Mon 09:00] [tz Europe/Rome]`\n"
    "• `/oncall override <team> @x until <Fri 18:00|18:00|2026-12-01 09:00|+4h> [from <time>]`"
    " · `/oncall override <team> clear`\n"
    "• `/oncall remove <team>`\n"
    "• `/oncall hours Mon-Fri 09:00-18:00 tz Europe/Rome` · `/oncall hours 24/7`\n"
    "• `/oncall holiday add|remove 2026-12-25 [2026-12-26..2026-12-31]` · `/oncall holidays`\n"
    "• `/oncall sla 30m [rule t3|vip|priority:high]` · `/oncall sla off [rule <selector>]`"
    " · `/oncall sla next 1h|off|same` (after a customer's follow-up) · `/oncall sla team <team>`\n"
    "• `/oncall policy` · `/oncall policy 0m thread, 30m dm, 60m here repeat 2 every 90m`"
    " · `/oncall policy reset`\n"
    "• `/oncall autoreply` · `/oncall autoreply set <text>` · `/oncall autoreply on|off`"
)


@dataclass(frozen=True, slots=True)
class Problem:
    """A command that cannot be carried out: what is wrong, and an example that works."""

    message: str
    example: str


@dataclass(frozen=True, slots=True)
class ShowHelp:
    pass


@dataclass(frozen=True, slots=True)
class ShowOncall:
    team: str | None = None


@dataclass(frozen=True, slots=True)
class SetRotation:
    team: str
    members: tuple[str, ...]
    period_days: int
    handoff_minute: int
    handoff_weekday: int | None
    tz: str | None  # None: the business hours' zone, else UTC


@dataclass(frozen=True, slots=True)
class AddOverride:
    team: str
    user: str
    until: When
    start: When | None  # None: from now


@dataclass(frozen=True, slots=True)
class ClearOverrides:
    team: str


@dataclass(frozen=True, slots=True)
class RemoveRotation:
    team: str


@dataclass(frozen=True, slots=True)
class ShowHours:
    pass


@dataclass(frozen=True, slots=True)
class SetHours:
    spans: tuple[OpenSpan, ...] | None  # None: open 24/7
    tz: str


@dataclass(frozen=True, slots=True)
class ChangeHolidays:
    days: tuple[date, ...]
    add: bool


@dataclass(frozen=True, slots=True)
class ShowSla:
    pass


@dataclass(frozen=True, slots=True)
class SetSla:
    target: int | None  # None: off
    rule: str | None


@dataclass(frozen=True, slots=True)
class SetNextSla:
    """The next-response target: seconds, 0 = off, None = the first-response target."""

    target: int | None


@dataclass(frozen=True, slots=True)
class SetSlaTeam:
    team: str


@dataclass(frozen=True, slots=True)
class ShowPolicy:
    pass


@dataclass(frozen=True, slots=True)
class SetPolicy:
    policy: Policy | None  # None: back to the default


@dataclass(frozen=True, slots=True)
class ShowAutoReply:
    pass


@dataclass(frozen=True, slots=True)
class SetAutoReply:
    template: str


@dataclass(frozen=True, slots=True)
class SwitchAutoReply:
    enabled: bool


OncallCommand = (
    ShowHelp | ShowOncall | SetRotation | AddOverride | ClearOverrides | RemoveRotation
    | ShowHours | SetHours | ChangeHolidays | ShowSla | SetSla | SetNextSla | SetSlaTeam
    | ShowPolicy | SetPolicy | ShowAutoReply | SetAutoReply | SwitchAutoReply
)  # fmt: skip

# Commands that only read: anyone may run them; the others change what everyone relies on.
READ_ONLY = (ShowHelp, ShowOncall, ShowHours, ShowSla, ShowPolicy, ShowAutoReply)
