"""The out-of-hours auto-reply: never a text X would refuse as a repeat, every failure said in
the card's thread, `autoreply_sent` logged and audited only when something went out."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from bot.casework.autoreply import AutoReplySender
from bot.domain.reply import draft_hash
from bot.pipeline.timers import TimerLoop
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.oncall import OncallStore
from tests.integration.casework_helpers import x_replies
from tests.integration.oncall_helpers import Office, build_office, rome, standard_setup

TEMPLATE = "Hi {first_name}, we are closed; back Monday 09:00."


@pytest.fixture
def closed(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    """Saturday noon in Rome (closed), the real auto-reply sender switched on with TEMPLATE."""
    for office in build_office(redis_client, x_fake, slack_fake, rome(2026, 11, 25, 10, 0)):
        standard_setup(office)
        office.timers = TimerLoop(office.services, autoreply=AutoReplySender(office.services))
        office.oncall(f"autoreply set {TEMPLATE}")
        office.oncall("autoreply on", user="U0BOB")
        office.clock.at(rome(2026, 11, 28, 12, 0))
        yield office


def fire(office: Office, text: str) -> tuple[str, list[dict[str, Any]]]:
    """A mention arrives and the timers run; returns its id and the events logged meanwhile."""
    with capture_logs() as logs:
        post_id = office.deliver(text)
        office.tick()
        office.tick()
    return post_id, logs


def sent_events(logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in logs if entry["event"] == "autoreply_sent"]


def notes(office: Office, post_id: str) -> list[str]:
    return [str(m["text"]) for m in office.thread(post_id)]


def test_autoreply_set_needs_a_variable_and_keeps_the_old_text(closed: Office) -> None:
    """`/oncall autoreply set` with a text that would be the same for everyone (X refuses the
    second copy) is refused in words that name the variables; the stored template is kept."""
    answer = closed.oncall("autoreply set We are closed, back Monday.")
    assert "{first_name}" in answer and "same text twice" in answer
    assert closed.oncall("autoreply set Hi {frist_name}!").count("Unknown variable") == 1
    assert OncallStore(closed.services.redis).office().autoreply.template == TEMPLATE


def test_a_repeat_of_the_same_text_is_skipped_with_a_note(closed: Office, x_fake: XFake) -> None:
    """The same author writes twice at night: the first post gets the auto-reply; the second's
    filled-in text is the same, so nothing is sent to X (no refused call) and its thread says
    why. `autoreply_sent` is logged, and audited, once."""
    first, logs_first = fire(closed, "@earshot_co my order is late")
    second, logs_second = fire(closed, "@earshot_co still waiting")
    assert [c["body"]["text"] for c in x_replies(x_fake)] == [
        "Hi Dana, we are closed; back Monday 09:00."
    ]
    assert len(sent_events(logs_first)) == 1 and sent_events(logs_second) == []
    assert any("auto-reply sent" in text for text in notes(closed, first))
    [skipped] = [t for t in notes(closed, second) if "auto-reply was not sent" in t]
    assert "same text already went to another post" in skipped
    audit = AuditLog(closed.services.redis)
    assert [e["action"] for e in audit.entries(first)].count("autoreply_sent") == 1
    assert "autoreply_sent" not in [e["action"] for e in audit.entries(second)]


def test_an_auto_reply_x_refuses_is_said_in_the_thread_and_not_logged_as_sent(
    closed: Office, x_fake: XFake
) -> None:
    """X answers 503 to every try: the card's thread says the auto-reply was not sent and that
    a person must answer; nothing is logged or audited as sent; the next post may try again."""
    x_fake.inject(XFake.fault("/2/tweets", 503, count=3))
    failed, logs = fire(closed, "@earshot_co my order is late")
    assert sent_events(logs) == []
    [note] = [t for t in notes(closed, failed) if "auto-reply was not sent" in t]
    assert "X did not answer properly" in note
    actions = [e["action"] for e in AuditLog(closed.services.redis).entries(failed)]
    assert "autoreply_sent" not in actions
    # The text was not used on X, so it is free for the next post (same author, same text).
    later, logs_later = fire(closed, "@earshot_co hello again")
    assert len(sent_events(logs_later)) == 1
    assert any("auto-reply sent" in text for text in notes(closed, later))


def test_a_firing_while_the_same_auto_reply_is_in_flight_does_nothing(closed: Office) -> None:
    """The timer fires while another firing is still sending this post's auto-reply: nothing is
    posted and no misleading "not sent" note appears (the other firing reports the outcome)."""
    with capture_logs() as logs:
        post_id = closed.deliver("@earshot_co my order is late")
        text = "Hi Dana, we are closed; back Monday 09:00."
        key = keys.send_key(post_id, draft_hash(post_id, text))
        closed.services.redis.set(key, "pending:U0ALICE", ex=60)
        closed.tick()
        closed.tick()
    assert x_replies(closed.x) == [] and sent_events(logs) == []
    assert not any("auto-reply" in text for text in notes(closed, post_id))
