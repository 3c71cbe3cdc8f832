"""Reading durations, clock times, weekdays, dates, time zones and "until" moments from commands.

Helpers raise `Unreadable` (message + example); the command parser turns it into a value.
"""

from __future__ import annotations

import html
import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from bot.domain.hours import DAY_MINUTES, WEEKDAY_NAMES, wall_to_epoch, zone

MAX_DURATION = 60 * 86400
_DURATION = re.compile(r"^(?:(\d{1,3})d)?(?:(\d{1,4})h)?(?:(\d{1,5})m)?(?:(\d{1,6})s)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_ALIASES = {name.lower(): i for i, name in enumerate(WEEKDAY_NAMES)} | {
    full: i
    for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}  # fmt: skip


def quoted(text: str) -> str:
    """User text shown back as inert code: whatever Slack escaped or not, nothing pings."""
    literal = html.unescape(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "`" + literal.replace("`", "'") + "`"


class Unreadable(ValueError):
    def __init__(self, message: str, example: str) -> None:
        super().__init__(message)
        self.message, self.example = message, example


def parse_duration(text: str, example: str, *, allow_zero: bool = False) -> int:
    """ "30m", "1h30m", "2d", "45s" -> seconds."""
    found = _DURATION.match(text.strip().lower())
    if not text.strip() or found is None:
        raise Unreadable(
            f"{quoted(text)} is not a duration: write it like 30m, 1h or 1h30m", example
        )
    days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    total = days * 86400 + hours * 3600 + minutes * 60 + seconds
    if total == 0 and not allow_zero:
        raise Unreadable("a duration of zero does not work here", example)
    if total > MAX_DURATION:
        raise Unreadable("durations are limited to 60 days", example)
    return total


def parse_clock(text: str, example: str, *, allow_midnight_end: bool = False) -> int:
    """ "09:00" -> minutes after midnight; "24:00" only as the end of a span."""
    found = _CLOCK.match(text.strip())
    if found is None:
        raise Unreadable(f"{quoted(text)} is not a time: write it as HH:MM, e.g. 09:00", example)
    hour, minute = int(found.group(1)), int(found.group(2))
    total = hour * 60 + minute
    if minute > 59 or total > DAY_MINUTES or (total == DAY_MINUTES and not allow_midnight_end):
        raise Unreadable(f"{quoted(text)} is not a time of day", example)
    return total


def parse_weekday(text: str, example: str) -> int:
    day = _DAY_ALIASES.get(text.strip().lower())
    if day is None:
        raise Unreadable(
            f"{quoted(text)} is not a weekday: use Mon, Tue, Wed, Thu, Fri, Sat, Sun", example
        )
    return day


def parse_days(text: str, example: str) -> list[int]:
    """ "Mon-Fri", "Sat", "Mon,Wed,Fri", "Fri-Mon" (wraps over the weekend) -> weekday numbers."""
    days: list[int] = []
    for part in filter(None, text.split(",")):
        first, dash, last = part.partition("-")
        if not dash:
            days.append(parse_weekday(first, example))
            continue
        start, end = parse_weekday(first, example), parse_weekday(last, example)
        days += [(start + i) % 7 for i in range((end - start) % 7 + 1)]
    if not days:
        raise Unreadable("name the days, e.g. Mon-Fri", example)
    return sorted(set(days))


def parse_date(text: str, example: str) -> date:
    if not _DATE.match(text.strip()):
        raise Unreadable(f"{quoted(text)} is not a date: write it as YYYY-MM-DD", example)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Unreadable(f"{quoted(text)} is not a date on the calendar", example) from None


@cache
def _zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_zone(text: str, example: str) -> str:
    """An IANA time zone name (any letter case): "Europe/Rome", "America/New_York", "UTC"."""
    name = _zones().get(text.strip().lower())
    if name is None:
        raise Unreadable(
            f"{quoted(text)} is not a time zone I know: use an IANA name like Europe/Rome, "
            "America/New_York or UTC",
            example,
        )
    return name


@dataclass(frozen=True, slots=True)
class When:
    """A moment as written: a date, a weekday, "tomorrow", or a bare time (with `minute`), or an
    offset from the reference ("+4h")."""

    kind: str  # "date" | "weekday" | "tomorrow" | "clock" | "offset"
    minute: int = 0
    day: date | None = None
    weekday: int | None = None
    offset: int = 0


def parse_when(words: list[str], example: str) -> When:
    """["Fri", "18:00"], ["2026-12-01", "09:00"], ["2026-12-01"], ["18:00"], ["tomorrow",
    "09:00"], ["+4h"]."""
    if not words:
        raise Unreadable("say when, e.g. `until Fri 18:00`", example)
    head, rest = words[0], words[1:]
    if len(words) > 2:
        raise Unreadable(f"{quoted(' '.join(words))} is not a moment I can read", example)
    if head.startswith("+") and not rest:
        return When("offset", offset=parse_duration(head[1:], example))
    if _CLOCK.match(head) and not rest:
        return When("clock", minute=parse_clock(head, example))
    minute = parse_clock(rest[0], example) if rest else 0
    if _DATE.match(head):
        return When("date", minute=minute, day=parse_date(head, example))
    if head.lower() in ("tomorrow", "today") and rest:
        return When("tomorrow" if head.lower() == "tomorrow" else "clock", minute=minute)
    if rest:
        return When("weekday", minute=minute, weekday=parse_weekday(head, example))
    raise Unreadable(f"{quoted(head)} is not a moment I can read", example)


def resolve_when(when: When, tz: str, reference: float) -> float:
    """The instant `when` names in `tz`: bare times and weekdays are the next ones after
    `reference`; an offset counts from `reference`."""
    if when.kind == "offset":
        return reference + when.offset
    if when.kind == "date":
        assert when.day is not None
        return wall_to_epoch(when.day, when.minute, tz)
    today = datetime.fromtimestamp(reference, zone(tz)).date()
    if when.kind == "tomorrow":
        return wall_to_epoch(today + timedelta(days=1), when.minute, tz)
    for ahead in range(8):
        day = today + timedelta(days=ahead)
        if when.kind == "weekday" and day.weekday() != when.weekday:
            continue
        moment = wall_to_epoch(day, when.minute, tz)
        if moment > reference:
            return moment
    raise AssertionError("a weekday or a time of day always comes within 8 days")
