"""The signed-request driver waits for the listeners it started and fails on their failures, so a
test observes what a listener did, not a race with it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import Ack, BoltContext

from bot.app import guarded
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.services import Services


def on_command(bolt: BoltDriver, name: str, work: Callable[[], None]) -> None:
    """Register `/name` on the driver's real app, through the guard, doing `work` after ack."""

    def listener(ack: Ack) -> None:
        ack()
        work()

    listener.__name__ = name
    bolt.app.command(f"/{name}")(guarded(listener))


def test_a_request_returns_only_after_its_listener_finished(bolt: BoltDriver) -> None:
    """A listener that works 0.5 s after its ack: Slack had its answer at once, and the
    driver returned only when the work was done."""
    done = threading.Event()
    on_command(bolt, "slow", lambda: (time.sleep(0.5), done.set()))
    response = bolt.command("/slow", "")
    assert response.status_code == 200
    assert response.elapsed.total_seconds() < 0.4, "the ack must not wait for the work"
    assert done.is_set()


def test_a_listener_failure_fails_the_request_that_caused_it(bolt: BoltDriver) -> None:
    """A listener raising after its ack (logged as listener_failed, the person told) makes
    the driver raise an AssertionError naming the listener and the error."""

    def boom() -> None:
        raise RuntimeError("kaboom")

    on_command(bolt, "boom", boom)
    with pytest.raises(AssertionError, match=r"listener failed unexpectedly.*boom.*kaboom"):
        bolt.command("/boom", "")
    assert [f.listener for f in bolt.listener_failures()] == ["boom"]


def test_a_test_that_provokes_failures_says_so_and_sees_them(
    bolt: BoltDriver, slack_fake: SlackFake
) -> None:
    """After expect_listener_failures() the failure is recorded, not raised, and the person
    got the ephemeral failure notice before the request returned."""

    def boom() -> None:
        raise RuntimeError("kaboom")

    on_command(bolt, "boom", boom)
    bolt.expect_listener_failures()
    assert bolt.command("/boom", "").status_code == 200
    failures = bolt.listener_failures()
    assert [(f.event, f.listener) for f in failures] == [("listener_failed", "boom")]
    assert any("unexpected error" in e["text"] for e in slack_fake.ephemerals())


def test_a_failure_outside_the_guard_is_caught_too(bolt: BoltDriver) -> None:
    """An error Bolt hands to the app's error handler (handler_failed) also fails the request."""

    @bolt.app.middleware
    def explode(body: dict[str, Any], next: Callable[[], Any]) -> Any:
        if body.get("command") == "/explode":
            raise RuntimeError("middleware broke")
        return next()

    with pytest.raises(AssertionError, match=r"handler_failed.*middleware broke"):
        bolt.command("/explode", "")


def test_a_listener_that_never_finishes_fails_with_a_clear_message(
    services: Services, slack_fake: SlackFake
) -> None:
    """The wait is bounded: past it the driver names the listener still running."""
    release = threading.Event()
    driver = BoltDriver(services, slack_fake, settle_seconds=0.3)
    try:
        on_command(driver, "stuck", lambda: release.wait(5))
        with pytest.raises(AssertionError, match=r"still running after 0.3s: \{'stuck': 1\}"):
            driver.command("/stuck", "")
    finally:
        release.set()
        driver.close()


def test_each_app_waits_only_for_its_own_listeners(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Two apps in one process: a listener still running in one does not hold up the other."""
    release = threading.Event()
    other = BoltDriver(services, slack_fake)
    try:
        on_command(other, "held", lambda: release.wait(5))
        on_command(bolt, "quick", lambda: None)
        threading.Thread(target=other.command, args=("/held", ""), daemon=True).start()
        time.sleep(0.2)
        started = time.monotonic()
        bolt.command("/quick", "")
        assert time.monotonic() - started < 1.0
        assert other.work.in_flight() == {"held": 1}
    finally:
        release.set()
        other.close()


def test_a_listener_sees_only_the_arguments_it_asked_for(bolt: BoltDriver) -> None:
    """The guard takes Bolt's context for itself; a listener that did not name `context` is
    not handed one, one that did gets the app's context with its services."""
    seen: dict[str, Any] = {}

    def plain(ack: Ack, command: dict[str, Any]) -> None:
        ack()
        seen["plain"] = command["command"]

    def with_context(ack: Ack, context: BoltContext) -> None:
        ack()
        seen["services"] = context["services"]

    bolt.app.command("/plain")(guarded(plain))
    bolt.app.command("/ctx")(guarded(with_context))
    bolt.command("/plain", "")
    bolt.command("/ctx", "")
    assert seen == {"plain": "/plain", "services": bolt.services}


def test_a_command_answer_through_response_url_reaches_the_person(
    bolt: BoltDriver, slack_fake: SlackFake
) -> None:
    """`respond()` posts to the command's response_url, which the Slack fake serves: the
    answer shows as an ephemeral message for the person who typed the command."""
    bolt.command("/earshot", "nonsense", user="U0BOB")
    answers = [e for e in slack_fake.ephemerals() if e.get("via") == "response_url"]
    assert [(a["user"], a["channel"]) for a in answers] == [("U0BOB", "C0MENTIONS")]
    assert "Unknown subcommand `nonsense`" in answers[0]["text"]
