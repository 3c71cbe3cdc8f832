"""Customer history: each card says what Earshot knows of its author (earlier cases, the newest
one's outcome, another case still open), and `/earshot customer @handle` lists their cases with
first-response times, only to the caller. Real pipeline, send and resolve steps, Bolt app."""

from __future__ import annotations

from typing import Any

import pytest

from bot.casework.people import person
from bot.casework.resolution import resolve_case
from bot.casework.sending import send_reply
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from bot.store.history import CaseHistory
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import ALICE_X, deliver, ephemerals_for
from tests.integration.waiting import wait_for


@pytest.fixture(autouse=True)
def unpaced(slack_fake: SlackFake) -> None:
    slack_fake.set_rate(0, 0)


def card_of(slack: SlackFake, ts: str) -> dict[str, Any]:
    return next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)


def history_line(card: dict[str, Any]) -> str | None:
    for block in card["blocks"]:
        if block.get("block_id") == "card_history":
            return str(block["elements"][0]["text"])
    return None


def answer_and_resolve(services: Services, post_id: str) -> None:
    found = services.cases.get(post_id)
    alice = person(services, "U0ALICE")
    assert found is not None and alice is not None
    assert send_reply(services, found[0], found[1], f"@alice Fixed ({post_id[-3:]})!", alice).sent
    assert resolve_case(services, post_id, alice, "answered_elsewhere", "") is None


def test_a_card_shows_the_authors_earlier_case_and_who_closed_it(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    first, first_ts = deliver(services, x_fake, "@earshot_co my order is late")
    answer_and_resolve(services, first)
    _second, ts = deliver(services, x_fake, "@earshot_co the app crashes now")
    line = history_line(card_of(slack_fake, ts))
    assert line is not None
    assert "1 earlier case · last " in line
    assert "resolved by <@U0ALICE>" in line
    assert f"p{first_ts.replace('.', '')}|open its thread>" in line
    assert "another open case" not in line

    # A first-time author's card has no history line.
    _other, other_ts = deliver(services, x_fake, "@earshot_co hi", author=("2099", "zed", "Zed"))
    assert history_line(card_of(slack_fake, other_ts)) is None


def test_a_card_warns_when_the_author_has_another_open_case(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    deliver(services, x_fake, "@earshot_co my order is late")
    _second, ts = deliver(services, x_fake, "@earshot_co and my refund?")
    line = history_line(card_of(slack_fake, ts))
    assert line is not None and "1 earlier case" in line
    assert ":warning: @alice has another open case" in line


def test_history_honours_the_retention(services: Services, x_fake: XFake) -> None:
    """A case that expired is gone from the history: not counted, not shown, pruned."""
    old, _ = deliver(services, x_fake, "@earshot_co an old complaint")
    services.redis.delete(keys.case(old))  # as its retention would
    new, _ = deliver(services, x_fake, "@earshot_co a new one")
    found = services.cases.get(new)
    assert found is not None and found[1].history is None
    assert [c.post_id for c in CaseHistory(services.redis).newest(ALICE_X[0], 10)] == [new]


def run_customer(bolt: BoltDriver, slack: SlackFake, text: str, user: str = "U0BOB") -> str:
    before = len(ephemerals_for(slack, user))
    assert bolt.command("/earshot", f"customer {text}", user=user).status_code == 200
    said = wait_for(lambda: ephemerals_for(slack, user)[before:] or None, what="the answer")
    return str(said[-1])


def test_earshot_customer_lists_cases_response_times_and_outcomes_only_to_the_caller(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    first, _ = deliver(services, x_fake, "@earshot_co my order is late", clocks=True)
    answer_and_resolve(services, first)
    deliver(services, x_fake, "@earshot_co still waiting on a refund", clocks=True)
    posted = len(slack_fake.messages(CHANNEL))

    answer = run_customer(bolt, slack_fake, "@Alice")
    assert "*@Alice: 2 cases* on record, 1 open" in answer
    lines = [line for line in answer.splitlines() if line.startswith("•")]
    assert len(lines) == 2
    assert "New" in lines[0] and "no response yet" in lines[0]  # newest first
    assert "Resolved by <@U0ALICE>" in lines[1] and "first response" in lines[1]
    assert "|thread>" in lines[1]
    assert len(slack_fake.messages(CHANNEL)) == posted, "nothing is posted in the channel"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Name the customer: for example `/earshot customer @alice`."),
        ("@not a handle!", "That is not an X handle."),
        ("@nobody_here", "Earshot has no case of @nobody_here on record"),
    ],
)
def test_earshot_customer_explains_wrong_input(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver, text: str, said: str
) -> None:
    deliver(services, x_fake)
    before = case_data(services)
    assert said in run_customer(bolt, slack_fake, text)
    assert case_data(services) == before, "a lookup changes nothing"


def case_data(services: Services) -> dict[str, Any]:
    """Every case and history key with its contents."""
    found: dict[str, Any] = {}
    for pattern in (keys.case("*"), keys.author_cases("*"), keys.author_handle("*")):
        for key in services.redis.scan_iter(pattern):
            kind = services.redis.type(key)
            found[key] = (
                services.redis.hgetall(key)
                if kind == "hash"
                else services.redis.zrange(key, 0, -1)
                if kind == "zset"
                else services.redis.get(key)
            )
    return found
