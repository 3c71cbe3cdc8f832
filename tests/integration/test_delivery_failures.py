"""Delivery never dies on one bad item, and two workers never post one card twice."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time

import pytest
import redis

from bot.pipeline import deliver
from bot.pipeline.worker import Worker
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from bot.web import build_wsgi, health_report
from tests.conftest import CHANNEL
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.waiting import wait_for

ALICE = ("2001", "alice", "Alice")


def cards(slack: SlackFake) -> list[str]:
    return [
        m["metadata"]["event_payload"]["post_id"]
        for m in slack.messages(CHANNEL)
        if m.get("metadata") and not m.get("thread_ts")
    ]


def notes(slack: SlackFake) -> list[str]:
    return [m["text"] for m in slack.messages(CHANNEL) if not m.get("metadata")]


def metrics_text(services: Services) -> str:
    """GET /metrics through the real WSGI app."""
    body = build_wsgi(services, None)(
        {"PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"}, lambda _status, _headers: None
    )
    return b"".join(body).decode()


def one_mention(services: Services, x_fake: XFake, text: str) -> str:
    make_poller(services).poll_once()  # first start: the checkpoint is "now"
    post = x_fake.add_post(f"@earshot_co {text}", author=ALICE)
    make_poller(services).poll_once()
    return str(post["id"])


def test_an_unexpected_error_is_retried_with_backoff_then_dead_lettered_and_told(
    services: Services, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Slack answers an HTML page (slack_sdk raises AttributeError, which nothing expects):
    the item is retried with a growing wait, after DELIVERY_MAX_ATTEMPTS (3 here) it is in the
    dead list, the channel is told, /healthz names it, and the next mention is still
    delivered."""
    page = Response(200, "<html>oops</html>", content_type="text/html")
    slack_fake.inject(Fault("/api/chat.postMessage", page, count=3))
    post_id = one_mention(services, x_fake, "this one breaks")
    deliverer = _with_attempts(services, 3)
    wait_for(lambda: deliverer.step(block_ms=50) >= 0 and redis_client.xlen(keys.DEAD), 20)
    tries = [c["at"] for c in slack_fake.calls_to("/api/chat.postMessage")][:3]
    gaps = [later - earlier for earlier, later in itertools.pairwise(tries)]
    retry = services.settings.delivery_retry_seconds
    assert gaps[0] >= retry * 0.9 and gaps[1] >= 2 * retry * 0.9, gaps  # backoff doubles
    [dead] = redis_client.xrange(keys.DEAD)
    assert dead[1]["attempts"] == "3" and "AttributeError" in dead[1]["reason"]
    assert redis_client.xlen(keys.INBOX) == 0
    [note] = notes(slack_fake)
    assert note.startswith(":warning: <https://x.com/alice/status/")
    assert post_id in note and "after 3 attempts" in note
    assert "delivery" in health_report(services)[1]["problems"]
    assert "earshot_dead_letters 1.0" in metrics_text(services)
    second = x_fake.add_post("@earshot_co and this one works", author=ALICE)
    make_poller(services).poll_once()
    drain(deliverer)
    assert cards(slack_fake) == [second["id"]]


def _with_attempts(services: Services, attempts: int) -> deliver.Deliverer:
    made = make_deliverer(services)
    return deliver.Deliverer(
        made.client,
        made.slack,
        dataclasses.replace(made.config, max_attempts=attempts),
        made.pacer,
    )


@pytest.mark.parametrize("code", ["invalid_blocks", "msg_too_long", "invalid_arguments"])
def test_a_permanent_slack_refusal_is_dead_lettered_at_once(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    redis_client: redis.Redis,
    code: str,
) -> None:
    """A refusal that no retry can fix is not retried: one attempt, then the dead list and a
    note naming Slack's error."""
    slack_fake.inject(
        Fault("/api/chat.postMessage", Response(200, {"ok": False, "error": code}), count=1)
    )
    one_mention(services, x_fake, "refused")
    deliverer = make_deliverer(services)
    drain(deliverer)
    time.sleep(services.settings.delivery_retry_seconds + 0.1)
    drain(deliverer)
    assert redis_client.xlen(keys.DEAD) == 1
    assert redis_client.xlen(keys.INBOX) == 0
    [note] = notes(slack_fake)
    assert f"for good ({code})" in note and "after 1 attempt" in note
    assert len(slack_fake.calls_to("/api/chat.postMessage")) == 2  # the card once, the note


def test_a_lock_outlived_by_a_slow_slack_never_lets_a_second_worker_post(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two workers; the first is kept waiting by a 429 with Retry-After far beyond its item
    lock's TTL: the lock is renewed while it waits, so the second worker, which reclaims the
    item meanwhile, never posts it. Exactly one card."""
    monkeypatch.setattr(deliver, "LOCK_TTL_MS", 300)
    slack_fake.inject(
        Fault(
            "/api/chat.postMessage",
            Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"}),
            count=1,
        )
    )
    post_id = one_mention(services, x_fake, "slow slack")
    stop = threading.Event()
    workers = [
        threading.Thread(target=make_deliverer(services, consumer=name).run, args=(stop,))
        for name in ("w1", "w2")
    ]
    for worker in workers:
        worker.start()
    try:
        wait_for(lambda: services.cases.exists(post_id), 15, "the card")
        time.sleep(2.5)  # a second post, if any, would land by now
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=10)
    assert cards(slack_fake) == [post_id]


def test_the_worker_restarts_a_delivery_loop_that_died(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The inbox key holds the wrong type (Redis answers WRONGTYPE, which the delivery loop
    does not expect): the loop dies, the worker logs it and starts it again, and once the key
    is fixed mentions become cards, with the heartbeat going all along."""
    monkeypatch.setattr("bot.pipeline.worker.RESTART_SECONDS", 0.5)
    make_poller(services).poll_once()
    redis_client.delete(keys.INBOX)
    redis_client.set(keys.INBOX, "not a stream")
    worker = Worker(services)
    worker.loops = []  # only delivery and the supervisor: this test polls by itself
    runner = threading.Thread(target=worker.run)
    runner.start()
    try:
        time.sleep(1.5)  # the loop has crashed at least once by now
        redis_client.delete(keys.INBOX)
        post = x_fake.add_post("@earshot_co after the crash", author=ALICE)
        make_poller(services).poll_once()
        wait_for(lambda: services.cases.exists(post["id"]), 15, "the card")
        assert redis_client.zscore(keys.WORKERS, services.consumer)
    finally:
        worker.stop.set()
        runner.join(timeout=20)
    assert cards(slack_fake) == [post["id"]]
