"""Builders for the answering tests: a delivered case, the reply modal, its submission."""

from __future__ import annotations

from typing import Any

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.conftest import CHANNEL
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.waiting import wait_for

ALICE_X = ("2001", "alice", "Alice Liddell")


def deliver(
    services: Services,
    x_fake: XFake,
    text: str = "@earshot_co where is my order?",
    author: tuple[str, str, str] = ALICE_X,
    *,
    clocks: bool = False,
) -> tuple[str, str]:
    """A mention that became a card: returns (post id, card ts). `clocks`: with its SLA clock,
    as the worker delivers it."""
    make_poller(services).poll_once()
    post = x_fake.add_post(text, author=author, followers=321)
    make_poller(services).poll_once()
    drain(make_deliverer(services, clocks=clocks))
    found = services.cases.get(post["id"])
    assert found is not None, "the mention was not delivered"
    return post["id"], found[0].ts


def shared_case(services: Services, x_fake: XFake) -> tuple[str, str]:
    """One delivered case shared by every example of a property test (Redis is flushed per
    test, not per example): (post id, card ts)."""
    for key in sorted(str(k) for k in services.redis.scan_iter(keys.case("*"))):
        found = services.cases.get(key.rsplit(":", 1)[-1])
        if found is not None:
            return found[0].post_id, found[0].ts
    return deliver(services, x_fake)


def open_reply(
    bolt: BoltDriver, slack: SlackFake, post_id: str, ts: str, user: str = "U0ALICE"
) -> dict[str, Any]:
    """Press Reply on the card; returns the modal Slack now shows."""
    before = len(slack.views())
    response = bolt.block_action("reply", post_id, user=user, message_ts=ts)
    assert response.status_code == 200
    views = wait_for(lambda: slack.views()[before:] or None, what="the reply modal")
    view: dict[str, Any] = views[-1]
    return view


def modal_values(view: dict[str, Any], text: str, ticks: tuple[str, ...] = ()) -> dict[str, Any]:
    """The state.values Slack would send for `view` with `text` typed and boxes ticked."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        element = block["element"]
        block_id = block["block_id"]
        if element.get("action_id") == "reply_text":
            values[block_id] = {"reply_text": {"type": "plain_text_input", "value": text}}
        elif element["type"] == "checkboxes":
            selected = [{"value": "yes"}] if block_id in ticks else []
            values[block_id] = {block_id: {"type": "checkboxes", "selected_options": selected}}
    return values


def submit(
    bolt: BoltDriver,
    view: dict[str, Any],
    text: str,
    user: str = "U0ALICE",
    ticks: tuple[str, ...] = (),
    metadata: str | None = None,
) -> Any:
    response = bolt.view_submission(
        "reply_modal",
        modal_values(view, text, ticks),
        private_metadata=view["private_metadata"] if metadata is None else metadata,
        user=user,
    )
    assert response.status_code == 200
    return response.json() if response.text else {}


def x_replies(x_fake: XFake) -> list[dict[str, Any]]:
    return [c for c in x_fake.calls_to("/2/tweets") if c["method"] == "POST"]


def ephemerals_for(slack: SlackFake, user: str) -> list[str]:
    return [e.get("text", "") for e in slack.ephemerals() if e.get("user") == user]


def thread(slack: SlackFake, ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(CHANNEL) if m.get("thread_ts") == ts]
