"""Each case's SLA clock: started with the case, advanced by escalation steps, stopped by people.

The clock starts inside the MULTI that records a delivered case (a delivery record hook), so a
case never exists without its clock, nor a clock without its case. Stopping cancels whatever
escalation step is planned and, for a reply, keeps the first-response time for the figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

import redis

from bot.domain.figures import CaseClock
from bot.domain.hours import add_business_seconds, business_seconds_between, is_open
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.connection import read_hash
from bot.store.oncall import Office, OncallStore
from bot.store.retention import retention_of

RETENTION_SECONDS = 100 * 86400  # reports look back at most 30 days; keep a margin
STOP_REASONS = ("acknowledged", "replied", "resolved", "deleted")

# KEYS: sla record, due timers, inflight timers. ARGV: reason, now, by, business seconds,
# member prefix. Cancels the planned step; a reply keeps the first response (once).
_STOP = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local step = redis.call('HGET', KEYS[1], 'step')
if step and step ~= 'done' then
  redis.call('ZREM', KEYS[2], ARGV[5] .. step)
  redis.call('ZREM', KEYS[3], ARGV[5] .. step)
end
if redis.call('HGET', KEYS[1], 'state') == 'open' then
  redis.call('HSET', KEYS[1], 'state', 'stopped', 'stopped_reason', ARGV[1],
             'stopped_at', ARGV[2], 'stopped_by', ARGV[3], 'step', 'done')
end
if ARGV[1] == 'replied' and redis.call('HEXISTS', KEYS[1], 'first_response_at') == 0 then
  redis.call('HSET', KEYS[1], 'first_response_at', ARGV[2], 'responder', ARGV[3],
             'first_response_business', ARGV[4])
end
local since = redis.call('HGET', KEYS[1], 'waiting_since')
if ARGV[1] == 'replied' and since then
  local waited = math.max(0, tonumber(ARGV[2]) - tonumber(since))
  local times = redis.call('HGET', KEYS[1], 'next_responses')
  local entry = string.format('%.3f', waited)
  redis.call('HSET', KEYS[1], 'next_responses', times and (times .. ',' .. entry) or entry)
  redis.call('HDEL', KEYS[1], 'waiting_since')
end
if (ARGV[1] == 'resolved' or ARGV[1] == 'deleted')
   and redis.call('HEXISTS', KEYS[1], 'resolved_at') == 0 then
  redis.call('HSET', KEYS[1], 'resolved_at', ARGV[2])
end
return 1
"""

# KEYS: sla record, due timers, inflight timers. ARGV: fired member, fired step,
# next member ('' = none), next due, next step. Only the holder of a live step advances it.
_ADVANCE = """
if redis.call('ZREM', KEYS[3], ARGV[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'state') ~= 'open' then return 0 end
if redis.call('HGET', KEYS[1], 'step') ~= ARGV[2] then return 0 end
redis.call('HINCRBY', KEYS[1], 'pings', 1)
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'step', 'done')
else
  redis.call('HSET', KEYS[1], 'step', ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
end
return 1
"""


# KEYS: sla record, due timers. ARGV: follow-up time, deadline ('' = none), target, first step
# ('done' = none), its due time, member prefix. A follow-up to an answered (or acknowledged)
# case opens the clock again for the next response; an open clock keeps its deadline, since
# the customer is still waiting for the first answer.
_NEXT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[1], 'state') == 'open' then return 0 end
redis.call('HSET', KEYS[1], 'state', 'open', 'waiting_since', ARGV[1], 'deadline', ARGV[2],
           'target', ARGV[3], 'step', ARGV[4])
redis.call('HDEL', KEYS[1], 'stopped_reason', 'stopped_at', 'stopped_by')
if ARGV[4] ~= 'done' then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6] .. ARGV[4]) end
return 1
"""


def step_member(post_id: str, step: int) -> str:
    return f"s:{post_id}:{step}"


def closed_member(post_id: str) -> str:
    return f"c:{post_id}"


def clock_from_hash(post_id: str, raw: dict[str, str]) -> CaseClock:
    step = raw.get("step", "done")
    return CaseClock(
        post_id=post_id,
        start=float(raw["start"]),
        deadline=_number(raw.get("deadline")),
        target=int(raw["target"]) if raw.get("target") else None,
        rules=tuple(r for r in raw.get("rules", "").split("\n") if r),
        step=int(step) if step.isdigit() else None,
        state=raw.get("state", "open"),
        stopped_reason=raw.get("stopped_reason") or None,
        stopped_by=raw.get("stopped_by") or None,
        first_response_at=_number(raw.get("first_response_at")),
        first_response_business=_number(raw.get("first_response_business")),
        responder=raw.get("responder") or None,
        resolved_at=_number(raw.get("resolved_at")),
        pings=int(raw.get("pings", 0)),
        delivered=_number(raw.get("delivered")),
        waiting_since=_number(raw.get("waiting_since")),
        next_responses=tuple(float(t) for t in raw.get("next_responses", "").split(",") if t),
    )


def _number(raw: str | None) -> float | None:
    return float(raw) if raw else None


def start_case_clock(
    pipe: redis.client.Pipeline,
    office: Office,
    post_id: str,
    rules: tuple[str, ...],
    start: float,
    retention_seconds: int = RETENTION_SECONDS,
    marks: tuple[str, ...] = (),
    delivered: float | None = None,
) -> None:
    """Queue a new clock on `pipe`: the deadline counted in business hours (the tightest target
    the case's rules and card marks select), the first step, and a "we are closed" notice when
    the case arrives outside business hours. `start` is when the customer posted; `delivered`
    when the card reached Slack (the gap is Earshot's delivery lag, never the team's time)."""
    target = office.sla.target_for(rules, marks)
    deadline = add_business_seconds(office.hours, start, target) if target else None
    schedule = office.policy.schedule()
    fields: dict[Any, Any] = {"start": repr(start), "rules": "\n".join(rules), "state": "open"}
    fields |= {"target": str(target or ""), "deadline": repr(deadline) if deadline else ""}
    fields["step"] = "0" if deadline is not None and schedule else "done"
    if delivered is not None:
        fields["delivered"] = repr(delivered)
    pipe.hset(keys.sla(post_id), mapping=fields)
    pipe.expire(keys.sla(post_id), retention_seconds)
    day = keys.sla_day(_utc_day(start))
    pipe.rpush(day, post_id)
    pipe.expire(day, retention_seconds)
    if fields["step"] == "0" and deadline is not None:
        pipe.zadd(keys.TIMERS, {step_member(post_id, 0): deadline + schedule[0].offset})
    if office.hours_set and not is_open(office.hours, start):
        pipe.zadd(keys.TIMERS, {closed_member(post_id): start})


RecordHook = Callable[[redis.client.Pipeline, Mention, str, str], None]


def sla_record_hook(client: redis.Redis, clock: Callable[[], float] = time.time) -> RecordHook:
    """The delivery hook that starts each new case's clock in the MULTI that records it."""
    store = OncallStore(client)
    keep = retention_of(client).case_seconds

    def start_clock(pipe: redis.client.Pipeline, mention: Mention, channel: str, ts: str) -> None:
        del channel, ts
        office, post_id, now = store.office(), mention.post_id, clock()
        start = customer_posted_at(mention, now)
        start_case_clock(pipe, office, post_id, mention.rules, start, keep, mention.marks, now)

    return start_clock


FollowupHook = Callable[[redis.client.Pipeline, Mention, str], None]


def next_response_hook(client: redis.Redis, clock: Callable[[], float] = time.time) -> FollowupHook:
    """The delivery hook that starts a case's next-response clock when a follow-up threads in
    (in the MULTI that records the follow-up): the same business hours and escalation policy
    as a first response, the target `/oncall sla next` sets."""
    store = OncallStore(client)

    def start_next(pipe: redis.client.Pipeline, mention: Mention, case_id: str) -> None:
        office = store.office()
        since = customer_posted_at(mention, clock())
        rules, marks = _case_selectors(client, case_id)
        target = office.sla.next_target_for(rules, marks)
        deadline = add_business_seconds(office.hours, since, target) if target else None
        schedule = office.policy.schedule()
        step = "0" if deadline is not None and schedule else "done"
        due = deadline + schedule[0].offset if step == "0" and deadline is not None else 0.0
        args = [repr(since), repr(deadline) if deadline else "", str(target or ""), step]
        pipe.eval(_NEXT, 2, keys.sla(case_id), keys.TIMERS, *args, repr(due), f"s:{case_id}:")

    return start_next


def _case_selectors(client: redis.Redis, case_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw = client.hget(keys.case(case_id), "mention")
    if not raw:
        return (), ()
    first = Mention.from_json(str(raw))
    return first.rules, first.marks


def customer_posted_at(mention: Mention, now: float) -> float:
    """When the customer's wait began: the post's created_at (a slow poll or an outage must not
    flatter the team), never later than now (a clock ahead of ours is not a negative wait)."""
    return min(mention.created_at.timestamp(), now)


def stop_case_clock(
    client: redis.Redis,
    post_id: str,
    reason: str,
    *,
    by: str | None = None,
    at: float | None = None,
) -> None:
    """Stop the case's escalation steps: `reason` is "acknowledged", "replied", "resolved" or
    "deleted" (the author deleted the post).

    A reply also records the first-response time (the first reply only), 24/7 and in business
    hours. Safe to call more than once, and for cases that have no clock (no-op).
    """
    if reason not in STOP_REASONS:
        raise ValueError(f"reason must be one of {STOP_REASONS}, not {reason!r}")
    now = time.time() if at is None else at
    business = ""
    if reason == "replied":
        start = client.hget(keys.sla(post_id), "start")
        if start is None:
            return
        hours = OncallStore(client).office().hours
        business = repr(business_seconds_between(hours, float(str(start)), now))
    script = client.register_script(_STOP)
    record_keys = [keys.sla(post_id), keys.TIMERS, keys.TIMERS_INFLIGHT]
    script(keys=record_keys, args=[reason, repr(now), by or "", business, f"s:{post_id}:"])


def advance_clock(
    client: redis.Redis, post_id: str, fired: int, then: tuple[int, float] | None
) -> bool:
    """After step `fired` went out: plan step `then` (index, due) or mark the steps done.
    False when the clock was stopped or moved on meanwhile (then nothing is planned)."""
    script = client.register_script(_ADVANCE)
    record_keys = [keys.sla(post_id), keys.TIMERS, keys.TIMERS_INFLIGHT]
    args: list[Any] = [step_member(post_id, fired), str(fired)]
    args += [step_member(post_id, then[0]), repr(then[1]), str(then[0])] if then else ["", "", ""]
    return bool(script(keys=record_keys, args=args))


def case_clock(client: redis.Redis, post_id: str) -> CaseClock | None:
    raw = read_hash(client, keys.sla(post_id))
    return clock_from_hash(post_id, raw) if raw.get("start") else None


def clocks_between(client: redis.Redis, since: float, until: float) -> list[CaseClock]:
    """Every case whose clock started in [since, until), oldest first."""
    day, last = _day_of(since), _day_of(until)
    ids: list[str] = []
    while day <= last:
        listed = cast(list[Any], client.lrange(keys.sla_day(day.isoformat()), 0, -1))
        ids += [str(post_id) for post_id in listed]
        day += timedelta(days=1)
    found = clocks_of(client, ids)
    return sorted((c for c in found if since <= c.start < until), key=lambda c: c.start)


def clocks_of(client: redis.Redis, post_ids: Sequence[str]) -> list[CaseClock]:
    """The clocks of these cases, in their order; cases without one are left out."""
    with client.pipeline(transaction=False) as pipe:
        for post_id in post_ids:
            pipe.hgetall(keys.sla(post_id))
        rows = cast(list[dict[str, str]], pipe.execute()) if post_ids else []
    pairs = zip(post_ids, rows, strict=True)
    return [clock_from_hash(post_id, row) for post_id, row in pairs if row.get("start")]


def _day_of(at: float) -> date:
    return datetime.fromtimestamp(at, UTC).date()


def _utc_day(at: float) -> str:
    return _day_of(at).isoformat()
