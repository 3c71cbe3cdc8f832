"""The first-response SLA and the escalation policy: who is pinged, how, and when."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.domain.track_rule import MARK_HIGH_PRIORITY, MARK_VIP, MENTIONS_LABEL, rule_id_from

MAX_STEPS = 10
MAX_REPEAT = 10
MAX_PINGS = 50
DEFAULT_SLA_SECONDS = 60 * 60  # "customers expect an answer within the hour"

# What `/oncall sla 15m rule <selector>` may name besides a /track rule id: the author being a
# VIP, a high-priority rule having matched, and the mentions timeline.
SELECTOR_VIP = "vip"
SELECTOR_HIGH_PRIORITY = "priority:high"
FIXED_SELECTORS = (SELECTOR_VIP, SELECTOR_HIGH_PRIORITY, MENTIONS_LABEL)
_SELECTOR_OF_MARK = {MARK_VIP: SELECTOR_VIP, MARK_HIGH_PRIORITY: SELECTOR_HIGH_PRIORITY}


class StepAction(StrEnum):
    THREAD = "thread"  # ping the on-call person in the card's thread
    DM = "dm"  # direct message to the on-call person, and mention the next one in the thread
    HERE = "here"  # @here in the escalation channel


ACTION_LABELS: dict[StepAction, str] = {
    StepAction.THREAD: "ping the on-call person in the card thread",
    StepAction.DM: "direct message to the on-call person, mention the next one",
    StepAction.HERE: "@here in the escalation channel",
}


@dataclass(frozen=True, slots=True)
class Step:
    offset: int  # seconds after the SLA deadline
    action: StepAction


@dataclass(frozen=True, slots=True)
class Policy:
    """Steps after the deadline; the whole list runs again `repeat` more times, `every` apart."""

    steps: tuple[Step, ...]
    repeat: int = 0
    every: int = 0  # seconds between the starts of two rounds (> the last step's offset)

    def schedule(self) -> list[Step]:
        """Every ping in order, offsets from the deadline (at most MAX_PINGS)."""
        pings = [
            Step(step.offset + round_ * self.every, step.action)
            for round_ in range(self.repeat + 1)
            for step in self.steps
        ]
        return pings[:MAX_PINGS]

    def to_json(self) -> str:
        steps = [[s.offset, s.action.value] for s in self.steps]
        return json.dumps({"steps": steps, "repeat": self.repeat, "every": self.every})

    @classmethod
    def from_json(cls, raw: str) -> Policy:
        data: dict[str, Any] = json.loads(raw)
        steps = tuple(Step(int(o), StepAction(a)) for o, a in data["steps"])
        return cls(steps, int(data.get("repeat", 0)), int(data.get("every", 0)))


DEFAULT_POLICY = Policy(
    steps=(Step(0, StepAction.THREAD), Step(1800, StepAction.DM), Step(3600, StepAction.HERE)),
    repeat=1,
    every=5400,
)


def describe_policy(policy: Policy) -> list[str]:
    lines = [
        f"{'at the deadline' if s.offset == 0 else '+' + duration_text(s.offset)}: "
        f"{ACTION_LABELS[s.action]}"
        for s in policy.steps
    ]
    if policy.repeat:
        rounds = "round" if policy.repeat == 1 else "rounds"
        lines.append(
            f"then {policy.repeat} more {rounds}, each {duration_text(policy.every)} "
            "after the previous one started"
        )
    return lines


def policy_text(policy: Policy) -> str:
    """The policy as /oncall policy takes it, so it can be copied, edited and sent back."""
    text = ", ".join(f"{duration_text(s.offset)} {s.action.value}" for s in policy.steps)
    if policy.repeat:
        text += f" repeat {policy.repeat} every {duration_text(policy.every)}"
    return text


@dataclass(frozen=True, slots=True)
class SlaConfig:
    """First-response target (None = off), per-rule targets, the next-response target (after
    a customer's follow-up: None = the case's first-response target, 0 = off), and the team
    that is paged."""

    target: int | None = DEFAULT_SLA_SECONDS
    per_rule: dict[str, int] = field(default_factory=dict)
    team: str | None = None
    next_target: int | None = None

    def next_target_for(self, rules: tuple[str, ...], marks: tuple[str, ...] = ()) -> int | None:
        """The deadline a follow-up starts: the next-response target, or the first-response
        one the case selects when no separate target is set; None when it is off."""
        if self.next_target == 0:
            return None
        return self.next_target or self.target_for(rules, marks)

    def target_for(self, rules: tuple[str, ...], marks: tuple[str, ...] = ()) -> int | None:
        """The tightest target among what the case matches (its rules, and `vip` or
        `priority:high` from its card's marks), else the default one."""
        matched = case_selectors(rules, marks)
        specific = [self.per_rule[s] for s in matched if s in self.per_rule]
        return min(specific) if specific else self.target

    def to_json(self) -> str:
        data = {"target": self.target, "per_rule": self.per_rule, "team": self.team}
        return json.dumps(data | {"next": self.next_target})

    @classmethod
    def from_json(cls, raw: str) -> SlaConfig:
        data: dict[str, Any] = json.loads(raw)
        target = data.get("target")
        return cls(
            target=None if target is None else int(target),
            per_rule={str(k): int(v) for k, v in (data.get("per_rule") or {}).items()},
            team=data.get("team") or None,
            next_target=None if data.get("next") is None else int(data["next"]),
        )


def case_selectors(rules: tuple[str, ...], marks: tuple[str, ...]) -> tuple[str, ...]:
    """Every selector a case answers to: its rule names and the selectors of its marks."""
    return rules + tuple(_SELECTOR_OF_MARK[m] for m in marks if m in _SELECTOR_OF_MARK)


def sla_selector(word: str, rule_ids: Iterable[str]) -> str | None:
    """`word` as a per-rule SLA selector ("T3" -> "t3", "VIP" -> "vip"), or None when it
    names neither an existing /track rule nor a fixed selector."""
    lowered = word.strip().casefold()
    if lowered in FIXED_SELECTORS:
        return lowered
    rule_id = rule_id_from(lowered)
    return rule_id if rule_id is not None and rule_id in set(rule_ids) else None


@dataclass(frozen=True, slots=True)
class AutoReply:
    """The out-of-hours public reply: off by default, and only ever a text a person wrote."""

    enabled: bool = False
    template: str | None = None
    written_by: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"enabled": self.enabled, "template": self.template, "written_by": self.written_by}
        )

    @classmethod
    def from_json(cls, raw: str) -> AutoReply:
        data: dict[str, Any] = json.loads(raw)
        return cls(bool(data.get("enabled")), data.get("template"), data.get("written_by"))


def duration_text(seconds: int) -> str:
    """3600 -> "1h", 5400 -> "1h30m", 0 -> "0m" (the form /oncall accepts back)."""
    if seconds <= 0:
        return "0m"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s"))
    return "".join(f"{value}{unit}" for value, unit in units if value)
