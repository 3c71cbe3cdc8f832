"""Fuzzing resolve, escalate and template surfaces: whatever Slack (or an attacker) sends, never a
500, and a refused submission or button changes nothing stored and posts nothing."""

from __future__ import annotations

from typing import Any

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.signed_metadata import sign_metadata
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from tests.integration.case_forms import snapshot
from tests.integration.casework_helpers import deliver

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
CALLBACKS = {"resolve_case": "resolve", "escalate_case": "escalate", "template_save": "template"}
FIELDS = ["reason", "note", "channel", "team", "severity", "title", "text", "bogus"]
ELEMENTS = ["radio_buttons", "static_select", "plain_text_input", "conversations_select", "x"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
element = st.fixed_dictionaries(
    {"type": st.sampled_from(ELEMENTS)},
    optional={
        "value": st.none() | st.text(max_size=1200),
        "selected_option": st.none()
        | st.fixed_dictionaries({"value": st.text(max_size=20)})
        | json_values,
        "selected_conversation": st.none()
        | st.sampled_from(["C0ESCALATE", "C0NOPE", "D1", ""])
        | st.text(max_size=15),
    },
)
state = st.dictionaries(
    st.sampled_from(FIELDS),
    st.dictionaries(st.sampled_from(FIELDS), element | json_values, max_size=2),
    max_size=6,
)


def a_case(services: Services, x_fake: XFake) -> str:
    """One delivered case shared by every example of a test (Redis is flushed per test only)."""
    found = sorted(str(k) for k in services.redis.scan_iter(keys.case("*")))
    return found[0].rsplit(":", 1)[-1] if found else deliver(services, x_fake)[0]


def refused(body: dict[str, Any]) -> bool:
    return body.get("response_action") in ("errors", "update")


@FUZZ
@given(
    callback=st.sampled_from(sorted(CALLBACKS)),
    values=state,
    metadata=st.sampled_from(["none", "garbage", "wrong_key", "random", "other_purpose", "valid"]),
    data=json_values,
    user=st.sampled_from(["U0ALICE", "U0GUEST", "U0EXT", "U0NOBODY", ""]),
)
def test_fuzzed_submissions_never_fail_and_refusals_change_nothing(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
    callback: str,
    values: dict[str, Any],
    metadata: str,
    data: Any,
    user: str,
) -> None:
    """Random states, forged or foreign metadata, unknown users: HTTP 200 always; when the answer
    is an inline error or a notice, Redis is exactly as before and nothing was posted."""
    post_id = a_case(services, x_fake)
    key, purpose = services.settings.metadata_key(), CALLBACKS[callback]
    tokens = {
        "none": "",
        "garbage": "not.a-token",
        "wrong_key": sign_metadata({"purpose": purpose, "post_id": post_id}, b"k"),
        "random": sign_metadata({"purpose": purpose, "post_id": data, "id": data}, key),
        "other_purpose": sign_metadata({"purpose": "nope", "post_id": post_id}, key),
        "valid": sign_metadata(
            {"purpose": purpose, "post_id": post_id, "id": None, "version": 0}, key
        ),
    }
    before, posted = snapshot(redis_client), len(slack_fake.messages())
    response = bolt.view_submission(callback, values, private_metadata=tokens[metadata], user=user)
    assert response.status_code == 200
    body = response.json() if response.text else {}
    if refused(body) or metadata != "valid":
        assert refused(body)
        assert snapshot(redis_client) == before
        assert len(slack_fake.messages()) == posted


@FUZZ
@given(
    action_id=st.sampled_from(
        ["resolve", "reopen", "escalate", "template_add", "template_edit", "template_remove"]
    ),
    value=st.text(max_size=40),
    extra=st.dictionaries(
        st.sampled_from(["selected_option", "value", "type"]), json_values, max_size=2
    ),
    user=st.sampled_from(["U0ALICE", "U0GUEST", "U0NOBODY", ""]),
)
def test_fuzzed_buttons_are_acked_and_change_nothing(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
    action_id: str,
    value: str,
    extra: dict[str, Any],
    user: str,
) -> None:
    """Any of these buttons with any value (unknown case or template ids, garbage) is acked with
    200; none of them changes anything stored or posts anything by itself (opening a modal or
    an ephemeral message only)."""
    a_case(services, x_fake)
    before, posted = snapshot(redis_client), len(slack_fake.messages())
    response = bolt.block_action(action_id, value, extra=extra, user=user)
    assert response.status_code == 200
    assert snapshot(redis_client) == before
    assert len(slack_fake.messages()) == posted


@FUZZ
@given(sub=st.sampled_from(["audit", "templates", "AUDIT"]), args=st.text(max_size=120))
def test_fuzzed_command_texts_never_fail_or_change_anything(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
    sub: str,
    args: str,
) -> None:
    """`/earshot audit …` and `/earshot templates …` with any text: 200, nothing changed."""
    a_case(services, x_fake)
    before = snapshot(redis_client)
    assert bolt.command("/earshot", f"{sub} {args}").status_code == 200
    assert snapshot(redis_client) == before
