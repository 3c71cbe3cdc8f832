"""ListenerWork: the listeners of one Bolt app still running after their ack, and their failures.

Listeners finish after Slack has its answer (see `bot.app.guarded`), so whoever needs their
outcome must wait for them: `earshot serve` drains them on SIGTERM, the test driver waits after
every request and fails a test whose listener failed unexpectedly."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass

# The key under which the app's middleware puts its ListenerWork in every Bolt context.
CONTEXT_KEY = "listener_work"


@dataclass(frozen=True)
class ListenerFailure:
    """One `listener_failed` (or `handler_failed`) the app logged."""

    event: str  # the log event: listener_failed | handler_failed
    listener: str
    error: str  # repr of the exception


class ListenerWork:
    """Counts one app's running listeners (a Condition wakes the waiters) and keeps failures.

    One per app, not per process: a process (the test suite) builds many apps, and each must
    wait for its own listeners only."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._running: Counter[str] = Counter()
        self._failures: list[ListenerFailure] = []

    def started(self, listener: str) -> None:
        """Count `listener` as running from now until `finished` (for work handed to a thread)."""
        with self._changed:
            self._running[listener] += 1

    def finished(self, listener: str) -> None:
        with self._changed:
            self._running[listener] -= 1
            if self._running[listener] <= 0:
                del self._running[listener]
            self._changed.notify_all()

    def failed(self, event: str, listener: str, error: BaseException) -> None:
        with self._changed:
            self._failures.append(ListenerFailure(event, listener, repr(error)))

    def in_flight(self) -> dict[str, int]:
        """The listeners still running, by name."""
        with self._changed:
            return dict(self._running)

    def failures(self) -> list[ListenerFailure]:
        with self._changed:
            return list(self._failures)

    def wait_idle(self, timeout: float) -> bool:
        """Block until no listener runs (True) or `timeout` seconds passed (False)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._running:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True
