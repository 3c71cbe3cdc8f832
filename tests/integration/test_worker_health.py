"""What /healthz, `earshot health` and the source alerts say about workers and sources."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import redis

from bot.domain.track_rule import TrackRule
from bot.health_check import health_line
from bot.oncall.source_watch import watch_sources
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.heartbeat import record_heartbeat
from bot.store.tracks import TrackStore
from bot.web import build_wsgi
from tests.conftest import CHANNEL
from tests.integration.pipeline_helpers import make_poller
from tests.integration.track_helpers import make_track_poller
from tests.integration.waiting import wait_for


def healthz(services: Services) -> tuple[str, dict[str, Any]]:
    """GET /healthz through the real WSGI app."""
    import json

    seen: list[str] = []
    body = build_wsgi(services, None)(
        {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET"},
        lambda status, _headers: seen.append(status),
    )
    return seen[0], json.loads(b"".join(body))


def at(services: Services, moment: float) -> Services:
    return dataclasses.replace(services, clock=lambda: moment)


def add_rule(services: Services, query: str) -> TrackRule:
    rule = TrackRule(id="", query=query, created_by="U0ALICE", created_at=time.time() - 1)
    stored = TrackStore(services.redis).add(rule, query)
    assert isinstance(stored, TrackRule)
    return stored


def test_healthz_names_a_worker_whose_heartbeat_is_three_intervals_old(
    services: Services, redis_client: redis.Redis
) -> None:
    """No heartbeat for more than 3 intervals: HTTP 200, status "degraded", a `worker` problem;
    a fresh heartbeat: status "ok"."""
    now = time.time()
    record_heartbeat(redis_client, "w1", now - 3.5)
    status, body = healthz(at(services, now))
    assert status.startswith("200")
    assert body["status"] == "degraded"
    assert "no worker heartbeat for 4 s (last from w1)" in body["problems"]["worker"]
    record_heartbeat(redis_client, "w2", now - 0.5)
    assert healthz(at(services, now)) == ("200 OK", {"status": "ok", "problems": {}})


def test_healthz_says_when_no_worker_ever_beat(services: Services) -> None:
    """A web process with no worker at all is degraded too (cards would wait unseen)."""
    _status, body = healthz(services)
    assert body["status"] == "degraded"
    assert "no worker has sent a heartbeat" in body["problems"]["worker"]


def test_healthz_names_each_source_silent_for_three_of_its_intervals(
    services: Services, x_fake: XFake, redis_client: redis.Redis
) -> None:
    """The mentions timeline and every polled /track rule are named once their last successful
    poll is older than 3 of their intervals; a paused rule is not expected to poll."""
    first, second = add_rule(services, "acmeapp"), add_rule(services, "acmecloud")
    make_poller(services).poll_once()
    make_track_poller(services).poll_round()
    now = time.time()
    record_heartbeat(redis_client, "w1", now)
    assert healthz(at(services, now))[1]["status"] == "ok"
    later = now + 60  # the sandbox polls every 0.2 s: a minute is far beyond 3 intervals
    record_heartbeat(redis_client, "w1", later)
    problems = healthz(at(services, later))[1]["problems"]
    assert set(problems) == {"source:mentions", f"source:{first.id}", f"source:{second.id}"}
    assert problems[f"source:{first.id}"].startswith(f"/track {first.id} (acmeapp): no succ")
    TrackStore(services.redis).pause(second.id, "by U0ALICE")
    problems = healthz(at(services, later))[1]["problems"]
    assert set(problems) == {"source:mentions", f"source:{first.id}"}


def test_a_silent_track_rule_is_alerted_and_its_recovery_told(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Source alerts cover /track rules: a rule silent for 3 intervals is announced (with the
    mentions timeline, in one message), and its recovery once it polls again."""
    rule = add_rule(services, "acmeapp")
    make_poller(services).poll_once()
    make_track_poller(services).poll_round()
    watch_sources(services, time.time() + 60)
    [alert] = [m["text"] for m in slack_fake.messages(CHANNEL)]
    assert "Mentions may be missing from 2 sources" in alert
    assert f"/track {rule.id} (acmeapp): since" in alert and "X mentions: since" in alert
    watch_sources(services, time.time() + 61)
    assert len(slack_fake.messages(CHANNEL)) == 1  # told once
    x_fake.add_post("acmeapp is great", author=("3001", "carol", "Carol"))
    poller = make_track_poller(services)
    wait_for(lambda: poller.poll_round() and _posts_total(services, rule.id), 10, "the match")
    make_poller(services).poll_once()
    watch_sources(services, time.time())
    recovery = slack_fake.messages(CHANNEL)[-1]["text"]
    assert "2 sources recovered" in recovery
    assert f"/track {rule.id} (acmeapp): 1 mention arrived" in recovery


def _posts_total(services: Services, rule_id: str) -> int:
    found = TrackStore(services.redis).get(rule_id)
    return found.posts_total if found else 0


def test_earshot_health_line_fails_on_a_stale_heartbeat_or_an_unreachable_redis(
    redis_client: redis.Redis,
) -> None:
    """`earshot health` passes for a fresh heartbeat of a worker on this host, fails (with the
    reason) when it is 3 intervals old, when only another host's worker beats, and when
    Redis does not answer."""
    now = time.time()
    record_heartbeat(redis_client, "pod-a-123-abc", now - 0.2)
    assert health_line(redis_client, "pod-a", now) == (
        True,
        "ok: worker pod-a-123-abc beat 0.2 s ago",
    )
    ok, line = health_line(redis_client, "pod-b", now)
    assert not ok and "no worker on pod-b has sent a heartbeat" in line
    ok, line = health_line(redis_client, "pod-a", now + 3.5)
    assert not ok and "no worker heartbeat on pod-a for" in line
    gone = redis.Redis(port=1, socket_connect_timeout=0.5)
    assert health_line(gone, "pod-a", now) == (False, "Redis does not answer at REDIS_URL")
