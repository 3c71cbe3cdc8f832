"""`earshot serve` on SIGTERM: no new requests, and the listeners still running finish first."""

from __future__ import annotations

import signal
from urllib.parse import urlencode

import pytest
import requests

from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.e2e.conftest import Spawn, free_port, process_env, wait_until
from tests.e2e.test_serve_process import signed_headers

pytestmark = pytest.mark.e2e


def test_sigterm_lets_a_running_listener_finish_then_exits_0(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """`/track test` is acked at once while X takes 2 s to answer; a SIGTERM right after the
    ack does not cut the listener off: its answer still reaches the person, then serve exits 0
    (without the drain the process died with the answer unsent)."""
    port = free_port()
    proc = spawn(["serve"], process_env(x_fake, slack_fake, PORT=str(port)), "serve")
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(up, 20, "serve to answer /healthz")
    x_fake.inject(Fault("/2/tweets/search/recent", Response(0), delay_seconds=2.0))
    body = urlencode(
        {
            "command": "/track",
            "text": "test acmeapp",
            "user_id": "U0ALICE",
            "team_id": "T0SANDBOX",
            "channel_id": "C0MENTIONS",
            "trigger_id": slack_fake.new_trigger_id(),
            "response_url": slack_fake.new_response_url(channel="C0MENTIONS", user="U0ALICE"),
        }
    )
    acked = requests.post(
        f"{base}/slack/events",
        data=body,
        timeout=3,
        headers=signed_headers("e2e-signing-secret", body),
    )
    assert acked.status_code == 200
    assert slack_fake.ephemerals() == [], "the answer must still be on its way"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=25) == 0
    answers = [e for e in slack_fake.ephemerals() if e["user"] == "U0ALICE"]
    assert answers, "the listener was cut off by the stop"
