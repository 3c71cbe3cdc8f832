"""Spike detection: the usual volume of a scope, when a flood is a spike, and one storm's states.

A scope is an ingest source name ("x:mentions", "track:t3"). Everything here is pure: counts in,
decisions out; bot/store/spikes.py keeps the numbers and bot/pipeline/spikes.py acts on them.

Thresholds, and why (mentions in the last 15 minutes against the usual 15 minutes):
- normal: 5x the usual and at least 20. Mentions are bursty (one repost brings a dozen), so a
  2-3x wobble is common in a healthy hour; 5x held for 15 minutes is not. 20 in 15 minutes, a
  mention every 45 s, is where a person would want to look even for a usually silent scope.
- low: 10x and at least 50, for big accounts where a busy hour is normal.
- high: 3x and at least 10, for small accounts and narrow /track rules.
- off: never.
A scope with little history is judged against a floor on its usual volume: 8 per 15 minutes in
its first day (we know nothing yet; at normal that means 40 to alert), 4 until it has 3 weeks of
the same hour of the week, then 1 (only so that the ratio stays finite).
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

WINDOW_SECONDS = 15 * 60  # the current rate is the mentions of the last 15 minutes
WINDOWS_PER_HOUR = 4
HOUR = 3600
HOURS_PER_WEEK = 168
WEEKS_KEPT = 8  # history of the same hour of the week
MATURE_WEEKS = 3  # fewer weeks than this: blend in the last 24 hours
DAY_HOURS = 24
NEW_FLOOR = 8.0  # usual per 15 min assumed at least, first day of a scope
YOUNG_FLOOR = 4.0  # ... until MATURE_WEEKS of history
MATURE_FLOOR = 1.0
# 1970-01-01 was a Thursday: hour 0 of the epoch is hour 72 of its (Monday-first) week.
_EPOCH_HOUR_OF_WEEK = 3 * DAY_HOURS

CALM_FACTOR = 1.5  # a storm calms when the rate is under 1.5x the usual ...
CALM_OF_MINIMUM = 0.25  # ... (and under a quarter of the alert minimum) ...
CALM_SECONDS = 15 * 60  # ... for 15 minutes: then the all-clear
COOLDOWN_SECONDS = 3600  # after an all-clear, a new storm within the hour is not alerted ...
REGROWTH = 2.0  # ... unless it grows to twice the last storm's peak


class Sensitivity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Threshold:
    factor: float  # times the usual 15 minutes
    min_count: int  # and never fewer mentions than this in 15 minutes


THRESHOLDS: dict[Sensitivity, Threshold] = {
    Sensitivity.LOW: Threshold(10.0, 50),
    Sensitivity.NORMAL: Threshold(5.0, 20),
    Sensitivity.HIGH: Threshold(3.0, 10),
}


def hour_index(epoch: float) -> int:
    """Hours since the epoch: the key of one hour's count in a scope's history."""
    return int(epoch // HOUR)


def hour_of_week(epoch: float) -> int:
    """0 = Monday 00:00-01:00 UTC ... 167 = Sunday 23:00-24:00 UTC."""
    return (hour_index(epoch) + _EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK


def history_hours(now: float) -> list[int]:
    """The past hours the baseline reads: the same hour of each past week, then the last day."""
    current = hour_index(now)
    weekly = [current - HOURS_PER_WEEK * week for week in range(1, WEEKS_KEPT + 1)]
    return weekly + [current - back for back in range(1, DAY_HOURS + 1)]


@dataclass(frozen=True, slots=True)
class Baseline:
    usual: float  # the estimate of a usual 15 minutes now
    expected: float  # `usual`, raised to the floor for a scope with little history
    weeks: int  # how many past weeks had this hour of the week


def baseline(counts: Mapping[int, int], first_hour: int | None, now: float) -> Baseline:
    """The usual mentions in 15 minutes at `now`: the median of the same hour of the week over
    past weeks (robust to one bad week), blended with the median of the last 24 hours while
    there are fewer than MATURE_WEEKS of them. `counts` maps hour_index -> mentions; an hour
    since `first_hour` without a count had none."""
    current = hour_index(now)
    if first_hour is None or first_hour >= current:
        return Baseline(0.0, NEW_FLOOR, 0)

    def known(hours: Iterable[int]) -> list[int]:
        return [counts.get(hour, 0) for hour in hours if hour >= first_hour]

    hours = history_hours(now)
    weekly, daily = known(hours[:WEEKS_KEPT]), known(hours[WEEKS_KEPT:])
    weight = min(len(weekly), MATURE_WEEKS) / MATURE_WEEKS
    by_week = statistics.median(weekly) if weekly else 0.0
    by_day = statistics.median(daily) if daily else 0.0
    usual = (weight * by_week + (1 - weight) * by_day) / WINDOWS_PER_HOUR
    if current - first_hour < DAY_HOURS:
        floor = NEW_FLOOR
    else:
        floor = MATURE_FLOOR if len(weekly) >= MATURE_WEEKS else YOUNG_FLOOR
    return Baseline(usual, max(usual, floor), len(weekly))


def threshold(sensitivity: Sensitivity, base: Baseline) -> float | None:
    """Mentions in 15 minutes that make a spike; None: this scope never alerts."""
    rule = THRESHOLDS.get(sensitivity)
    return None if rule is None else max(float(rule.min_count), rule.factor * base.expected)


def calm_limit(sensitivity: Sensitivity, base: Baseline) -> float:
    """Under this many mentions in 15 minutes, a storm is calming down."""
    rule = THRESHOLDS.get(sensitivity, THRESHOLDS[Sensitivity.NORMAL])
    return max(CALM_FACTOR * base.expected, CALM_OF_MINIMUM * rule.min_count)


def ratio(current: int, expected: float) -> float:
    """How many times the usual `current` is, against the `expected` the decision used (the
    baseline's floor included), so the number never overstates a scope we know little about."""
    return current / expected if expected > 0 else float(current)


class Phase(StrEnum):
    QUIET = "quiet"
    SPIKING = "spiking"


class Owed(StrEnum):
    """A message decided but not delivered yet (delivery clears it; a failure keeps it)."""

    NOTHING = ""
    ALERT = "alert"
    OVER = "over"


@dataclass(frozen=True, slots=True)
class StormState:
    """Where one scope is: quiet, or in storm number `storm` since `started_at`."""

    phase: Phase = Phase.QUIET
    storm: int = 0
    started_at: float = 0.0
    peak: int = 0
    calm_since: float | None = None
    ended_at: float | None = None  # when the last storm ended
    last_peak: int = 0  # the peak of the last storm people were told about
    announced: bool = False  # this storm was (or is to be) told
    owed: Owed = Owed.NOTHING


def advance(
    state: StormState, current: int, base: Baseline, sensitivity: Sensitivity, now: float
) -> StormState:
    """One check of a scope: quiet -> spiking (an alert is owed) -> calm for CALM_SECONDS
    (an all-clear is owed) -> quiet. A storm within COOLDOWN_SECONDS of the last all-clear is
    followed silently unless it reaches REGROWTH x that storm's peak."""
    limit = threshold(sensitivity, base)
    if limit is None:  # switched off: end any storm without another word
        if state.phase is Phase.QUIET and state.owed is Owed.NOTHING:
            return state
        return replace(state, phase=Phase.QUIET, calm_since=None, ended_at=now, owed=Owed.NOTHING)
    if state.phase is Phase.QUIET:
        return _maybe_start(state, current, limit, now)
    return _follow(state, current, limit, calm_limit(sensitivity, base), now)


def _maybe_start(state: StormState, current: int, limit: float, now: float) -> StormState:
    if current < limit:
        return state
    cooling = state.ended_at is not None and now - state.ended_at < COOLDOWN_SECONDS
    announce = not cooling or current >= REGROWTH * state.last_peak
    return replace(
        state,
        phase=Phase.SPIKING,
        storm=state.storm + 1,
        started_at=now,
        peak=current,
        calm_since=None,
        announced=announce,
        owed=Owed.ALERT if announce else Owed.NOTHING,  # an all-clear still owed is moot now
    )


def _follow(state: StormState, current: int, limit: float, calm: float, now: float) -> StormState:
    peak = max(state.peak, current)
    if not state.announced and current >= limit and current >= REGROWTH * state.last_peak:
        state = replace(state, announced=True, owed=Owed.ALERT)
    if current >= calm:
        return replace(state, peak=peak, calm_since=None)
    calm_since = state.calm_since if state.calm_since is not None else now
    if now - calm_since < CALM_SECONDS:
        return replace(state, peak=peak, calm_since=calm_since)
    return replace(
        state,
        phase=Phase.QUIET,
        peak=peak,
        calm_since=None,
        ended_at=now,
        last_peak=peak if state.announced else state.last_peak,
        owed=Owed.OVER if state.announced else Owed.NOTHING,
    )


# -- top words ----------------------------------------------------------------------------

WORDS_PER_POST = 20
WORD_LIMIT = 30
MIN_WORD = 3
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_WORD = re.compile(r"[^\W\d_][\w'-]*")

_STOP_WORDS = """
    a about after again all also am an and any are aren't as at be because been before being
    but by can can't cannot could couldn't did didn't do does doesn't doing don't during
    each few for from further get gets got had has hasn't have haven't having he her here hers
    him his how i i'm if in into is isn't it it's its just let me more most my no nor not now of
    off on once only or other our ours out over own same she should so some still such than that
    the their theirs them then there these they this those through to too under until up very
    was wasn't we were what when where which while who whom why will with won't would you your
    yours amp rt via lol pls please thanks thank today yes yeah really like one know see
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def post_words(text: str, exclude: Iterable[str] = ()) -> tuple[str, ...]:
    """The distinct words of a post that say what it is about: no URLs, no @handles, no stop
    words or numbers, nothing in `exclude` (the brand's name, a rule's query); casefolded and
    at most WORDS_PER_POST of them, in order of appearance."""
    skip = STOP_WORDS | {word.casefold() for word in exclude}
    text = _HANDLE.sub(" ", _URL.sub(" ", text)).replace("\u2019", "'")
    found: dict[str, None] = {}
    for match in _WORD.finditer(text):
        word = match.group().casefold().strip("'-")[:WORD_LIMIT]
        if len(word) >= MIN_WORD and word not in skip:
            found.setdefault(word)
            if len(found) == WORDS_PER_POST:
                break
    return tuple(found)


def top_words(
    scores: Iterable[tuple[str, float]], exclude: Iterable[str] = (), limit: int = 3
) -> tuple[str, ...]:
    """The `limit` most used words (ties alphabetically), leaving out `exclude`'s words."""
    skip = {word.casefold() for text in exclude for word in post_words(text)}
    ranked = sorted(((-score, word) for word, score in scores if word not in skip))
    return tuple(word for _, word in ranked[:limit])
