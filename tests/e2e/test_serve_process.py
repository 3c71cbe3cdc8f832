"""The real `earshot serve` and `earshot check` processes."""

from __future__ import annotations

import hashlib
import hmac
import subprocess
import sys
import time

import pytest
import redis
import requests

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.e2e.conftest import ROOT, Spawn, free_port, process_env, wait_until

pytestmark = pytest.mark.e2e


def signed_headers(secret: str, body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


def test_serve_answers_healthz_metrics_and_verifies_signatures(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """healthz is 200 with JSON (degraded, naming the worker: none runs here), metrics is
    Prometheus text, an unsigned Slack request is 401 and a signed one is accepted."""
    port = free_port()
    spawn(["serve"], process_env(x_fake, slack_fake, PORT=str(port)), "serve")
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=1).status_code == 200
        except requests.ConnectionError:
            return False

    wait_until(up, 20, "serve to answer /healthz")
    health = requests.get(f"{base}/healthz", timeout=2).json()
    assert health["status"] == "degraded" and list(health["problems"]) == ["worker"]
    metrics = requests.get(f"{base}/metrics", timeout=2).text
    assert "earshot_cards_posted_total" in metrics
    assert "earshot_delivery_lag_seconds_bucket" in metrics
    body = "command=%2Ftrack&text=help&user_id=U0ALICE&team_id=T1&channel_id=C0MENTIONS"
    unsigned = requests.post(
        f"{base}/slack/events",
        data=body,
        timeout=2,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unsigned.status_code == 401
    signed = requests.post(
        f"{base}/slack/events",
        data=body,
        timeout=3,
        headers=signed_headers("e2e-signing-secret", body),
    )
    assert signed.status_code in (200, 404)


def test_serve_and_worker_refuse_bad_settings_with_one_line_each(
    x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Missing settings: exit 1, one `earshot: VAR ...` line per problem, no traceback."""
    env = process_env(x_fake, slack_fake, SLACK_MENTIONS_CHANNEL="#general")
    del env["X_API_KEY"]
    for command in ("serve", "worker", "check"):
        done = subprocess.run(
            [sys.executable, "-m", "bot", command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert [line.split()[1] for line in lines] == [
            "SLACK_MENTIONS_CHANNEL='#general'",
            "X_API_KEY",
        ]
        assert "Traceback" not in done.stderr


def test_check_reports_unreachable_services(x_fake: XFake, slack_fake: SlackFake) -> None:
    """`earshot check` with Redis down and X refusing the token: one line each, exit 1."""
    env = process_env(
        x_fake, slack_fake, REDIS_URL="redis://127.0.0.1:1/0", SLACK_BOT_TOKEN="xoxb-wrong"
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    names = [line.split()[1] for line in done.stderr.strip().splitlines()]
    assert names == ["REDIS_URL:", "SLACK_BOT_TOKEN:"]
