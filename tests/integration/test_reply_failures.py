"""X refusing or failing a reply: the person is told in plain words, the draft is kept."""

from __future__ import annotations

import time

import pytest

from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    open_reply,
    submit,
    x_replies,
)
from tests.integration.waiting import wait_for

RESET = int(time.time()) + 600
NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned "
    "or otherwise engaged by the author of the post you are replying to."
)


@pytest.mark.parametrize(
    ("status", "body", "headers", "count", "words"),
    [
        (
            403,
            {
                "detail": "You are not allowed to create a Tweet with duplicate content.",
                "type": "about:blank",
                "title": "Forbidden",
                "status": 403,
            },
            {},
            1,
            "duplicate",
        ),
        (
            403,
            {"detail": NOT_ALLOWED, "type": "about:blank", "title": "Forbidden", "status": 403},
            {},
            1,
            "Open in X",
        ),
        (401, XFake.problem(401), {}, 1, "credentials"),
        (
            429,
            XFake.problem(429),
            {"x-rate-limit-reset": str(RESET), "x-rate-limit-remaining": "0"},
            1,
            f"<!date^{RESET}^",
        ),
        (503, XFake.problem(503), {}, 3, "did not answer properly"),
    ],
    ids=["duplicate", "not-allowed", "401", "429", "503-thrice"],
)
def test_each_x_error_is_explained_and_the_draft_kept(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    status: int,
    body: dict[str, object],
    headers: dict[str, str],
    count: int,
    words: str,
) -> None:
    """Each X failure becomes an ephemeral message naming what happened; the draft is kept for
    the next Reply, and the idempotency key is freed so it can be resent."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    x_fake.inject(Fault("/2/tweets", Response(status, body, headers), count=count))
    assert submit(bolt, view, "@alice we are on it") == {}
    message = wait_for(
        lambda: ephemerals_for(slack_fake, "U0ALICE"), timeout=10, what="the failure message"
    )[-1]
    assert "was not sent" in message and words in message
    assert "draft is kept" in message
    assert services.redis.get(keys.draft(post_id, "U0ALICE")) == "@alice we are on it"
    again = open_reply(bolt, slack_fake, post_id, ts)
    draft = next(
        b
        for b in again["blocks"]
        if b.get("type") == "input" and b["element"].get("action_id") == "reply_text"
    )
    assert draft["element"]["initial_value"] == "@alice we are on it"


def test_a_5xx_then_success_is_retried_and_posts_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """One 503 from X is retried with backoff; the reply lands once, nobody is bothered."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    x_fake.inject(Fault("/2/tweets", Response(503, XFake.problem(503)), count=1))
    submit(bolt, view, "@alice fixed")
    wait_for(lambda: x_fake.posts_by_us(), timeout=10, what="the retried reply")
    assert len(x_fake.posts_by_us()) == 1
    assert len(x_replies(x_fake)) == 2
