"""The Redis topologies the README claims: a primary behind Sentinel (followed through a
failover), and a clear refusal of Redis Cluster by `earshot check`. Each test starts its own
redis-server processes on free loopback ports (skipped when redis-server is not installed)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from bot.check import find_problems
from bot.config import Settings
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.audit import AuditLog
from bot.store.cases import CaseStore
from bot.store.connection import connect, parse_sentinel_url
from tests.conftest import sandbox_settings

SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(SERVER is None, reason="needs redis-server")

Start = Callable[..., int]


def _free_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid as well."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port + 10000 > 65535:
            continue
        with socket.socket() as bus:
            try:
                bus.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        return port


def _until(check: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except redis.RedisError:
            pass
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.fixture
def start_redis(tmp_path: Path) -> Iterator[Start]:
    """Start redis-server with extra config lines (or as a sentinel); killed at teardown."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(*lines: str, sentinel: bool = False) -> int:
        port = _free_port()
        workdir = tmp_path / str(port)
        workdir.mkdir()
        conf = workdir / "redis.conf"
        base = [f"port {port}", "bind 127.0.0.1", f'dir "{workdir}"', 'save ""']
        conf.write_text("\n".join([*base, *lines]) + "\n", encoding="utf-8")
        args = [str(SERVER), str(conf), *(["--sentinel"] if sentinel else [])]
        procs.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        _until(lambda: bool(redis.Redis(port=port, socket_timeout=1).ping()), 10)
        return port

    yield start
    for proc in procs:
        proc.kill()
        proc.wait(timeout=10)


def test_sentinel_url_is_parsed_with_defaults() -> None:
    """redis+sentinel:// names the sentinels (26379 by default), the service, db and password."""
    target = parse_sentinel_url("redis+sentinel://:s%40cret@a:5000,b/mymaster/2")
    assert target.sentinels == (("a", 5000), ("b", 26379))
    assert (target.service, target.db, target.password) == ("mymaster", 2, "s@cret")
    with pytest.raises(ValueError, match="service_name"):
        parse_sentinel_url("redis+sentinel://a:5000")


def test_settings_accept_a_sentinel_url_and_name_a_broken_one() -> None:
    """REDIS_URL may be a Sentinel URL; one without a service name is refused with the fix."""
    good = Settings(_env_file=None, redis_url="redis+sentinel://h:26379/mymaster/0")  # type: ignore[call-arg]
    assert "REDIS_URL" not in " ".join(good.problems())
    bad = Settings(_env_file=None, redis_url="redis+sentinel://h:26379")  # type: ignore[call-arg]
    assert any("REDIS_URL is not a valid Sentinel URL" in p for p in bad.problems())


def test_store_follows_a_sentinel_failover(start_redis: Start) -> None:
    """Through REDIS_URL=redis+sentinel://, the case store's scripts run on the primary, and
    after Sentinel promotes the replica the same client writes to the new primary."""
    primary = start_redis()
    replica = start_redis(f"replicaof 127.0.0.1 {primary}")
    sentinel = start_redis(
        f"sentinel monitor earshot 127.0.0.1 {primary} 1",
        "sentinel down-after-milliseconds earshot 1000",
        "sentinel failover-timeout earshot 10000",
        sentinel=True,
    )
    watcher = redis.Redis(port=sentinel, decode_responses=True)
    _until(lambda: len(watcher.sentinel_slaves("earshot")) == 1)
    _until(lambda: redis.Redis(port=replica).info("replication")["master_link_status"] == "up")

    client = connect(f"redis+sentinel://127.0.0.1:{sentinel}/earshot/0")
    cases = CaseStore(client)
    assert cases.claim("1", "U1", 60) == "U1"  # a Lua script over two keys
    assert redis.Redis(port=primary, decode_responses=True).get("{earshot}:claim:1") == "U1"

    watcher.execute_command("SENTINEL", "FAILOVER", "earshot")
    _until(lambda: int(watcher.sentinel_get_master_addr_by_name("earshot")[1]) == replica)
    _until(lambda: redis.Redis(port=replica).info("replication")["role"] == "master")

    def written_on_new_primary() -> bool:
        AuditLog(client).record("1", "resolve", "U1", "ana")
        return bool(redis.Redis(port=replica).llen("{earshot}:audit:1"))

    _until(written_on_new_primary)
    assert cases.claim("2", "U2", 60) == "U2"
    assert redis.Redis(port=replica, decode_responses=True).get("{earshot}:claim:2") == "U2"


def test_check_refuses_a_cluster_node(
    start_redis: Start, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """`earshot check` pointed at a Redis Cluster node says, on one REDIS_URL line, that
    Cluster is not supported and which topologies are."""
    node = start_redis("cluster-enabled yes", "cluster-config-file nodes.conf")
    settings = sandbox_settings(x_fake, slack_fake, redis_url=f"redis://127.0.0.1:{node}/0")
    problems = find_problems(settings)
    assert [p.split()[0] for p in problems] == ["REDIS_URL:"]
    assert "Redis Cluster" in problems[0]
    assert "not supported" in problems[0]
    assert "Sentinel" in problems[0]


def test_check_accepts_a_single_redis(
    start_redis: Start, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """A plain single Redis raises no topology problem."""
    node = start_redis()
    settings = sandbox_settings(x_fake, slack_fake, redis_url=f"redis://127.0.0.1:{node}/0")
    assert find_problems(settings) == []
