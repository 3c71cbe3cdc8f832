"""The AI helper against the OpenAI-compatible fake over loopback: what it sends, what it makes
of answers, and that every failure is a quiet None (one warning, no secrets), never a wait."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
import requests
from structlog.testing import capture_logs

from bot.domain.kind import Kind
from bot.sandbox.ai_api import AiFake
from bot.sandbox.server import Fault, Response
from bot.sources.ai import SYSTEM_PROMPT, AiConfig, AiHelper, AiSuggestion

KEY = "sk-sandbox-7f3a9c"
MODEL = "gpt-4o-mini"
COMPLAINT = "@earshot_co my order arrived broken and nobody answers. Worst service ever"
PATH = "/v1/chat/completions"
# what any HTTP client sends: nothing about the post, its author or Earshot
PLAIN_HEADERS = {
    "host", "user-agent", "accept", "accept-encoding", "connection", "content-type",
    "content-length", "authorization",
}  # fmt: skip


@pytest.fixture
def ai_fake() -> Iterator[AiFake]:
    fake = AiFake(api_key=KEY).start()
    yield fake
    fake.stop()


def helper_for(fake: AiFake, **overrides: Any) -> AiHelper:
    values: dict[str, Any] = {"base_url": fake.base_url + "/v1/", "api_key": KEY, "model": MODEL}
    values.update(overrides)
    return AiHelper(AiConfig(**values))


def failures(logs: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [entry for entry in logs if entry["event"] == "ai_helper_failed"]


def test_a_complaint_gets_kind_sentiment_and_a_draft(ai_fake: AiFake) -> None:
    """A complaint comes back as kind complaint, negative, with the model's draft; no warning."""
    with capture_logs() as logs:
        suggestion = helper_for(ai_fake).suggest(COMPLAINT)
    assert suggestion == AiSuggestion(
        Kind.COMPLAINT,
        "negative",
        "Sorry to hear that \u2014 we're looking into it. Could you tell us more?",
    )
    assert failures(logs) == []


def test_only_the_prompt_and_the_post_text_reach_the_endpoint(ai_fake: AiFake) -> None:
    """The request holds the model, the system prompt, the post text and the JSON settings,
    nothing else (no author name, handle, ids or other fields), and only plain HTTP headers."""
    post_text = "Is the app down? Can't log in since this morning"
    helper_for(ai_fake).suggest(post_text)
    [sent] = ai_fake.requests()
    assert sent["body"] == {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": post_text},
        ],
        "temperature": 0.2,
        "response_format": {"type": "json_object"},
    }
    assert sent["headers"]["authorization"] == f"Bearer {KEY}"
    assert set(sent["headers"]) <= PLAIN_HEADERS


def test_long_post_text_is_cut_to_2000_characters(ai_fake: AiFake) -> None:
    """A post (or DM) longer than 2,000 characters is sent cut to its first 2,000."""
    helper_for(ai_fake).suggest("x" * 5000)
    [sent] = ai_fake.requests()
    assert sent["body"]["messages"][1]["content"] == "x" * 2000


def test_blank_post_is_not_sent(ai_fake: AiFake) -> None:
    """Nothing to judge, nothing asked: a blank post gives None without a request."""
    assert helper_for(ai_fake).suggest("  \n ") is None
    assert ai_fake.requests() == []


def test_wrong_key_is_none_and_a_warning_without_the_key(ai_fake: AiFake) -> None:
    """A 401 gives None and one warning naming the failure, with neither key nor post text."""
    wrong = "sk-wrong-key-0000"
    with capture_logs() as logs:
        assert helper_for(ai_fake, api_key=wrong).suggest(COMPLAINT) is None
    assert failures(logs) == [
        {"event": "ai_helper_failed", "log_level": "warning", "reason": "unauthorized",
         "status": 401}
    ]  # fmt: skip
    assert wrong not in repr(logs) and "broken" not in repr(logs)


def test_missing_key_is_refused_by_the_fake(ai_fake: AiFake) -> None:
    """Without an Authorization header a keyed fake answers OpenAI's 401 invalid_api_key."""
    with capture_logs() as logs:
        assert helper_for(ai_fake, api_key=None).suggest(COMPLAINT) is None
    assert "authorization" not in ai_fake.requests()[0]["headers"]
    assert failures(logs)[0]["status"] == 401
    answer = requests.post(ai_fake.base_url + PATH, json={"model": MODEL}, timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {
        "error": {
            "message": "Incorrect API key provided",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
    }


def test_429_backs_off_until_retry_after_has_passed(ai_fake: AiFake) -> None:
    """After a 429 with Retry-After: 1 the helper answers None without calling; once the second
    has passed it asks again."""
    now = [1000.0]
    helper = AiHelper(AiConfig(ai_fake.base_url + "/v1", KEY, MODEL), clock=lambda: now[0])
    ai_fake.inject(AiFake.fault(429, retry_after=1))
    with capture_logs() as logs:
        assert helper.suggest(COMPLAINT) is None
        assert helper.suggest(COMPLAINT) is None
        now[0] += 0.9
        assert helper.suggest(COMPLAINT) is None
    assert len(ai_fake.requests()) == 1
    assert [(e["reason"], e["status"]) for e in failures(logs)] == [("rate_limited", 429)]
    now[0] += 0.2
    assert helper.suggest(COMPLAINT) is not None
    assert len(ai_fake.requests()) == 2


def test_a_flood_during_backoff_sends_nothing(ai_fake: AiFake) -> None:
    """After a 429, twenty threads asking at once all get None and none reaches the endpoint."""
    helper = helper_for(ai_fake)
    ai_fake.inject(AiFake.fault(429, retry_after=30))
    assert helper.suggest(COMPLAINT) is None
    answers: list[AiSuggestion | None] = []
    threads = [
        threading.Thread(target=lambda: answers.append(helper.suggest(COMPLAINT)))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert answers == [None] * 20
    assert len(ai_fake.requests()) == 1


def test_429_without_retry_after_backs_off_a_minute(ai_fake: AiFake) -> None:
    """A 429 with no Retry-After keeps the helper quiet for 60 s."""
    now = [0.0]
    helper = AiHelper(AiConfig(ai_fake.base_url + "/v1", KEY, MODEL), clock=lambda: now[0])
    ai_fake.inject(AiFake.fault(429))
    assert helper.suggest(COMPLAINT) is None
    now[0] = 59.0
    assert helper.suggest(COMPLAINT) is None
    assert len(ai_fake.requests()) == 1
    now[0] = 60.5
    assert helper.suggest(COMPLAINT) is not None


def test_timeout_is_none_quickly(ai_fake: AiFake) -> None:
    """An endpoint slower than the client's timeout (0.5 s) gives None well within 2 s."""
    ai_fake.inject(AiFake.fault(0, delay_seconds=2.5))
    with capture_logs() as logs:
        started = time.monotonic()
        assert helper_for(ai_fake, timeout=0.5).suggest(COMPLAINT) is None
        elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert [e["reason"] for e in failures(logs)] == ["timeout"]


def test_unreachable_endpoint_is_none() -> None:
    """Nothing listening: a connection error gives None and one warning."""
    fake = AiFake().start()
    base_url = fake.base_url
    fake.stop()
    with capture_logs() as logs:
        assert AiHelper(AiConfig(base_url + "/v1", None, MODEL, timeout=1)).suggest("hi") is None
    assert [e["reason"] for e in failures(logs)] == ["connection"]


@pytest.mark.parametrize("status", [500, 503, 404])
def test_error_status_is_none(ai_fake: AiFake, status: int) -> None:
    """A 5xx (or any other non-2xx) gives None and one warning with its status."""
    ai_fake.inject(AiFake.fault(status))
    with capture_logs() as logs:
        assert helper_for(ai_fake).suggest(COMPLAINT) is None
    [warning] = failures(logs)
    assert warning["status"] == status
    assert warning["reason"] == ("refused" if status == 404 else "server")


def test_scripted_garbage_content_is_none(ai_fake: AiFake) -> None:
    """Content that is not JSON gives None and a content_unusable warning without the content;
    the next, unscripted answer is read as usual."""
    ai_fake.script("I'm sorry, I can't classify posts today. SECRET-CONTENT")
    helper = helper_for(ai_fake)
    with capture_logs() as logs:
        assert helper.suggest(COMPLAINT) is None
    assert [e["reason"] for e in failures(logs)] == ["content_unusable"]
    assert "SECRET-CONTENT" not in repr(logs)
    assert helper.suggest(COMPLAINT) is not None


def test_scripted_partial_content_keeps_the_usable_fields(ai_fake: AiFake) -> None:
    """Fenced JSON with an unknown kind and a wrong-typed draft keeps only the sentiment."""
    ai_fake.script('```json\n{"kind": "rant", "sentiment": "negative", "draft": 5}\n```')
    assert helper_for(ai_fake).suggest(COMPLAINT) == AiSuggestion(None, "negative", None)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"id": "chatcmpl-1", "object": "chat.completion", "choices": []}, "no_content"),
        ("<html>Bad gateway</html>", "no_content"),
        ({"choices": [{"message": {"role": "assistant", "content": None}}]}, "no_content"),
    ],
)
def test_bodies_without_content_are_none(ai_fake: AiFake, body: Any, reason: str) -> None:
    """A 200 whose body has no choices[0].message.content gives None and one warning."""
    ai_fake.inject(Fault(PATH, Response(200, body)))
    with capture_logs() as logs:
        assert helper_for(ai_fake).suggest(COMPLAINT) is None
    assert [e["reason"] for e in failures(logs)] == [reason]


def test_body_that_is_not_json_is_none(ai_fake: AiFake) -> None:
    """A 200 with a body that does not parse as JSON gives None (body_not_json)."""
    ai_fake.inject(Fault(PATH, Response(200, None, content_type="text/html")))
    with capture_logs() as logs:
        assert helper_for(ai_fake).suggest(COMPLAINT) is None
    assert [e["reason"] for e in failures(logs)] == ["body_not_json"]


def test_fake_refuses_a_request_without_model(ai_fake: AiFake) -> None:
    """The fake answers OpenAI's 400 invalid_request_error to a request with no model, and to
    one with no messages."""
    headers = {"Authorization": f"Bearer {KEY}"}
    no_model = requests.post(
        ai_fake.base_url + PATH, json={"messages": [{"role": "user", "content": "hi"}]},
        headers=headers, timeout=5,
    )  # fmt: skip
    assert no_model.status_code == 400
    assert no_model.json()["error"]["type"] == "invalid_request_error"
    assert no_model.json()["error"]["message"] == "you must provide a model parameter"
    no_messages = requests.post(
        ai_fake.base_url + PATH, json={"model": MODEL}, headers=headers, timeout=5
    )
    assert no_messages.status_code == 400
    assert no_messages.json()["error"]["param"] == "messages"


def test_fake_answers_a_chat_completion_object(ai_fake: AiFake) -> None:
    """The fake's answer has the chat.completion shape with a JSON string as content."""
    answer = requests.post(
        ai_fake.base_url + PATH,
        json={"model": MODEL, "messages": [{"role": "user", "content": "Thanks, love it! json"}]},
        headers={"Authorization": f"Bearer {KEY}"}, timeout=5,
    ).json()  # fmt: skip
    assert answer["object"] == "chat.completion"
    assert answer["id"].startswith("chatcmpl-")
    assert isinstance(answer["created"], int)
    assert answer["model"] == MODEL
    [choice] = answer["choices"]
    assert choice["index"] == 0 and choice["finish_reason"] == "stop"
    assert choice["message"]["role"] == "assistant"
    assert json.loads(choice["message"]["content"])["kind"] == "praise"
    usage = answer["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_fake_requires_json_in_the_messages_for_json_mode(ai_fake: AiFake) -> None:
    """Like OpenAI, json_object mode without the word "json" in the messages is a 400."""
    answer = requests.post(
        ai_fake.base_url + PATH,
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}],
              "response_format": {"type": "json_object"}},
        headers={"Authorization": f"Bearer {KEY}"}, timeout=5,
    )  # fmt: skip
    assert answer.status_code == 400
    assert "json" in answer.json()["error"]["message"]
