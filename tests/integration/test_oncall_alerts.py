"""Out-of-hours notes and auto-replies, paging the on-call person, source health alerts, and
`/earshot report`, through the real pipeline, timers and Bolt app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from bot.casework.autoreply import AutoReplySender
from bot.domain.case import CaseStatus
from bot.domain.source_status import MIN_SILENCE_SECONDS, silence_limit
from bot.oncall.paging import page_oncall
from bot.pipeline.timers import TimerLoop
from bot.pipeline.worker import Worker
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store.sla import stop_case_clock
from bot.store.source_health import last_successful_poll
from tests.integration.oncall_helpers import (
    ESCALATE,
    MENTIONS_CHANNEL,
    Office,
    build_office,
    rome,
    standard_setup,
)
from tests.integration.waiting import wait_for

MIN = 60


@pytest.fixture
def office(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    """Wednesday 2026-11-25 10:00 in Rome, with the standard hours, rotation and SLA."""
    for built in build_office(redis_client, x_fake, slack_fake, rome(2026, 11, 25, 10, 0)):
        standard_setup(built)
        built.tick()
        yield built


class RecordingSender:
    """Stands in for the X reply path (owned by the reply issue): records what it is asked."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    def __call__(self, post_id: str, text: str, *, by: str) -> str | None:
        self.sent.append((post_id, text, by))
        return "1999"


def test_a_mention_at_night_gets_a_closed_note_and_the_written_auto_reply(office: Office) -> None:
    """Saturday noon: the thread says we are closed and when the SLA is due; the auto-reply a
    person wrote and switched on is sent once, in their name."""
    sender = RecordingSender()
    office.timers = TimerLoop(office.services, autoreply=sender)
    office.oncall("autoreply set Thanks {name}! We are closed for the weekend, back Monday 09:00.")
    office.oncall("autoreply on", user="U0BOB")
    office.clock.at(rome(2026, 11, 28, 12, 0))
    post_id = office.deliver()
    office.tick()
    office.tick()
    [note] = office.thread(post_id)
    assert note["text"].startswith(":crescent_moon: We are closed now; we open")
    assert "2026-11-30 08:30 UTC" in note["text"]  # the SLA: Monday 09:30 in Rome
    assert sender.sent == [
        (post_id, "Thanks {name}! We are closed for the weekend, back Monday 09:00.", "U0ALICE")
    ]


def test_no_note_and_no_auto_reply_during_business_hours(office: Office) -> None:
    """A mention on Wednesday morning gets neither; nor does one whose notice would go out
    after opening time (the auto-reply never sends while open)."""
    sender = RecordingSender()
    office.timers = TimerLoop(office.services, autoreply=sender)
    office.oncall("autoreply set Hi {first_name}, we are closed, back at 09:00.")
    office.oncall("autoreply on")
    during = office.deliver()
    office.tick()
    office.clock.at(rome(2026, 11, 26, 8, 0))
    night = office.deliver("@earshot_co at night")
    office.tick(rome(2026, 11, 26, 9, 0))  # the worker was down until opening
    notes = [m["text"] for m in office.thread(during) + office.thread(night)]
    assert not any(text.startswith(":crescent_moon:") for text in notes)
    assert sender.sent == []


def test_auto_reply_is_off_by_default(office: Office) -> None:
    """Closed, a template written, but nobody switched it on: nothing goes to X."""
    sender = RecordingSender()
    office.timers = TimerLoop(office.services, autoreply=sender)
    office.oncall("autoreply set Back on Monday, {first_name}.")
    office.clock.at(rome(2026, 11, 28, 12, 0))
    office.deliver()
    office.tick()
    assert sender.sent == []


def test_page_oncall_sends_a_direct_message_to_whoever_is_on(office: Office) -> None:
    """page_oncall DMs the person on call now (with an Acknowledge button for a case) and says
    who; for a team without a rotation it pages nobody."""
    post_id = office.deliver()
    assert page_oncall(office.services, "support", "Escalated: see the card", post_id=post_id) == (
        "U0ALICE"
    )
    [dm] = office.slack.messages("D0ALICE")
    assert dm["text"] == "Escalated: see the card"
    assert dm["blocks"][1]["elements"][0]["value"] == post_id
    assert page_oncall(office.services, "nosuchteam", "hello") is None


def test_source_silence_and_recovery_are_told_once_each(office: Office) -> None:
    """No successful poll for 3 intervals (a minute at least: one slow answer is not silence):
    the on-call person is told mentions may be missing since the last good poll (once, however
    many ticks). When polling works again they hear how many mentions arrived in between."""
    office.poller.poll_once()
    last = last_successful_poll(office.services.redis, "x:mentions")
    limit = silence_limit(office.services.settings.x_poll_interval_seconds or 0)
    assert limit == MIN_SILENCE_SECONDS
    office.tick(office.clock() + limit - 5, poll=False)
    assert office.texts("D0ALICE") == []
    for _ in range(3):
        office.tick(office.clock() + limit + 5, poll=False)
    [alert] = office.texts("D0ALICE")
    assert "mentions may be missing since" in alert and "no successful poll for" in alert
    assert str(int(last or 0)) in alert
    for n in range(3):
        office.x.add_post(f"@earshot_co while you were away {n}", author=("2002", "eve", "Eve"))
    office.tick(office.clock() + 60)
    office.tick(office.clock() + 1)
    assert len(office.texts("D0ALICE")) == 2
    assert "recovered: 3 mentions arrived since" in office.texts("D0ALICE")[-1]


def test_persisting_x_errors_raise_the_alert_with_their_reason(office: Office) -> None:
    """X refusing the credentials is reported with the poller's own reason."""
    office.x.inject(XFake.fault("/2/users/", 401, count=1))
    office.tick(office.clock() + 1)
    [alert] = office.texts("D0ALICE")
    assert "X refused the credentials (401)" in alert
    office.tick(office.clock() + 60)
    assert "recovered: 0 mentions arrived" in office.texts("D0ALICE")[-1]


def test_without_a_rotation_source_alerts_go_to_the_escalation_channel(
    redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake
) -> None:
    for office in build_office(redis_client, x_fake, slack_fake, rome(2026, 11, 25, 10)):
        office.poller.poll_once()
        office.tick(office.clock() + 3600, poll=False)
        assert "mentions may be missing" in office.texts(ESCALATE)[0]


def test_report_posts_figures_and_a_chart(office: Office) -> None:
    """/earshot report 7d uploads a PNG chart into the channel with the figures as its message:
    three mentions, one answered in 12 minutes by Bob, one resolved without a reply."""
    answered, resolved, _waiting = (office.deliver(f"@earshot_co case {n}") for n in range(3))
    stop_case_clock(office.services.redis, answered, "replied", by="U0BOB", at=office.clock() + 720)
    stop_case_clock(office.services.redis, resolved, "resolved", by="U0BOB", at=office.clock() + 60)
    office.clock.advance(2 * 3600)
    assert office.bolt.command("/earshot", "report 7d").status_code == 200
    [upload] = wait_for(
        lambda: [u for u in office.slack.uploads() if "channels" in u], what="the chart upload"
    )
    assert upload["channels"] == [MENTIONS_CHANNEL]
    assert upload["filename"] == "earshot-report-7d.png"
    assert upload["content"].startswith("\ufffdPNG")  # the fake keeps bytes as text
    comment = upload["initial_comment"]
    assert "*Earshot report — last 7 days* (2026-11-19 to 2026-11-25, Europe/Rome)" in comment
    assert "Mentions: *3* — answered 1, resolved without a reply 1, still waiting 1" in comment
    assert "median 12 min" in comment
    assert "<@U0BOB>: 1 answered" in comment
    assert "*50%* (1 of 2 due)" in comment


def test_report_mistakes_are_told_privately(office: Office) -> None:
    """A period other than 7d or 30d, or a channel the app is not in: an ephemeral answer."""
    office.bolt.command("/earshot", "report 9d")
    wait_for(
        lambda: any("report 30d" in e["text"] for e in office.slack.ephemerals()),
        what="the usage hint",
    )
    office.slack.set_channel("C0ELSEWHERE", is_member=False)
    assert office.bolt.command("/earshot", "report", channel="C0ELSEWHERE").status_code == 200
    wait_for(
        lambda: any(c["path"].endswith("/chat.postEphemeral") for c in office.slack.calls[-3:]),
        what="the attempt to tell the person",
    )
    assert all("channels" not in upload for upload in office.slack.uploads())


def test_the_worker_runs_the_timers_and_starts_each_clock(office: Office) -> None:
    """The real Worker wires the timer loop and the delivery hook that starts SLA clocks."""
    worker = Worker(office.services)
    assert "timers" in [name for name, _loop in worker.loops]
    assert len(worker.deliverer.on_recorded) == 1


def test_the_real_auto_reply_posts_once_and_leaves_the_case_open(
    office: Office, x_fake: XFake
) -> None:
    """Through the real X path: one reply to the post with the template filled in, audited,
    noted in the thread; the case stays open (not Replied) so a person still answers; a second
    firing for the same post sends nothing."""
    sender = AutoReplySender(office.services)
    office.timers = TimerLoop(office.services, autoreply=sender)
    office.oncall("autoreply set Hi {first_name}, we are closed; back Monday 09:00.")
    office.oncall("autoreply on", user="U0BOB")
    office.clock.at(rome(2026, 11, 28, 12, 0))
    post_id = office.deliver()
    office.tick()
    office.tick()
    replies = x_fake.posts_by_us()
    assert [r["text"] for r in replies] == ["Hi Dana, we are closed; back Monday 09:00."]
    assert (
        sender(post_id, "Hi {first_name}, we are closed; back Monday 09:00.", by="U0ALICE") is None
    )
    assert len(x_fake.posts_by_us()) == 1
    found = office.services.cases.get(post_id)
    assert found is not None and found[0].status is not CaseStatus.REPLIED
    assert any("auto-reply sent" in m["text"] for m in office.thread(post_id))
