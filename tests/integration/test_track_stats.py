"""`/track stats` counts a case answered when its first response was recorded, and averages
those first-response times, exactly as `/earshot report` does: real poller, router, SLA hook,
the real send and resolve steps, and the command through the real Bolt app."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime

import pytest

from bot.casework.people import person
from bot.casework.resolution import resolve_case
from bot.casework.sending import send_reply
from bot.domain.case import CaseStatus
from bot.domain.track_rule import TrackRule
from bot.pipeline.deliver import Deliverer
from bot.pipeline.track_route import TrackRouter
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.sla import case_clock, sla_record_hook
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore
from tests.integration.pipeline_helpers import drain, make_deliverer
from tests.integration.track_helpers import make_track_poller, run_track
from tests.integration.waiting import wait_for

CAROL = ("3001", "carol", "Carol")
WAITED = 600.0  # the cases arrived ten minutes before anyone answered


def carding_worker(services: Services) -> Deliverer:
    """Delivery as the worker wires it (the /track router and the SLA clock hook), the clocks
    starting WAITED seconds ago."""
    plain = make_deliverer(services)
    router = TrackRouter(services.redis, services.settings.slack_mentions_channel or "")
    started = sla_record_hook(services.redis, lambda: time.time() - WAITED)
    return Deliverer(
        plain.client,
        plain.slack,
        plain.config,
        plain.pacer,
        on_recorded=[started],
        place=router.place,
    )


def reply(services: Services, post_id: str) -> None:
    found = services.cases.get(post_id)
    sender = person(services, "U0ALICE")
    assert found is not None and sender is not None
    case, mention = found
    text = f"Sorry! Sending a fix today ({post_id[-2:]})."  # X refuses a repeated text
    assert send_reply(services, case, mention, text, sender).sent


def resolve(services: Services, post_id: str) -> None:
    who = person(services, "U0ALICE")
    assert who is not None
    assert resolve_case(services, post_id, who, "answered_elsewhere", "") is None


def test_stats_use_the_recorded_first_response_not_the_current_status(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Three cards on one rule: replied then resolved (answered, with its first-response time),
    resolved without a reply (not answered), replied (answered). /track stats says 2 of 3, and
    the average is the mean of the two recorded first-response times, not of the latest status
    changes."""
    slack_fake.set_rate(0, 0)
    stored = TrackStore(services.redis).add(
        TrackRule(id="", query="acmeapp", created_by="U0ALICE", created_at=time.time() - 1),
        "acmeapp",
    )
    assert isinstance(stored, TrackRule)
    posts = [
        str(x_fake.add_post(f"@earshot_co acmeapp broke {n}", author=CAROL)["id"]) for n in range(3)
    ]
    make_track_poller(services).poll_round()
    drain(carding_worker(services))
    replied_then_resolved, resolved_only, replied = posts
    reply(services, replied_then_resolved)
    reply(services, replied)
    time.sleep(1.5)  # the resolution is a later status change than the reply
    resolve(services, replied_then_resolved)
    resolve(services, resolved_only)
    status = services.cases.get(replied_then_resolved)
    assert status is not None and status[0].status is CaseStatus.RESOLVED

    firsts = []
    for post_id in (replied_then_resolved, replied):
        clock = case_clock(services.redis, post_id)
        assert clock is not None and clock.first_response_at is not None
        firsts.append(clock.first_response_at - clock.start)
    (figures,) = TrackUsage(services.redis).figures([stored.id], time.time())
    assert (figures.carded, figures.answered) == (3, 2)
    assert figures.avg_first_response == statistics.fmean(firsts)
    assert abs(statistics.fmean(firsts) - WAITED) < 60

    answer = run_track(bolt, slack_fake, "stats")
    assert "answered: 2 of 3 cards (66%)" in answer.text
    assert "avg first response 10 min" in answer.text


def test_response_times_run_from_the_customers_post_and_both_reports_agree(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A post made ten minutes before Earshot saw it (a slow poll, an outage) and answered the
    moment its card landed: the customer waited ten minutes, and that is what `/track stats`
    and `/earshot report` both say, the report adding that Earshot's delivery took that long."""
    slack_fake.set_rate(0, 0)
    posted = time.time() - WAITED
    stored = TrackStore(services.redis).add(
        TrackRule(id="", query="acmeapp", created_by="U0ALICE", created_at=posted - 60),
        "acmeapp",
    )
    assert isinstance(stored, TrackRule)
    post_id = str(
        x_fake.add_post(
            "@earshot_co acmeapp is down",
            author=CAROL,
            created_at=datetime.fromtimestamp(posted, UTC),
        )["id"]
    )
    make_track_poller(services).poll_round()
    plain = make_deliverer(services)
    hook = sla_record_hook(services.redis)  # the card lands now, on the real clock
    drain(Deliverer(plain.client, plain.slack, plain.config, plain.pacer, on_recorded=[hook]))
    reply(services, post_id)

    clock = case_clock(services.redis, post_id)
    assert clock is not None and clock.first_response_at is not None
    assert clock.start == pytest.approx(posted, abs=0.01)
    assert clock.delivery_lag == pytest.approx(WAITED, abs=30)
    assert clock.first_response_at - clock.start == pytest.approx(WAITED, abs=30)

    assert "avg first response 10 min" in run_track(bolt, slack_fake, "stats").text
    assert bolt.command("/earshot", "report 7d").status_code == 200
    [upload] = wait_for(lambda: slack_fake.uploads() or None, what="the report")
    comment = upload["initial_comment"]
    assert "Customer waited for a first response (from their post), 24/7: average 10 min" in (
        comment
    )
    assert "Earshot delivery lag (post to card in Slack): median 10 min" in comment
