"""The escalation webhook: queued (never on the ack path), signed with HMAC-SHA256, retried with
exponential backoff from a durable Redis outbox, accepted exactly once, dead-lettered at last."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from bot.config import Settings
from bot.domain.webhook import verify_webhook
from bot.pipeline.escalation_webhook import EscalationWebhookSender
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.outbox import Outbox
from tests.conftest import sandbox_settings
from tests.integration.case_forms import escalate_values, open_modal
from tests.integration.casework_helpers import deliver
from tests.integration.waiting import wait_for
from tests.integration.webhook_receiver import WebhookReceiver

ESCALATION = "C0ESCALATE"
SECRET = "whsec-test-0123456789"
BASE_DELAY = 0.05


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver().start()
    yield found
    found.stop()


@pytest.fixture
def settings(x_fake: XFake, slack_fake: SlackFake, receiver: WebhookReceiver) -> Settings:
    return sandbox_settings(
        x_fake,
        slack_fake,
        slack_escalation_channel=ESCALATION,
        escalation_webhook_url=receiver.url,
        escalation_webhook_secret=SECRET,
        escalation_webhook_retry_seconds=BASE_DELAY,
        escalation_webhook_max_attempts=4,
    )


def escalate(services: Services, x_fake: XFake, slack: SlackFake, bolt: BoltDriver) -> str:
    """Deliver a mention and escalate it through the modal; returns the post id."""
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack, "escalate", post_id, ts)
    response = bolt.view_submission(
        "escalate_case",
        escalate_values(ESCALATION, severity="urgent", note="refund twice"),
        private_metadata=view["private_metadata"],
    )
    assert response.status_code == 200 and response.elapsed.total_seconds() < 1.0
    wait_for(lambda: Outbox(services.redis).pending(), what="the queued webhook")
    return post_id


def escalation_thread(slack: SlackFake) -> list[str]:
    return [m["text"] for m in slack.messages(ESCALATION) if m.get("thread_ts")]


def run_sender(services: Services, until: object, timeout: float = 10.0) -> None:
    """Run the worker loop (as `earshot worker` does) until `until()` holds."""
    stop = threading.Event()
    sender = EscalationWebhookSender(services, idle_seconds=0.01)
    thread = threading.Thread(target=sender.run, args=(stop,), daemon=True)
    thread.start()
    try:
        wait_for(until, timeout=timeout, what="the webhook outcome")  # type: ignore[arg-type]
    finally:
        stop.set()
        thread.join(timeout=5)


def test_webhook_is_retried_with_backoff_signed_and_accepted_once(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    receiver: WebhookReceiver,
) -> None:
    """The receiver fails twice (503, 500), then accepts. Every attempt carries the same body and
    delivery id and a valid `sha256=` HMAC over "<timestamp>.<body>"; the gaps between attempts
    grow (backoff); exactly one delivery is accepted; the outbox is empty; the escalation thread
    and the audit trail say the ticket system was notified."""
    receiver.script = [503, 500]
    post_id = escalate(services, x_fake, slack_fake, bolt)
    assert receiver.requests() == []  # queued only: the Slack ack never waited for it
    run_sender(services, lambda: escalation_thread(slack_fake))
    requests = receiver.requests()
    assert [r.status for r in requests] == [503, 500, 200]
    assert len(receiver.accepted()) == 1
    for request in requests:
        stamp = request.headers["X-Earshot-Timestamp"]
        signature = request.headers["X-Earshot-Signature"]
        assert signature.startswith("sha256=")
        assert verify_webhook(SECRET.encode(), stamp, request.body, signature)
        assert not verify_webhook(b"other secret", stamp, request.body, signature)
        assert request.headers["Content-Type"] == "application/json"
    assert len({r.body for r in requests}) == 1
    assert len({r.headers["X-Earshot-Delivery"] for r in requests}) == 1
    first_gap = requests[1].at - requests[0].at
    second_gap = requests[2].at - requests[1].at
    assert first_gap >= BASE_DELAY * 0.9 and second_gap >= 2 * BASE_DELAY * 0.9
    body = json.loads(requests[0].body)
    assert body["post_id"] == post_id
    assert body["url"] == f"https://x.com/alice/status/{post_id}"
    assert body["text"] == "@earshot_co where is my order?"
    assert body["author"]["username"] == "alice"
    assert body["severity"] == "urgent" and body["note"] == "refund twice"
    assert body["escalated_by"] == {"slack_user_id": "U0ALICE", "name": "Alice Archer"}
    assert body["slack_permalink"].startswith("https://earshot-sandbox.slack.com/archives/C0M")
    assert body["timestamp"].endswith("Z")
    assert Outbox(services.redis).pending() == 0 and Outbox(services.redis).dead() == []
    assert "Ticket system notified (HTTP 200)" in escalation_thread(slack_fake)[0]
    actions = [e["action"] for e in AuditLog(services.redis).entries(post_id)]
    assert actions == ["escalated", "ticket_webhook_delivered"]


def test_after_the_last_attempt_it_goes_to_the_dead_list_and_the_thread_says_so(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    receiver: WebhookReceiver,
) -> None:
    """A receiver that always fails: exactly ESCALATION_WEBHOOK_MAX_ATTEMPTS (4) attempts, then
    the item is in the dead list with its last error and the escalation thread says the ticket
    could not be opened."""
    receiver.then = 500
    post_id = escalate(services, x_fake, slack_fake, bolt)
    run_sender(services, lambda: escalation_thread(slack_fake))
    assert len(receiver.requests()) == 4 and receiver.accepted() == []
    [dead] = Outbox(services.redis).dead()
    assert dead["error"] == "HTTP 500" and dead["attempts"] == 4
    assert json.loads(dead["body"])["post_id"] == post_id
    assert "The ticket could not be opened" in escalation_thread(slack_fake)[0]
    assert "4 attempts" in escalation_thread(slack_fake)[0]
    assert Outbox(services.redis).pending() == 0


def test_a_permanent_refusal_is_not_retried(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    receiver: WebhookReceiver,
) -> None:
    """HTTP 400 will not get better by retrying: one attempt, then the dead list and the note."""
    receiver.then = 400
    escalate(services, x_fake, slack_fake, bolt)
    run_sender(services, lambda: escalation_thread(slack_fake))
    assert len(receiver.requests()) == 1
    assert "HTTP 400 after 1 attempt." in escalation_thread(slack_fake)[0]


def test_two_workers_deliver_each_webhook_once(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    receiver: WebhookReceiver,
) -> None:
    """Two worker loops share the outbox; with a slow receiver and three escalations queued,
    every delivery id reaches the receiver exactly once."""
    receiver.delay = 0.2
    slack_fake.set_rate(0, 0)  # three cards, escalations and notes in a second: no pacing here
    for _ in range(3):
        escalate(services, x_fake, slack_fake, bolt)
    stop = threading.Event()
    senders = [EscalationWebhookSender(services, idle_seconds=0.01) for _ in range(2)]
    threads = [threading.Thread(target=s.run, args=(stop,), daemon=True) for s in senders]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: len(escalation_thread(slack_fake)) == 3, what="three deliveries")
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
    ids = [r.headers["X-Earshot-Delivery"] for r in receiver.requests()]
    assert len(ids) == 3 and len(set(ids)) == 3


def test_an_item_whose_worker_died_is_taken_over_after_its_lease(
    services: Services, redis_client: redis.Redis
) -> None:
    """Claimed items are leased: while the lease runs nobody else gets it; after it, another
    worker does (attempt 2), and the dead worker's late answer can no longer settle it."""
    outbox = Outbox(redis_client)
    outbox.enqueue('{"post_id":"1"}', {"post_id": "1"})
    now = time.time()
    first = outbox.claim(now, lease_seconds=30)
    assert first is not None and first.attempts == 1
    assert outbox.claim(now + 1, lease_seconds=30) is None
    second = outbox.claim(now + 31, lease_seconds=30)
    assert second is not None and second.id == first.id and second.attempts == 2
    assert not outbox.complete(first)
    assert outbox.complete(second)
    assert outbox.pending() == 0


def test_without_a_webhook_url_nothing_is_queued(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    receiver: WebhookReceiver,
) -> None:
    """ESCALATION_WEBHOOK_URL unset: escalating works and queues nothing."""
    services.settings = services.settings.model_copy(update={"escalation_webhook_url": None})
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "escalate", post_id, ts)
    bolt.view_submission(
        "escalate_case", escalate_values(ESCALATION), private_metadata=view["private_metadata"]
    )
    wait_for(lambda: AuditLog(services.redis).entries(post_id), what="escalated")
    assert Outbox(services.redis).pending() == 0
    assert not EscalationWebhookSender(services).step()
