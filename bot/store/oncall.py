"""Rotations, business hours, SLA, escalation policy and auto-reply settings in Redis.

A rotation is one JSON value per team, replaced whole in a WATCHed transaction (with its handoff
timer), so a concurrent or a refused change never leaves half a rotation behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import redis

from bot.domain.hours import BusinessHours, always_open
from bot.domain.policy import DEFAULT_POLICY, AutoReply, Policy, SlaConfig
from bot.domain.rotation import Rotation, next_change, on_call
from bot.store import keys
from bot.store.connection import read_hash
from bot.store.timers import Timers

T = TypeVar("T")


def handoff_member(team: str) -> str:
    return f"h:{team}"


@dataclass(frozen=True, slots=True)
class Office:
    """The company-wide settings the SLA clock and the escalation steps follow."""

    hours: BusinessHours | None = None  # None: open 24/7, no holidays
    sla: SlaConfig = field(default_factory=SlaConfig)
    policy: Policy = DEFAULT_POLICY
    autoreply: AutoReply = field(default_factory=AutoReply)
    hours_set: bool = False  # False: no /oncall hours given yet (24/7)


class OncallStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.timers = Timers(client)

    # -- company settings -------------------------------------------------------------------

    def office(self) -> Office:
        raw = read_hash(self.client, keys.OFFICE)
        holidays = frozenset(date.fromisoformat(d) for d in raw.get("holidays", "").split() if d)
        hours: BusinessHours | None = None
        if raw.get("hours"):
            hours = BusinessHours.from_json(raw["hours"]).with_holidays(holidays)
        elif holidays:
            hours = always_open("UTC", holidays)
        return Office(
            hours=hours,
            sla=SlaConfig.from_json(raw["sla"]) if raw.get("sla") else SlaConfig(),
            policy=Policy.from_json(raw["policy"]) if raw.get("policy") else DEFAULT_POLICY,
            autoreply=AutoReply.from_json(raw["autoreply"])
            if raw.get("autoreply")
            else AutoReply(),
            hours_set=bool(raw.get("hours")),
        )

    def save_hours(self, hours: BusinessHours) -> None:
        self.client.hset(keys.OFFICE, "hours", hours.to_json())

    def save_holidays(self, holidays: frozenset[date]) -> None:
        self.client.hset(keys.OFFICE, "holidays", " ".join(sorted(d.isoformat() for d in holidays)))

    def save_sla(self, sla: SlaConfig) -> None:
        self.client.hset(keys.OFFICE, "sla", sla.to_json())

    def save_policy(self, policy: Policy | None) -> None:
        if policy is None:
            self.client.hdel(keys.OFFICE, "policy")
        else:
            self.client.hset(keys.OFFICE, "policy", policy.to_json())

    def save_autoreply(self, autoreply: AutoReply) -> None:
        self.client.hset(keys.OFFICE, "autoreply", autoreply.to_json())

    # -- rotations --------------------------------------------------------------------------

    def rotation(self, team: str) -> Rotation | None:
        raw = self.client.hget(keys.ROTATIONS, team)
        return Rotation.from_json(str(raw)) if raw else None

    def rotations(self) -> list[Rotation]:
        raw = read_hash(self.client, keys.ROTATIONS)
        return [Rotation.from_json(raw[team]) for team in sorted(raw)]

    def change_rotation(
        self, team: str, now: float, change: Callable[[Rotation | None], Rotation | T]
    ) -> Rotation | T:
        """Apply `change` to the stored rotation and save what it returns when that is a
        Rotation (with its next handoff timer), all or nothing; any other value (a refusal)
        is returned and nothing is written."""
        outcome: list[Rotation | T] = []

        def attempt(pipe: redis.client.Pipeline) -> None:
            raw: Any = pipe.hget(keys.ROTATIONS, team)
            result = change(Rotation.from_json(str(raw)) if raw else None)
            outcome[:] = [result]
            if not isinstance(result, Rotation):
                return
            pipe.multi()
            pipe.hset(keys.ROTATIONS, team, result.to_json())
            self.timers.schedule(handoff_member(team), next_change(result, now), pipe)

        self.client.transaction(attempt, keys.ROTATIONS)
        return outcome[0]

    def remove_rotation(self, team: str) -> bool:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hdel(keys.ROTATIONS, team)
            pipe.hdel(keys.ONCALL_ANNOUNCED, team)
            self.timers.cancel([handoff_member(team)], pipe)
            removed = pipe.execute()[0]
        return bool(removed)

    def announced(self, team: str) -> str | None:
        raw = self.client.hget(keys.ONCALL_ANNOUNCED, team)
        return str(raw) if raw else None

    def mark_announced(self, team: str, user: str) -> None:
        self.client.hset(keys.ONCALL_ANNOUNCED, team, user)

    def paged_team(self, office: Office | None = None) -> str | None:
        """The team the SLA pages: the one `/oncall sla team` named, else the first rotation."""
        chosen = (office or self.office()).sla.team
        if chosen and self.client.hexists(keys.ROTATIONS, chosen):
            return chosen
        teams = sorted(str(t) for t in self.client.hkeys(keys.ROTATIONS))
        return teams[0] if teams else None


def current_oncall(client: redis.Redis, team: str, now: float) -> str | None:
    """Slack user id of whoever is on call for `team` at `now` (None: no such rotation)."""
    rotation = OncallStore(client).rotation(team)
    return on_call(rotation, now) if rotation is not None else None
