"""`earshot health` and /healthz against real `earshot worker` and `earshot serve` processes."""

from __future__ import annotations

import subprocess
import sys

import pytest
import redis
import requests

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.e2e.conftest import ROOT, Spawn, free_port, process_env, wait_until

pytestmark = pytest.mark.e2e


def earshot_health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_health_and_healthz_see_a_killed_worker(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """With a worker running, `earshot health` exits 0 and /healthz is "ok"; after kill -9 of
    the worker, within a few heartbeats `earshot health` exits 1 with one line saying why and
    /healthz (still HTTP 200) is "degraded" with a `worker` problem."""
    port = free_port()
    env = process_env(x_fake, slack_fake, PORT=str(port))
    worker = spawn(["worker"], env, "worker")
    spawn(["serve"], env, "serve")
    base = f"http://127.0.0.1:{port}"

    def healthz() -> dict[str, object]:
        try:
            answer = requests.get(f"{base}/healthz", timeout=2)
        except requests.ConnectionError:
            return {}
        assert answer.status_code == 200
        body: dict[str, object] = answer.json()
        return body

    wait_until(lambda: healthz().get("status") == "ok", 30, "/healthz ok with a worker")
    done = earshot_health(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("earshot: ok: worker ")
    worker.kill()
    worker.wait(timeout=10)
    wait_until(lambda: "worker" in (healthz().get("problems") or {}), 15, "a worker problem")
    assert healthz()["status"] == "degraded"
    done = earshot_health(env)
    assert done.returncode == 1
    [line] = done.stdout.splitlines()
    assert line.startswith("earshot: no worker heartbeat on ") and "for " in line
