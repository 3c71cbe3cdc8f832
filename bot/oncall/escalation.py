"""What a due timer does: an escalation step of a case, a handoff, or a "we are closed" note.

Each function returns when the timer is done; a Slack failure that may pass (rate limit,
timeout) is raised as `TryLater` so the timer is given back and fired again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.oncall import (
    closed_notice,
    handoff_text,
    mention_excerpt,
    ping_blocks,
    waited_text,
)
from bot.casework.cards import case_thread, permalink
from bot.domain.case import Case
from bot.domain.figures import CaseClock
from bot.domain.hours import is_open
from bot.domain.mention import Mention
from bot.domain.policy import Step, StepAction, duration_text
from bot.domain.rotation import next_change, next_on_call, on_call
from bot.oncall.paging import alert_channel, post, send_dm
from bot.services import Services
from bot.store.oncall import Office, OncallStore, handoff_member
from bot.store.sla import advance_clock, case_clock

log = structlog.get_logger()


class TryLater(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"try again in {seconds:.0f}s")
        self.seconds = seconds


class PublicReplySender(Protocol):
    """Sends a public reply on X to `post_id` on behalf of `by` and returns the reply's id, or
    None when it sent nothing (bot.casework.autoreply.AutoReplySender, wired in
    bot/pipeline/worker.py)."""

    def __call__(self, post_id: str, text: str, *, by: str) -> str | None: ...


def slack_call(action: Callable[[], object], *, retry: bool = True) -> bool:
    """Run a Slack call: True when done, False when Slack refused for good (logged). When it
    may work later: TryLater with `retry`, else False (for best-effort follow-up messages)."""
    try:
        action()
    except SlackApiError as error:
        log.error("oncall_post_refused", error=error.response.get("error"))
        if error.response.status_code == 429 and retry:
            raise TryLater(float(error.response.headers.get("Retry-After", 5) or 5)) from None
        return False
    except OSError as error:
        log.warning("oncall_post_failed", error=repr(error))
        if retry:
            raise TryLater(10) from None
        return False
    return True


def fire_step(services: Services, post_id: str, step: int) -> None:
    """Send escalation step `step` of the case and plan the next one."""
    clock = case_clock(services.redis, post_id)
    found = services.cases.get(post_id)
    if clock is None or clock.state != "open" or clock.step != step or found is None:
        advance_clock(services.redis, post_id, step, None)  # stale: drop it, plan nothing
        return
    store = OncallStore(services.redis)
    office = store.office()
    schedule = office.policy.schedule()
    if step < len(schedule) and clock.deadline is not None:
        _send_step(services, store, office, clock, found, schedule[step])
    following = step + 1
    then = None
    if following < len(schedule) and clock.deadline is not None:
        then = (following, clock.deadline + schedule[following].offset)
    advance_clock(services.redis, post_id, step, then)


def _send_step(
    services: Services,
    store: OncallStore,
    office: Office,
    clock: CaseClock,
    found: tuple[Case, Mention],
    step: Step,
) -> None:
    case, mention = found
    case = case_thread(services, case) or case  # a ping names one case: in its own thread
    now = services.clock()
    team = store.paged_team(office)
    rotation = store.rotation(team) if team else None
    oncall = on_call(rotation, now) if rotation else None
    target = duration_text(clock.target or 0)
    since = clock.waiting_since or clock.start  # a follow-up waits since it was posted
    what = "customer's follow-up" if clock.waiting_since else "mention"
    waited = f"has waited {waited_text(now - since)} with no answer (SLA {target})"
    who = f"<@{oncall}>" if oncall else "No one is on call (set a rotation with `/oncall set`):"
    if step.action is StepAction.THREAD or (step.action is StepAction.DM and oncall is None):
        text = f"{who} this {what} {waited}. Please take it, or acknowledge."
        slack_call(lambda: post(services, case.channel, text, thread_ts=case.ts,
                                blocks=ping_blocks(text, case.post_id)))  # fmt: skip
    elif step.action is StepAction.DM and oncall is not None and rotation is not None:
        link = _permalink(services, case)
        text = f"A {what} {waited}: {mention_excerpt(mention)} {link}"
        slack_call(lambda: send_dm(services, oncall, text, ping_blocks(text, case.post_id)))
        following = next_on_call(rotation, now)
        if following is not None:
            note = (
                f"<@{following[0]}> heads-up: <@{oncall}> was messaged directly; "
                f"this {what} {waited}."
            )
            slack_call(lambda: post(services, case.channel, note, thread_ts=case.ts), retry=False)
    else:
        link = _permalink(services, case)
        text = f"<!here> A {what} {waited}: {mention_excerpt(mention)} {link}"
        text += f" On call: {who}" if oncall else ""
        channel = alert_channel(services)
        slack_call(lambda: post(services, channel, text, blocks=ping_blocks(text, case.post_id)))
    log.info("sla_step_sent", post_id=case.post_id, action=step.action.value, oncall=oncall)


def _permalink(services: Services, case: Case) -> str:
    link = permalink(services.slack, case.channel, case.ts)
    return f"<{link}|Open the card>" if link else ""


def fire_handoff(services: Services, team: str) -> None:
    """Announce who is on call when that changed, then plan the next change."""
    store = OncallStore(services.redis)
    rotation = store.rotation(team)
    if rotation is None:
        store.timers.finish(handoff_member(team))
        return
    now = services.clock()
    current = on_call(rotation, now)
    before = store.announced(team)
    if current != before:
        until = next_on_call(rotation, now)
        text = handoff_text(team, current, before, until[1] if until else None)
        done = slack_call(lambda: post(services, alert_channel(services), text))
        if done:
            store.mark_announced(team, current)
            log.info("oncall_handoff", team=team, user=current, previous=before)
    store.timers.finish(handoff_member(team), (handoff_member(team), next_change(rotation, now)))


def fire_closed_notice(
    services: Services, post_id: str, member: str, sender: PublicReplySender | None
) -> None:
    """Tell the card's thread the company is closed (and when the SLA clock starts), and send
    the out-of-hours auto-reply when a person switched it on: never while open."""
    store = OncallStore(services.redis)
    office = store.office()
    found = services.cases.get(post_id)
    now = services.clock()
    if found is None or is_open(office.hours, now):
        store.timers.finish(member)
        return
    case, _mention = found
    clock = case_clock(services.redis, post_id)
    text = closed_notice(office.hours, now, clock.deadline if clock else None) or ""
    if not case.grouped:  # not once per case of a flood into a group message's thread
        slack_call(lambda: post(services, case.channel, text, thread_ts=case.ts))
    autoreply = office.autoreply
    if autoreply.enabled and autoreply.template and autoreply.written_by:
        if sender is None:
            log.warning("autoreply_not_wired", post_id=post_id)
        elif not is_open(office.hours, services.clock()):
            # The sender logs `autoreply_sent` itself, only when something went out.
            sender(post_id, autoreply.template, by=autoreply.written_by)
    store.timers.finish(member)
