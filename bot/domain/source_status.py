"""Whether a source (the mentions timeline, a /track rule) has gone quiet for too long: pure."""

from __future__ import annotations

from dataclasses import dataclass

SILENT_INTERVALS = 3  # missed polls before mentions may be missing
# A source polled every few seconds is not silent after one slow answer: X's timeouts and a
# retry's backoff fit in a minute.
MIN_SILENCE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class SourceStatus:
    source: str  # as ingest names it: "x:mentions", "track:t3"
    problem_key: str  # its /healthz problem: "source:mentions", "source:t3"
    label: str  # how people read it: "X mentions", "/track t3 (acme outage)"
    last_ok: float | None  # last successful poll
    watched_since: float | None  # a rule never polled yet is measured from when it became active
    interval: float  # how long its poller meant to wait between polls
    error: str | None = None  # the last error of a rule that is failing
    arrivals: int = 0  # the counter whose growth a recovery note reports


def silence_limit(interval: float) -> float:
    """How long without a successful poll before a source polled every `interval` is silent."""
    return max(SILENT_INTERVALS * interval, MIN_SILENCE_SECONDS)


def silent_since(status: SourceStatus, now: float) -> float | None:
    """Since when nothing was polled, once that is more than SILENT_INTERVALS intervals ago."""
    reference = status.last_ok if status.last_ok is not None else status.watched_since
    if reference is None or now - reference <= silence_limit(status.interval):
        return None
    return reference


def silence_text(status: SourceStatus, now: float) -> str | None:
    """One line for /healthz, or None while the source is fresh."""
    since = silent_since(status, now)
    if since is None:
        return None
    done = "no successful poll" if status.last_ok is not None else "never polled successfully"
    text = f"{done} for {now - since:.0f} s (polled every {status.interval:.0f} s)"
    return f"{text}; last error: {status.error}" if status.error else text
