"""The optional AI helper as the worker runs it: after a card is out, the post's text alone goes
to an OpenAI-compatible server (the project's fake, over loopback); its suggestion shows on the
card and in the Reply modal, and is sent only if a person uses it and presses Send."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from structlog.testing import capture_logs

from bot.check import find_warnings
from bot.domain.mention import Author, Mention
from bot.pipeline.ai_suggest import QUEUE_LIMIT, AiSuggester
from bot.pipeline.deliver import Deliverer
from bot.sandbox.ai_api import AiFake
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store import keys
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.casework_helpers import ALICE_X, open_reply, submit, x_replies
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.waiting import wait_for

COMPLAINT = "@earshot_co my order is broken and late, this is terrible"


@pytest.fixture
def ai_fake() -> Iterator[AiFake]:
    fake = AiFake(api_key="sk-test-ai").start()
    yield fake
    fake.stop()


@pytest.fixture
def ai_services(
    x_fake: XFake, slack_fake: SlackFake, ai_fake: AiFake, redis_client: redis.Redis
) -> Services:
    settings = sandbox_settings(
        x_fake,
        slack_fake,
        ai_base_url=f"{ai_fake.base_url}/v1",
        ai_api_key="sk-test-ai",
        ai_model="gpt-test",
    )
    return build_services(settings, redis_client)


def suggesting_deliverer(services: Services) -> tuple[Deliverer, AiSuggester]:
    assert services.ai is not None
    suggester = AiSuggester(services.redis, services.slack, services.ai, "self-serve")
    deliverer = make_deliverer(services)
    deliverer.on_recorded.append(suggester.enqueue)
    return deliverer, suggester


def deliver_one(services: Services, x_fake: XFake, text: str = COMPLAINT) -> tuple[str, str]:
    deliverer, suggester = suggesting_deliverer(services)
    make_poller(services).poll_once()
    post = x_fake.add_post(text, author=ALICE_X)
    make_poller(services).poll_once()
    drain(deliverer)
    found = services.cases.get(post["id"])
    assert found is not None
    while suggester.step():
        pass
    return post["id"], found[0].ts


def card(slack: SlackFake, ts: str) -> dict[str, Any]:
    return next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)


def test_the_suggestion_reaches_the_card_and_only_the_post_text_left(
    ai_services: Services, x_fake: XFake, slack_fake: SlackFake, ai_fake: AiFake
) -> None:
    """The card is posted first; then the helper's kind and sentiment are shown on it, its
    draft kept on the case. The helper received the post's text and nothing else about it."""
    post_id, ts = deliver_one(ai_services, x_fake)
    found = ai_services.cases.get(post_id)
    assert found is not None
    case = found[0]
    assert (case.ai_kind, case.ai_sentiment) == ("complaint", "negative")
    assert case.ai_draft and "Sorry to hear that" in case.ai_draft
    assert ":sparkles: AI helper: complaint, negative" in str(card(slack_fake, ts)["blocks"])
    [request] = ai_fake.requests()
    user_messages = [m for m in request["body"]["messages"] if m["role"] == "user"]
    assert [m["content"] for m in user_messages] == [COMPLAINT]
    sent = str(request)
    assert "alice" not in sent.casefold().replace(COMPLAINT.casefold(), "")
    assert post_id not in sent


def test_use_suggestion_fills_the_reply_which_is_sent_only_on_send(
    ai_services: Services, x_fake: XFake, slack_fake: SlackFake, ai_fake: AiFake
) -> None:
    """The Reply modal offers the draft, marked as the AI helper's; Use suggestion puts it in
    the reply text (with the @handle); X gets nothing until the person presses Send."""
    post_id, ts = deliver_one(ai_services, x_fake)
    bolt = BoltDriver(ai_services, slack_fake)
    try:
        view = open_reply(bolt, slack_fake, post_id, ts)
        offered = next(b for b in view["blocks"] if b.get("block_id") == "reply_suggestion")
        assert "Suggested by the AI helper" in offered["text"]["text"]
        bolt.block_action("reply_use_suggestion", "use", view=view)

        def filled() -> dict[str, Any] | None:
            now = next(v for v in slack_fake.views() if v["id"] == view["id"])
            ids = [b.get("block_id") for b in now["blocks"]]
            return now if "reply_text_1" in ids else None

        updated = wait_for(filled, what="the filled suggestion")
        draft = next(b for b in updated["blocks"] if b.get("block_id") == "reply_text_1")
        text = draft["element"]["initial_value"]
        assert text.startswith("@alice Sorry to hear that")
        assert x_replies(x_fake) == []
        assert submit(bolt, updated, text) == {}
        wait_for(lambda: x_replies(x_fake), what="the reply")
        assert len(x_replies(x_fake)) == 1
    finally:
        bolt.close()


@pytest.mark.parametrize("failure", ["server error", "garbage", "timeout"])
def test_a_failing_helper_costs_only_the_suggestion(
    ai_services: Services, x_fake: XFake, slack_fake: SlackFake, ai_fake: AiFake, failure: str
) -> None:
    """A 500, an answer that is not the JSON asked for, or no answer in time: the card is out
    as usual, with no AI line and nothing stored; only a warning is logged."""
    if failure == "server error":
        ai_fake.inject(AiFake.fault(500))
    elif failure == "garbage":
        ai_fake.script("I am not JSON at all")
    else:
        ai_fake.inject(AiFake.fault(0, delay_seconds=12.0))
    with capture_logs() as logs:
        post_id, ts = deliver_one(ai_services, x_fake)
    found = ai_services.cases.get(post_id)
    assert found is not None and found[0].ai_draft is None and found[0].ai_kind is None
    assert "AI helper" not in str(card(slack_fake, ts)["blocks"])
    assert [e for e in logs if e["event"] == "ai_helper_failed"]
    assert not [e for e in logs if e["log_level"] == "error"]


def test_without_settings_there_is_no_helper(services: Services) -> None:
    """AI_BASE_URL and AI_MODEL unset (the default): no helper, nothing is queued."""
    assert services.ai is None
    assert services.redis.llen(keys.AI_QUEUE) == 0


def test_only_the_newest_posts_wait_for_the_helper(
    ai_services: Services, redis_client: redis.Redis
) -> None:
    """In a flood the queue keeps the newest QUEUE_LIMIT posts: the helper never works through
    a backlog of old ones while new cards wait."""
    _deliverer, suggester = suggesting_deliverer(ai_services)
    post = Mention("1", "hello", Author("2", "dana", "Dana"), datetime.now(UTC))
    with redis_client.pipeline() as pipe:
        for n in range(QUEUE_LIMIT + 5):
            suggester.enqueue(pipe, replace(post, post_id=str(1000 + n)), CHANNEL, "1.0")
        pipe.execute()
    waiting = redis_client.lrange(keys.AI_QUEUE, 0, -1)
    assert len(waiting) == QUEUE_LIMIT and waiting[0] == "1005"


def test_a_direct_message_is_never_sent_to_the_helper(
    ai_services: Services, redis_client: redis.Redis
) -> None:
    """DM text stays private: a DM card is never queued for the helper."""
    _deliverer, suggester = suggesting_deliverer(ai_services)
    dm = Mention("77", "my card number is 4111", Author("2", "dana", "Dana"), datetime.now(UTC))
    dm = replace(dm, kind="dm", dm_conversation_id="1-2")
    with redis_client.pipeline() as pipe:
        suggester.enqueue(pipe, dm, CHANNEL, "1.0")
        pipe.execute()
    assert redis_client.llen(keys.AI_QUEUE) == 0


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({}, None),
        ({"ai_api_key": "sk-wrong"}, "AI_API_KEY: the AI server refused the key (401)"),
        ({"ai_model": "gpt-nope"}, "AI_MODEL: the AI server does not list 'gpt-nope'"),
        ({"ai_base_url": "http://127.0.0.1:9/v1"}, "AI_BASE_URL: the AI server does not answer"),
    ],
)
def test_earshot_check_says_what_is_wrong_with_the_ai_helper(
    x_fake: XFake,
    slack_fake: SlackFake,
    ai_fake: AiFake,
    change: dict[str, str],
    says: str | None,
) -> None:
    """`earshot check` asks the server's model list: a refused key, an unknown model or a
    server that does not answer is one warning line naming the variable (Earshot runs without
    the helper), never showing the key; a working helper adds nothing."""
    slack_fake.set_channel(CHANNEL, is_private=True)  # no DM-channel warning in the way
    values = {
        "ai_base_url": f"{ai_fake.base_url}/v1",
        "ai_api_key": "sk-test-ai",
        "ai_model": "gpt-test",
        **change,
    }
    warnings = find_warnings(sandbox_settings(x_fake, slack_fake, **values))
    if says is None:
        assert warnings == []
        return
    [line] = warnings
    assert line.startswith(says) and "stays off" in line
    assert "sk-" not in line
