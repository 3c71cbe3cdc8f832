"""`/oncall sla <t> rule <selector>` through the real Bolt app, then mentions through the worker's
real delivery (router + SLA hook): a /track rule id, `vip` and `priority:high` set the deadline
of cases that arrive afterwards, the tightest one winning; unknown names are refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.pipeline.worker import Worker
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.oncall import OncallStore
from bot.store.sla import case_clock
from tests.integration.oncall_helpers import Office, build_office, last_wednesday_10am
from tests.integration.pipeline_helpers import drain
from tests.integration.track_helpers import make_track_poller, run_track

VIP_FOLLOWERS = 250_000  # over the default VIP threshold (100,000 followers)
CAROL = ("3001", "carol", "Carol")


@pytest.fixture
def office(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    """The last Wednesday 10:00 in Rome; business hours 24/7, default SLA 1 h."""
    yield from build_office(redis_client, x_fake, slack_fake, last_wednesday_10am())


def target_of(office: Office, post_id: str) -> float:
    """Seconds from the case's start to its stored first-response deadline."""
    clock = case_clock(office.services.redis, post_id)
    assert clock is not None and clock.deadline is not None
    return clock.deadline - clock.start


def mention(office: Office, worker: Worker, text: str, **post: object) -> str:
    """A mention of our account on X, polled and carded by the worker's own deliverer."""
    found = office.x.add_post(text, author=CAROL, **post)  # type: ignore[arg-type]
    worker.poller.poll_once()
    drain(worker.deliverer)
    return str(found["id"])


def test_a_vip_target_applies_to_vip_mentions_only(office: Office) -> None:
    """`/oncall sla 15m rule vip`, then a VIP author's mention gets a 15-minute deadline and
    another author's the default hour."""
    worker = Worker(office.services)
    worker.poller.poll_once()  # the first poll only sets the timeline's checkpoint
    answer = office.oncall("sla 15m rule vip")
    assert "rule vip: 15m" in answer and "open cases keep their deadline" in answer
    vip = mention(office, worker, "@earshot_co my order is late", followers=VIP_FOLLOWERS)
    other = mention(office, worker, "@earshot_co where is my parcel", followers=10)
    assert target_of(office, vip) == 15 * 60
    assert target_of(office, other) == 60 * 60


def test_rule_ids_and_priority_select_and_the_tightest_wins(office: Office) -> None:
    """Targets for /track rule t1, for `priority:high` and for `vip`: a post matching t1 gets
    t1's, one matching the high-priority t2 gets priority's, a VIP's post on t2 the VIP one
    (the tightest), and a mention matching nothing the default."""
    worker = Worker(office.services)
    worker.poller.poll_once()
    run_track(office.bolt, office.slack, "add acmeapp")
    run_track(office.bolt, office.slack, "add acmepay priority:high")
    office.oncall("sla 30m rule T1")
    office.oncall("sla 10m rule priority:high")
    office.oncall("sla 5m rule VIP")
    assert OncallStore(office.services.redis).office().sla.per_rule == {
        "t1": 30 * 60,
        "priority:high": 10 * 60,
        "vip": 5 * 60,
    }
    posts = {
        "t1": office.x.add_post("acmeapp is down", author=CAROL, followers=10),
        "high": office.x.add_post("acmepay charged me twice", author=CAROL, followers=10),
        "vip": office.x.add_post("acmepay double charge", author=("3002", "star", "Star"),
                                 followers=VIP_FOLLOWERS),
    }  # fmt: skip
    make_track_poller(office.services).poll_round()
    drain(worker.deliverer)
    plain = mention(office, worker, "@earshot_co hello", followers=10)
    assert target_of(office, str(posts["t1"]["id"])) == 30 * 60
    assert target_of(office, str(posts["high"]["id"])) == 10 * 60
    assert target_of(office, str(posts["vip"]["id"])) == 5 * 60
    assert target_of(office, plain) == 60 * 60


def test_unknown_selectors_are_refused_with_the_valid_ones(office: Office) -> None:
    """A misspelt selector or a /track rule that does not exist is refused, the answer lists
    what is valid (the existing rule ids, `vip`, `priority:high`), and the stored SLA is
    unchanged."""
    run_track(office.bolt, office.slack, "add acmeapp")
    office.oncall("sla 20m rule vip")
    before = OncallStore(office.services.redis).office().sla
    for word in ("vipp", "t9", "priority:low"):
        answer = office.oncall(f"sla 15m rule {word}")
        assert f"`{word}` is neither a /track rule nor an SLA selector" in answer, answer
        assert "`t1`, `vip`, `priority:high`" in answer, answer
        assert OncallStore(office.services.redis).office().sla == before
    assert "is neither" in office.oncall("sla off rule t9")
    assert OncallStore(office.services.redis).office().sla == before
