"""Fuzzing the Reply surfaces: whatever Slack (or an attacker) sends, never a 500, never a post."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from handlers.views.reply import TAMPERED
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    open_reply,
    shared_case,
    submit,
    x_replies,
)

texts = st.text(max_size=400)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=texts,
    metadata=st.text(max_size=200),
    ticks=st.lists(
        st.sampled_from(["reply_another", "reply_takeover", "reply_like", "bogus"]), max_size=3
    ),
    user=st.sampled_from(["U0ALICE", "U0GUEST", "U0EXT", "U0NOBODY", ""]),
)
def test_fuzzed_reply_submissions_never_fail_or_post(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    text: str,
    metadata: str,
    ticks: list[str],
    user: str,
) -> None:
    """Random drafts, forged metadata, random ticks and users: always HTTP 200, never a post
    (the metadata is never valid, so nothing may be sent)."""
    values: dict[str, Any] = {
        "reply_text_0": {"reply_text": {"type": "plain_text_input", "value": text}}
    }
    for tick in ticks:
        values[tick] = {tick: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}}
    response = bolt.view_submission("reply_modal", values, private_metadata=metadata, user=user)
    assert response.status_code == 200
    assert response.json() == {"response_action": "errors", "errors": {"reply_text_0": TAMPERED}}
    assert x_replies(x_fake) == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.one_of(texts, st.text(alphabet="ab $#@🚀\n", max_size=300)))
def test_a_valid_reply_window_refuses_inline_or_posts_exactly_the_text(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver, text: str
) -> None:
    """The Reply modal as Slack shows it, with any text typed (and "send another" ticked):
    either the text field shows why (nothing posted), or exactly one reply to the mention with
    the trimmed text is on X, or X refused it and the person was told and nothing was posted."""
    post_id, ts = shared_case(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    posts, told = len(x_replies(x_fake)), len(ephemerals_for(slack_fake, "U0ALICE"))
    body = submit(bolt, view, text, ticks=("reply_another",))
    new = x_replies(x_fake)[posts:]
    if body.get("response_action") == "errors":
        assert body["errors"] and new == []
        return
    assert body == {}
    if new:
        sent = [call["body"] for call in new]
        assert [(s["text"], s["reply"]["in_reply_to_tweet_id"]) for s in sent] == [
            (text.strip(), post_id)
        ]
    else:
        told_now = ephemerals_for(slack_fake, "U0ALICE")[told:]
        assert any("was not sent" in line for line in told_now), told_now


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    action_id=st.sampled_from(
        [
            "reply",
            "claim",
            "claim_takeover",
            "like",
            "unlike",
            "repost",
            "unrepost",
            "reply_text",
            "reply_template",
            "approval_approve",
            "approval_edit",
            "approval_reject",
        ]
    ),
    value=st.text(max_size=40),
    extra=st.dictionaries(
        st.sampled_from(["selected_option", "value", "type"]), json_values, max_size=2
    ),
)
def test_fuzzed_button_payloads_are_acked_and_harmless(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    action_id: str,
    value: str,
    extra: dict[str, Any],
) -> None:
    """Any button with any value (unknown ids, garbage) is acked with 200 and posts nothing."""
    response = bolt.block_action(action_id, value, extra=extra)
    assert response.status_code == 200
    assert x_replies(x_fake) == []


def test_garbage_interactivity_bodies_never_500(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Malformed signed bodies (not JSON, wrong types) get a 4xx/200, never a 500 or a post."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    for body in (
        "payload=%7Bnot-json",
        "payload=" + json.dumps({"type": "view_submission"}),
        "payload=" + json.dumps({"type": "block_actions", "actions": "x"}),
        "payload="
        + json.dumps({"type": "view_submission", "view": view, "user": {"id": "U0ALICE"}}),
    ):
        assert bolt.post(body).status_code < 500
    assert x_replies(x_fake) == []
