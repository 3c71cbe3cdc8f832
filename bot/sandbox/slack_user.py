"""Acts as Slack towards the real Bolt app: signed slash commands, clicks and submissions over HTTP.

Used by the tests, the benchmarks and the demo (where a simulated colleague answers a card)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

import requests
from waitress.server import create_server

from bot.app import build_app
from bot.listener_work import ListenerFailure, ListenerWork
from bot.sandbox.slack_api import SlackFake
from bot.serve import HttpServer, run_until_closed
from bot.services import Services
from bot.web import build_wsgi

TEAM = "T0SANDBOX"
SETTLE_SECONDS = 10.0  # how long a request's listeners may run before the driver gives up


class SlackUser:
    """Sends what Slack sends when a person uses the app: signed, to `url` (/slack/events)."""

    def __init__(self, url: str, signing_secret: str, slack: SlackFake) -> None:
        self.url, self.secret, self.slack = url, signing_secret, slack
        self._local = threading.local()  # one keep-alive session per thread

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()

    # -- raw --------------------------------------------------------------------------

    def post(
        self, body: str, *, sign: bool = True, timestamp: int | None = None
    ) -> requests.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
        }
        if sign:
            base = f"v0:{ts}:{body}".encode()
            digest = hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
            headers["X-Slack-Signature"] = f"v0={digest}"
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        response: requests.Response = session.post(
            self.url, data=body.encode(), headers=headers, timeout=10
        )
        return response

    def interact(self, payload: dict[str, Any]) -> requests.Response:
        return self.post(urlencode({"payload": json.dumps(payload)}))

    # -- Slack surfaces -----------------------------------------------------------------

    def command(
        self, command: str, text: str, *, user: str = "U0ALICE", channel: str = "C0MENTIONS"
    ) -> requests.Response:
        return self.post(
            urlencode(
                {
                    "token": "legacy",
                    "team_id": TEAM,
                    "team_domain": "sandbox",
                    "channel_id": channel,
                    "channel_name": "mentions",
                    "user_id": user,
                    "user_name": user.lower(),
                    "command": command,
                    "text": text,
                    "api_app_id": "A0EARSHOT",
                    "response_url": self.slack.new_response_url(channel=channel, user=user),
                    "trigger_id": self.slack.new_trigger_id(),
                }
            )
        )

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0MENTIONS",
        message_ts: str = "1.0",
        view: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> requests.Response:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "sandbox"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM},
            "api_app_id": "A0EARSHOT",
            "token": "legacy",
            "trigger_id": self.slack.new_trigger_id(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "card_actions",
                    "value": value,
                    "action_ts": str(time.time()),
                    **(extra or {}),
                }
            ],
        }
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        else:
            payload["channel"] = {"id": channel, "name": "mentions"}
            payload["message"] = {"ts": message_ts, "type": "message"}
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
        return self.interact(payload)

    def view_submission(
        self,
        callback_id: str,
        values: dict[str, dict[str, Any]],
        *,
        private_metadata: str = "",
        user: str = "U0ALICE",
        view_id: str = "V0SUBMIT",
    ) -> requests.Response:
        return self.interact(
            {
                "type": "view_submission",
                "team": {"id": TEAM, "domain": "sandbox"},
                "user": {"id": user, "username": user.lower(), "team_id": TEAM},
                "api_app_id": "A0EARSHOT",
                "token": "legacy",
                "trigger_id": self.slack.new_trigger_id(),
                "view": {
                    "id": view_id,
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": private_metadata,
                    "state": {"values": values},
                    "hash": "h1",
                    "team_id": TEAM,
                    "app_id": "A0EARSHOT",
                },
            }
        )

    def message_action(
        self,
        callback_id: str,
        *,
        text: str,
        thread_ts: str | None,
        message_ts: str,
        user: str = "U0ALICE",
        author: str = "U0BOB",
        channel: str = "C0MENTIONS",
    ) -> requests.Response:
        message: dict[str, Any] = {
            "type": "message",
            "user": author,
            "text": text,
            "ts": message_ts,
        }
        if thread_ts:
            message["thread_ts"] = thread_ts
        return self.interact(
            {
                "type": "message_action",
                "callback_id": callback_id,
                "team": {"id": TEAM, "domain": "sandbox"},
                "user": {"id": user, "name": user.lower(), "team_id": TEAM},
                "channel": {"id": channel, "name": "mentions"},
                "message": message,
                "message_ts": message_ts,
                "trigger_id": self.slack.new_trigger_id(),
                "response_url": self.slack.new_response_url(channel=channel, user=user),
                "token": "legacy",
            }
        )


class BoltDriver(SlackUser):
    """A `serve` (waitress + the real Bolt app) in this process, and a SlackUser talking to it.

    Every request waits, after Slack's answer, until the app's listeners have finished (they
    run after the ack), so a test observes outcomes, not a race. A listener failure (a logged
    `listener_failed` or `handler_failed`) fails the request that caused it with an
    AssertionError, unless the test said it provokes failures (`expect_listener_failures`)."""

    # Called with every new driver (the test suite checks each one after each test).
    on_open: ClassVar[list[Callable[[BoltDriver], None]]] = []

    def __init__(
        self, services: Services, slack: SlackFake, *, settle_seconds: float = SETTLE_SECONDS
    ) -> None:
        secret = services.settings.slack_signing_secret
        self.services = services
        self.work = ListenerWork()
        self.settle_seconds = settle_seconds
        self.failures_expected = False
        self._reported = 0  # failures already raised to the test
        self.app = build_app(services, work=self.work)
        self.server = cast(
            HttpServer,
            create_server(build_wsgi(services, self.app), host="127.0.0.1", port=0, threads=32),
        )
        self.thread = threading.Thread(target=run_until_closed, args=(self.server,), daemon=True)
        self.thread.start()
        url = f"http://127.0.0.1:{self.server.effective_port}/slack/events"
        super().__init__(url, secret.get_secret_value() if secret else "", slack)
        for observer in self.on_open:
            observer(self)

    def post(
        self, body: str, *, sign: bool = True, timestamp: int | None = None
    ) -> requests.Response:
        """Send as Slack does, then wait for the listeners this request started."""
        response = super().post(body, sign=sign, timestamp=timestamp)
        self.wait_for_listeners()
        return response

    def wait_for_listeners(self) -> None:
        """Until the app's listeners are idle; then raise any unexpected listener failure."""
        if not self.work.wait_idle(self.settle_seconds):
            raise AssertionError(
                f"listeners still running after {self.settle_seconds}s: {self.work.in_flight()}"
            )
        self.raise_unexpected_failures()

    def expect_listener_failures(self) -> None:
        """This test provokes listener failures on purpose: do not fail it for them."""
        self.failures_expected = True

    def listener_failures(self) -> list[ListenerFailure]:
        return self.work.failures()

    def raise_unexpected_failures(self) -> None:
        failures = self.work.failures()
        fresh, self._reported = failures[self._reported :], len(failures)
        if fresh and not self.failures_expected:
            raise AssertionError(f"a listener failed unexpectedly: {fresh}")

    def close(self) -> None:
        # Listeners left running would write into the next test's freshly flushed Redis.
        self.work.wait_idle(self.settle_seconds)
        super().close()
        self.server.close()
        self.thread.join(timeout=5)
