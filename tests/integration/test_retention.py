"""Data lifecycle: every per-post key written by the real paths (ingest, delivery with its SLA
clock, a reply sent to X, an audit entry) expires within CASE_RETENTION_DAYS (the audit trail
within AUDIT_RETENTION_DAYS), activity re-arms it, and an old post is never re-admitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from bot.casework.sending import send_reply
from bot.domain.mention import Author, Mention
from bot.domain.permissions import Person
from bot.pipeline.ingest import Ingest
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.retention import DAY, SEEN_MARGIN_SECONDS
from bot.store.sla import sla_record_hook
from tests.conftest import sandbox_settings
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller

CASE_DAYS, AUDIT_DAYS = 40, 90
ALICE = ("2001", "alice", "Alice")
ANA = Person(id="U0ANA", name="ana", real_name="Ana", team_id="T0")


@pytest.fixture
def kept(x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis) -> Services:
    settings = sandbox_settings(
        x_fake, slack_fake, case_retention_days=CASE_DAYS, audit_retention_days=AUDIT_DAYS
    )
    return build_services(settings, redis_client)


def _deliver_one(services: Services, x_fake: XFake) -> str:
    make_poller(services).poll_once()  # first start: the checkpoint
    post = x_fake.add_post("@earshot_co where is my parcel", author=ALICE)
    make_poller(services).poll_once()
    deliverer = make_deliverer(services)
    deliverer.on_recorded.append(sla_record_hook(services.redis))
    drain(deliverer)
    assert services.cases.exists(post["id"])
    return str(post["id"])


def _ttl_days(client: redis.Redis, key: str) -> float:
    ttl = int(client.ttl(key))
    assert ttl > 0, f"{key} has no expiry ({ttl})"
    return ttl / DAY


def _per_post_keys(client: redis.Redis, post_id: str) -> list[str]:
    return sorted(str(k) for k in client.scan_iter(f"*{post_id}*"))


def test_a_delivered_card_expires_within_the_case_retention(kept: Services, x_fake: XFake) -> None:
    """After ingest and delivery, every key naming the post (case, SLA clock, sources, card
    index, dedupe) has a TTL of at most the case retention (dedupe: plus one day's margin)."""
    post_id = _deliver_one(kept, x_fake)
    client = kept.redis
    found = _per_post_keys(client, post_id)
    assert keys.case(post_id) in found
    assert keys.sla(post_id) in found
    assert keys.post_sources(post_id) in found
    for key in found:
        limit = CASE_DAYS + (SEEN_MARGIN_SECONDS / DAY if key == keys.seen(post_id) else 0)
        assert CASE_DAYS - 1 < _ttl_days(client, key) <= limit, key
    [card] = [k for k in client.scan_iter(f"{keys.PREFIX}:card:*")]
    assert CASE_DAYS - 1 < _ttl_days(client, str(card)) <= CASE_DAYS
    for day in client.scan_iter(f"{keys.PREFIX}:sla:day:*"):
        assert _ttl_days(client, str(day)) <= CASE_DAYS


def test_a_sent_reply_and_its_audit_expire_and_rearm_the_case(
    kept: Services, x_fake: XFake
) -> None:
    """Sending a reply writes the replies set and audit entry with TTLs (audit: the audit
    retention), and re-arms the case's keys, whose TTL had run down, to the full retention."""
    post_id = _deliver_one(kept, x_fake)
    client = kept.redis
    client.expire(keys.case(post_id), 5 * DAY)  # as if the case had aged
    client.expire(keys.sla(post_id), 5 * DAY)
    found = kept.cases.get(post_id)
    assert found is not None
    outcome = send_reply(kept, found[0], found[1], "Sorry! It ships today.", ANA)
    assert outcome.sent
    assert CASE_DAYS - 1 < _ttl_days(client, keys.replies(post_id)) <= CASE_DAYS
    assert CASE_DAYS - 1 < _ttl_days(client, keys.case(post_id)) <= CASE_DAYS
    assert CASE_DAYS - 1 < _ttl_days(client, keys.sla(post_id)) <= CASE_DAYS
    assert AUDIT_DAYS - 1 < _ttl_days(client, keys.audit(post_id)) <= AUDIT_DAYS
    for key in _per_post_keys(client, post_id):
        assert _ttl_days(client, key) <= AUDIT_DAYS + 1, key


def test_audit_entry_of_an_action_has_the_audit_retention(kept: Services) -> None:
    """An audit entry written on its own (like, resolve...) carries the audit retention."""
    AuditLog(kept.redis).record("77", "liked", ANA.id, ANA.real_name)
    assert AUDIT_DAYS - 1 < _ttl_days(kept.redis, keys.audit("77")) <= AUDIT_DAYS


def test_a_claim_on_an_expired_case_leaves_no_immortal_key(kept: Services) -> None:
    """Clicking Claim on a card whose case already expired does not create a case hash that
    never expires."""
    kept.cases.claim("88", ANA.id, 60)
    assert _ttl_days(kept.redis, keys.case("88")) <= CASE_DAYS


def _mention(post_id: str, created: datetime) -> Mention:
    return Mention(post_id, "hi", Author("1", "alice", "Alice", 10), created)


def test_a_post_older_than_the_retention_is_never_admitted_again(kept: Services) -> None:
    """A post created before the retention window is dropped at ingest, so one whose dedupe
    mark expired cannot come back as new (X's mentions timeline has no age limit)."""
    ingest = Ingest(kept.redis)
    now = datetime.now(UTC)
    old = _mention("1001", now - timedelta(days=CASE_DAYS, hours=1))
    recent = _mention("1002", now - timedelta(days=CASE_DAYS - 1))
    assert ingest.ingest("mentions", [old, recent], None) == 1
    assert not kept.redis.exists(keys.seen("1001"))
    seen_ttl = _ttl_days(kept.redis, keys.seen("1002"))
    # The mark outlives the window in which the post can still be admitted.
    assert CASE_DAYS < seen_ttl <= CASE_DAYS + SEEN_MARGIN_SECONDS / DAY
