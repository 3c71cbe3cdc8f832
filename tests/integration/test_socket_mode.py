"""`earshot serve` in Socket Mode: with SLACK_APP_TOKEN set, slack_sdk's own SocketModeClient
opens a connection through apps.connections.open, and a card's button click and a slash
command arriving over the WebSocket are acked there and handled by the real listeners."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_socket import SocketModeFake
from bot.sandbox.slack_user import TEAM
from bot.sandbox.x_api import XFake
from bot.serve import HttpServer, create_server
from bot.services import Services, build_services
from tests.conftest import sandbox_settings
from tests.integration.casework_helpers import deliver
from tests.integration.waiting import wait_for


@pytest.fixture
def socket_fake(slack_fake: SlackFake) -> Iterator[SocketModeFake]:
    fake = SocketModeFake().start()
    slack_fake.socket_url = lambda: fake.url
    yield fake
    fake.stop()


@pytest.fixture
def serve(
    x_fake: XFake, slack_fake: SlackFake, socket_fake: SocketModeFake, redis_client: redis.Redis
) -> Iterator[HttpServer]:
    """What `earshot serve` builds with SLACK_APP_TOKEN set (its HTTP side then serves only
    /healthz and /metrics), connected to the loopback Socket Mode fake."""
    settings = sandbox_settings(x_fake, slack_fake, slack_app_token="xapp-sandbox")
    server = create_server(build_services(settings, redis_client), host="127.0.0.1", port=0)
    socket_fake.wait_connected()
    yield server
    server.close()


def click(action_id: str, value: str, ts: str) -> dict[str, Any]:
    """A block_actions payload as Slack sends it over the socket for a card button."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": {"id": "U0ALICE", "username": "alice", "team_id": TEAM},
        "api_app_id": "A0EARSHOT",
        "trigger_id": "1.2.abcdef",
        "channel": {"id": "C0MENTIONS", "name": "mentions"},
        "message": {"ts": ts, "type": "message"},
        "container": {"type": "message", "message_ts": ts, "channel_id": "C0MENTIONS"},
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "card_actions",
             "value": value, "action_ts": str(time.time())},
        ],
    }  # fmt: skip


def slash(command: str, text: str) -> dict[str, Any]:
    return {
        "token": "legacy", "team_id": TEAM, "team_domain": "sandbox", "channel_id": "C0MENTIONS",
        "channel_name": "mentions", "user_id": "U0ALICE", "user_name": "alice",
        "command": command, "text": text, "api_app_id": "A0EARSHOT",
        "response_url": "https://hooks.slack.com/commands/T0/1/x", "trigger_id": "1.2.abcdef",
    }  # fmt: skip


def test_serve_connects_through_apps_connections_open(
    serve: HttpServer, slack_fake: SlackFake, socket_fake: SocketModeFake
) -> None:
    """The client asked apps.connections.open with the app-level token (the bot token is not
    accepted there) and completed the WebSocket handshake."""
    [opened] = slack_fake.calls_to("/api/apps.connections.open")[:1]
    assert opened["method"] == "POST"
    assert socket_fake.handshakes >= 1


def test_a_card_click_over_the_socket_is_acked_and_claims_the_case(
    serve: HttpServer, services: Services, x_fake: XFake, socket_fake: SocketModeFake
) -> None:
    """Claim pressed on a card arrives as an `interactive` envelope: the app acks its
    envelope_id over the socket, and the Claim listener records the claim."""
    post_id, ts = deliver(services, x_fake)
    envelope = socket_fake.send("interactive", click("claim", post_id, ts))
    assert socket_fake.ack_for(envelope)["envelope_id"] == envelope

    def claimed() -> bool:
        found = services.cases.get(post_id)
        return found is not None and found[0].claimed_by == "U0ALICE"

    wait_for(claimed, timeout=10, what="the claim")


def test_a_slash_command_over_the_socket_is_acked_with_its_answer(
    serve: HttpServer, socket_fake: SocketModeFake
) -> None:
    """/oncall arrives as a `slash_commands` envelope; the ack carries the listener's ephemeral
    answer as its payload, as Slack shows it to the person."""
    envelope = socket_fake.send("slash_commands", slash("/oncall", ""))
    ack = socket_fake.ack_for(envelope)
    assert ack["payload"]["response_type"] == "ephemeral"
    assert "No on-call rotation yet" in ack["payload"]["text"]
