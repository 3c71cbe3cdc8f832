"""On-call rotations: who is on call at any instant, when the shift changes, and overrides.

Shifts change at the same local wall-clock time (e.g. Mon 09:00 Europe/Rome) whatever DST does:
a shift's index is counted on naive local time from an anchor handoff, when members[0] took over.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.domain.hours import WEEKDAY_NAMES, zone

MAX_MEMBERS = 20
MAX_OVERRIDES = 20


@dataclass(frozen=True, slots=True)
class Override:
    """`user` is on call from `start` to `end` (epoch seconds), whatever the rotation says."""

    user: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Rotation:
    team: str
    members: tuple[str, ...]
    period_days: int
    handoff_minute: int  # minutes after local midnight
    handoff_weekday: int | None  # 0 = Monday; None: any day (daily rotations)
    tz: str
    anchor: str  # naive local ISO datetime of a handoff at which members[0] took over
    overrides: tuple[Override, ...] = ()

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "team": self.team,
            "members": list(self.members),
            "period_days": self.period_days,
            "handoff_minute": self.handoff_minute,
            "handoff_weekday": self.handoff_weekday,
            "tz": self.tz,
            "anchor": self.anchor,
            "overrides": [[o.user, o.start, o.end] for o in self.overrides],
        }
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> Rotation:
        data: dict[str, Any] = json.loads(raw)
        weekday = data.get("handoff_weekday")
        return cls(
            team=str(data["team"]),
            members=tuple(str(m) for m in data["members"]),
            period_days=int(data["period_days"]),
            handoff_minute=int(data["handoff_minute"]),
            handoff_weekday=None if weekday is None else int(weekday),
            tz=str(data["tz"]),
            anchor=str(data["anchor"]),
            overrides=tuple(Override(str(u), float(a), float(b)) for u, a, b in data["overrides"]),
        )


def new_rotation(
    team: str,
    members: tuple[str, ...],
    period_days: int,
    handoff_minute: int,
    handoff_weekday: int | None,
    tz: str,
    now: float,
) -> Rotation:
    """A rotation in which members[0] holds the shift that contains `now`.

    A handoff weekday is only meaningful for periods of whole weeks.
    """
    if period_days % 7:
        handoff_weekday = None
    local = _naive_local(now, tz)
    anchor = local.replace(
        hour=handoff_minute // 60, minute=handoff_minute % 60, second=0, microsecond=0
    )
    if handoff_weekday is not None:
        anchor -= timedelta(days=(anchor.weekday() - handoff_weekday) % 7)
    step = timedelta(days=7 if handoff_weekday is not None else 1)
    while anchor > local:
        anchor -= step
    return Rotation(
        team, members, period_days, handoff_minute, handoff_weekday, tz, anchor.isoformat()
    )


def _naive_local(at: float, tz: str) -> datetime:
    return datetime.fromtimestamp(at, zone(tz)).replace(tzinfo=None)


def shift_index(rotation: Rotation, at: float) -> int:
    elapsed = _naive_local(at, rotation.tz) - datetime.fromisoformat(rotation.anchor)
    return math.floor(elapsed / timedelta(days=rotation.period_days))


def shift_start(rotation: Rotation, index: int) -> float:
    naive = datetime.fromisoformat(rotation.anchor) + timedelta(days=rotation.period_days * index)
    return naive.replace(tzinfo=zone(rotation.tz)).timestamp()


def scheduled(rotation: Rotation, at: float) -> str:
    """Who the rotation itself puts on call at `at` (overrides aside)."""
    return rotation.members[shift_index(rotation, at) % len(rotation.members)]


def on_call(rotation: Rotation, at: float) -> str:
    for override in rotation.overrides:
        if override.start <= at < override.end:
            return override.user
    return scheduled(rotation, at)


def next_change(rotation: Rotation, at: float) -> float:
    """The next instant after `at` at which the shift or an override starts or ends."""
    index = shift_index(rotation, at)
    boundary = shift_start(rotation, index + 1)
    while boundary <= at:  # a wall time skipped by DST can land on or before `at`
        index += 1
        boundary = shift_start(rotation, index + 1)
    edges = [t for o in rotation.overrides for t in (o.start, o.end) if t > at]
    return min([boundary, *edges])


def next_on_call(rotation: Rotation, at: float) -> tuple[str, float] | None:
    """Who takes over next from whoever is on call at `at`, and when (None: nobody else)."""
    current = on_call(rotation, at)
    moment = at
    for _ in range(len(rotation.members) + 2 * len(rotation.overrides) + 2):
        moment = next_change(rotation, moment)
        person = on_call(rotation, moment)
        if person != current:
            return person, moment
    return None


def current_overrides(rotation: Rotation, now: float) -> tuple[Override, ...]:
    """Overrides that have not ended, earliest first."""
    return tuple(sorted((o for o in rotation.overrides if o.end > now), key=lambda o: o.start))


def overlapping(rotation: Rotation, start: float, end: float, now: float) -> Override | None:
    live = current_overrides(rotation, now)
    return next((o for o in live if o.start < end and start < o.end), None)


def with_override(rotation: Rotation, override: Override, now: float) -> Rotation:
    """The rotation with `override` added and ended overrides dropped (overlaps checked first)."""
    kept = current_overrides(rotation, now)
    return replace(rotation, overrides=(*kept, override))


def without_overrides(rotation: Rotation) -> Rotation:
    return replace(rotation, overrides=())


def describe_period(rotation: Rotation) -> str:
    days = rotation.period_days
    every = f"{days // 7}w" if days % 7 == 0 else f"{days}d"
    hand = f"{rotation.handoff_minute // 60:02d}:{rotation.handoff_minute % 60:02d}"
    if rotation.handoff_weekday is not None:
        hand = f"{WEEKDAY_NAMES[rotation.handoff_weekday]} {hand}"
    return f"every {every}, handoff {hand} ({rotation.tz})"
