"""Carrying out /oncall commands: check people with Slack, change the store, plan handoffs.

Every change is validated completely before anything is written, and a rotation is replaced
whole in one transaction: a refused command leaves what was there untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from bot.blocks.oncall import hours_lines, overview_text, policy_lines, sla_lines, slack_moment
from bot.casework.people import person
from bot.casework.staff import acting_person
from bot.domain import oncall_commands as c
from bot.domain.hours import BusinessHours, always_open
from bot.domain.policy import FIXED_SELECTORS, SlaConfig, sla_selector
from bot.domain.rotation import (
    MAX_OVERRIDES,
    Override,
    Rotation,
    current_overrides,
    new_rotation,
    on_call,
    overlapping,
    with_override,
    without_overrides,
)
from bot.domain.timeparse import MAX_DURATION, resolve_when
from bot.oncall.answers import Answer, autoreply_text, rotation_saved_text
from bot.services import Services
from bot.store.oncall import OncallStore, handoff_member
from bot.store.tracks import TrackStore

MAX_HOLIDAYS = 400
LOOKUP_THREADS = 8


@dataclass(frozen=True, slots=True)
class Job:
    services: Services
    store: OncallStore
    user: str
    now: float


def carry_out(services: Services, command: c.OncallCommand, user: str, now: float) -> Answer:
    """Do what `command` asks on behalf of `user`; the answer says what happened or why not."""
    if not isinstance(command, c.READ_ONLY):
        refusal = _may_change(services, user)
        if refusal:
            return Answer(refusal, ok=False)
    job = Job(services, OncallStore(services.redis), user, now)
    return _HANDLERS[type(command)](job, command)


def _help(job: Job, command: c.ShowHelp) -> Answer:
    return Answer(c.USAGE)


def _remove(job: Job, command: c.RemoveRotation) -> Answer:
    if not job.store.remove_rotation(command.team):
        return _no_rotation(command.team)
    return Answer(f"The rotation of *{command.team}* is removed.")


def _show_hours(job: Job, command: c.ShowHours) -> Answer:
    office = job.store.office()
    return Answer("\n".join(hours_lines(office.hours, office.hours_set, job.now)))


def _policy(job: Job, command: c.ShowPolicy | c.SetPolicy) -> Answer:
    if isinstance(command, c.SetPolicy):
        job.store.save_policy(command.policy)
    return Answer("\n".join(policy_lines(job.store.office().policy)))


def _may_change(services: Services, user: str) -> str | None:
    """Guests and people from other organisations may look, not change: casework's check."""
    _found, refusal = acting_person(services, user, "change the on-call settings")
    return f"{refusal} `/oncall` still shows them to you." if refusal else None


def check_people(services: Services, users: tuple[str, ...]) -> c.Problem | None:
    """Everyone named must be a real, active person in Slack."""
    with ThreadPoolExecutor(max_workers=LOOKUP_THREADS) as pool:
        found = list(pool.map(lambda u: person(services, u), users))
    for user, who in zip(users, found, strict=True):
        if who is None:
            return c.Problem(f"Slack does not know the user <@{user}>", c.EX_SET)
        if who.deleted:
            return c.Problem(f"<@{user}> is deactivated in Slack", c.EX_SET)
        if who.is_bot:
            return c.Problem(f"<@{user}> is a bot and cannot be on call", c.EX_SET)
    return None


def _no_rotation(team: str) -> Answer:
    return Answer(
        f"There is no rotation called *{team}*. Set one first, e.g. "
        f"`/oncall set {team} @alice @bob`.",
        ok=False,
    )


def _overview(job: Job, command: c.ShowOncall) -> Answer:
    store, team, now = job.store, command.team, job.now
    rotations = store.rotations()
    if team is not None:
        rotations = [r for r in rotations if r.team == team]
        if not rotations:
            return _no_rotation(team)
    office = store.office()
    text = overview_text(
        rotations, office.hours, office.hours_set, office.sla, office.policy,
        store.paged_team(office), now,
    )  # fmt: skip
    return Answer(text)


def _set_rotation(job: Job, command: c.SetRotation) -> Answer:
    services, store, now = job.services, job.store, job.now
    problem = check_people(services, command.members)
    if problem:
        return Answer.refusal(problem)
    office = store.office()
    tz = command.tz or (office.hours.tz if office.hours is not None else "UTC")
    rotation = new_rotation(
        command.team, command.members, command.period_days, command.handoff_minute,
        command.handoff_weekday, tz, now,
    )  # fmt: skip
    store.change_rotation(command.team, now, lambda _old: rotation)
    store.timers.schedule(handoff_member(command.team), now)  # announce the change now
    return Answer(rotation_saved_text(rotation, now))


def _add_override(job: Job, command: c.AddOverride) -> Answer:
    services, store, now = job.services, job.store, job.now
    problem = check_people(services, (command.user,))
    if problem:
        return Answer.refusal(replace(problem, example=c.EX_OVERRIDE))

    def add(rotation: Rotation | None) -> Rotation | Answer:
        if rotation is None:
            return _no_rotation(command.team)
        start = now if command.start is None else resolve_when(command.start, rotation.tz, now)
        end = resolve_when(command.until, rotation.tz, start)
        refusal = _override_refusal(rotation, start, end, now)
        if refusal:
            return Answer.refusal(c.Problem(refusal, c.EX_OVERRIDE))
        return with_override(rotation, Override(command.user, max(start, now), end), now)

    result = store.change_rotation(command.team, now, add)
    if isinstance(result, Answer):
        return result
    store.timers.schedule(handoff_member(command.team), now)
    added = next(o for o in result.overrides if o.user == command.user and o.end > now)
    return Answer(
        f"<@{command.user}> is on call for *{command.team}* from {slack_moment(added.start)} "
        f"until {slack_moment(added.end)}; then the rotation goes on as planned."
    )


def _override_refusal(rotation: Rotation, start: float, end: float, now: float) -> str | None:
    if end <= now:
        return "that time has already passed"
    if end <= start:
        return "the override ends before it starts"
    if end - start > MAX_DURATION:
        return "an override lasts at most 60 days"
    clash = overlapping(rotation, start, end, now)
    if clash is not None:
        return (
            f"it overlaps the override of <@{clash.user}> ({slack_moment(clash.start)} to "
            f"{slack_moment(clash.end)}); clear overrides with "
            f"`/oncall override {rotation.team} clear` first"
        )
    if len(current_overrides(rotation, now)) >= MAX_OVERRIDES:
        return f"a team has at most {MAX_OVERRIDES} overrides planned"
    return None


def _clear_overrides(job: Job, command: c.ClearOverrides) -> Answer:
    store, team, now = job.store, command.team, job.now
    result = store.change_rotation(
        team, now, lambda r: without_overrides(r) if r is not None else _no_rotation(team)
    )
    if isinstance(result, Answer):
        return result
    store.timers.schedule(handoff_member(team), now)
    return Answer(f"Overrides of *{team}* cleared: <@{on_call(result, now)}> is on call now.")


def _change_hours(job: Job, command: c.SetHours | c.ChangeHolidays) -> Answer:
    store, now = job.store, job.now
    office = store.office()
    if isinstance(command, c.SetHours):
        hours = (
            BusinessHours(command.tz, command.spans) if command.spans else always_open(command.tz)
        )
        store.save_hours(hours)
    else:
        holidays = set(office.hours.holidays if office.hours else ())
        holidays = holidays | set(command.days) if command.add else holidays - set(command.days)
        if len(holidays) > MAX_HOLIDAYS:
            return Answer(f"At most {MAX_HOLIDAYS} holidays can be kept; remove old ones.", False)
        store.save_holidays(frozenset(holidays))
    office = store.office()
    lines = hours_lines(office.hours, office.hours_set, now)
    lines.append("New cases count their SLA in these hours; open cases keep their deadline.")
    return Answer("\n".join(lines))


def _sla(job: Job, command: c.ShowSla | c.SetSla | c.SetNextSla | c.SetSlaTeam) -> Answer:
    store = job.store
    office = store.office()
    sla = office.sla
    if isinstance(command, c.SetSlaTeam):
        if store.rotation(command.team) is None:
            return _no_rotation(command.team)
        sla = replace(sla, team=command.team)
    elif isinstance(command, c.SetNextSla):
        sla = replace(sla, next_target=command.target)
    elif isinstance(command, c.SetSla) and command.rule is None:
        sla = replace(sla, target=command.target)
    elif isinstance(command, c.SetSla) and command.rule is not None:
        selector = _selector(job.services, command.rule, sla)
        if isinstance(selector, c.Problem):
            return Answer.refusal(selector)
        per_rule = {k: v for k, v in sla.per_rule.items() if k != selector}
        if command.target is not None:
            per_rule[selector] = command.target
        sla = replace(sla, per_rule=per_rule)
    lines = sla_lines(sla, store.paged_team(replace(office, sla=sla)))
    if sla != office.sla:
        store.save_sla(sla)
        lines.append(
            "New cases get these targets (the tightest matching one); open cases keep their "
            "deadline."
        )
    return Answer("\n".join(lines))


def _selector(services: Services, word: str, sla: SlaConfig) -> str | c.Problem:
    """What `rule <word>` names: an existing /track rule, `vip`, `priority:high` or `mentions`
    (a target already stored under `word` may always be switched off)."""
    rule_ids = [rule.id for rule in TrackStore(services.redis).all()]
    found = sla_selector(word, rule_ids)
    if found is not None:
        return found
    if word in sla.per_rule:
        return word
    valid = ", ".join(f"`{name}`" for name in [*rule_ids, *FIXED_SELECTORS])
    return c.Problem(
        f"`{word}` is neither a /track rule nor an SLA selector; use one of {valid}",
        "/oncall sla 15m rule vip",
    )


def _autoreply(job: Job, command: c.ShowAutoReply | c.SetAutoReply | c.SwitchAutoReply) -> Answer:
    store, user = job.store, job.user
    current = store.office().autoreply
    if isinstance(command, c.SetAutoReply):
        current = replace(current, template=command.template, written_by=user)
    elif isinstance(command, c.SwitchAutoReply):
        if command.enabled and not current.template:
            return Answer.refusal(
                c.Problem("write the reply text first, then switch it on", c.EX_AUTOREPLY)
            )
        current = replace(current, enabled=command.enabled)
    if not isinstance(command, c.ShowAutoReply):
        store.save_autoreply(current)
    return Answer(autoreply_text(current))


_HANDLERS: dict[type, Callable[[Job, Any], Answer]] = {
    c.ShowHelp: _help,
    c.ShowOncall: _overview,
    c.SetRotation: _set_rotation,
    c.AddOverride: _add_override,
    c.ClearOverrides: _clear_overrides,
    c.RemoveRotation: _remove,
    c.ShowHours: _show_hours,
    c.SetHours: _change_hours,
    c.ChangeHolidays: _change_hours,
    c.ShowSla: _sla,
    c.SetSla: _sla,
    c.SetNextSla: _sla,
    c.SetSlaTeam: _sla,
    c.ShowPolicy: _policy,
    c.SetPolicy: _policy,
    c.ShowAutoReply: _autoreply,
    c.SetAutoReply: _autoreply,
    c.SwitchAutoReply: _autoreply,
}
