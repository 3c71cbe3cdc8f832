"""Fuzzing the DM modal and the Send as DM shortcut: whatever Slack (or an attacker) sends,
never a 500; a refused submission sends nothing; and no DM text ever reaches POST /2/tweets."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.blocks.dm_modal import (
    DM_CALLBACK,
    DM_TEXT_ACTION,
    DM_TEXT_BLOCK,
    NOTE_ACTION,
    NOTE_BLOCK,
    NOTE_TICK_BLOCK,
)
from bot.domain.signed_metadata import sign_metadata
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from tests.integration.casework_helpers import shared_case

FUZZ = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
BLOCKS = [DM_TEXT_BLOCK, NOTE_TICK_BLOCK, NOTE_BLOCK, "bogus"]
ACTIONS = [DM_TEXT_ACTION, NOTE_TICK_BLOCK, NOTE_ACTION, "bogus"]
scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=40)
element = st.fixed_dictionaries(
    {"type": st.sampled_from(["plain_text_input", "checkboxes", "x"])},
    optional={
        "value": st.none() | st.text(max_size=200) | st.integers(),
        "selected_options": st.none()
        | st.lists(st.fixed_dictionaries({"value": st.sampled_from(["yes", "no"])}), max_size=2)
        | scalars,
    },
)
state = st.dictionaries(
    st.sampled_from(BLOCKS),
    st.dictionaries(st.sampled_from(ACTIONS), element | scalars, max_size=2) | scalars,
    max_size=4,
)


def metadata(services: Services, kind: str, post_id: str) -> str:
    key = services.settings.metadata_key()
    return {
        "none": "",
        "garbage": "not-signed",
        "wrong_purpose": sign_metadata({"purpose": "resolve", "post_id": post_id}, key),
        "unknown_case": sign_metadata({"purpose": "dm", "post_id": "1899999999999999999"}, key),
        "valid": sign_metadata({"purpose": "dm", "post_id": post_id}, key),
    }[kind]


def tweeted(x_fake: XFake) -> list[Any]:
    return [c["body"] for c in x_fake.calls_to("/2/tweets") if c["method"] == "POST"]


def dms(x_fake: XFake) -> list[Any]:
    return [c["body"] for c in x_fake.calls_to("/2/dm_conversations") if c["method"] == "POST"]


@FUZZ
@given(
    values=state,
    kind=st.sampled_from(["none", "garbage", "wrong_purpose", "unknown_case", "valid"]),
    user=st.sampled_from(["U0ALICE", "U0GUEST", "U0NOBODY", ""]),
)
def test_fuzzed_dm_submissions_never_fail_and_never_go_public(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    values: dict[str, Any],
    kind: str,
    user: str,
) -> None:
    slack_fake.set_rate(0, 0)
    post_id, _ts = shared_case(services, x_fake)
    before_dms, before_posts = len(dms(x_fake)), len(tweeted(x_fake))
    answer = bolt.view_submission(
        DM_CALLBACK, values, private_metadata=metadata(services, kind, post_id), user=user
    )
    assert answer.status_code in (200, 400), "never a 500 (a malformed state is a 400)"
    body = answer.json() if answer.status_code == 200 and answer.text else {}
    new_dms, new_posts = dms(x_fake)[before_dms:], tweeted(x_fake)[before_posts:]
    refused = answer.status_code == 400 or body.get("response_action") in ("errors", "update")
    if refused or kind != "valid":
        assert new_dms == [] and new_posts == []
    assert len(new_dms) <= 1 and len(new_posts) <= 1
    for dm in new_dms:  # the DM's text never goes out as a post
        assert all(dm["text"] not in json.dumps(post) for post in new_posts)


@FUZZ
@given(
    message=st.dictionaries(
        st.sampled_from(["ts", "thread_ts", "text", "user", "type"]), scalars, max_size=5
    )
    | scalars,
)
def test_fuzzed_send_as_dm_shortcuts_never_fail_nor_send_by_themselves(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver, message: Any
) -> None:
    slack_fake.set_rate(0, 0)
    shared_case(services, x_fake)
    before = len(dms(x_fake))
    payload = {
        "type": "message_action",
        "callback_id": "send_as_dm",
        "team": {"id": "T0SANDBOX", "domain": "sandbox"},
        "user": {"id": "U0ALICE", "name": "alice", "team_id": "T0SANDBOX"},
        "channel": {"id": "C0MENTIONS", "name": "mentions"},
        "message": message,
        "message_ts": "1.0",
        "trigger_id": slack_fake.new_trigger_id(),
        "token": "legacy",
    }
    assert bolt.interact(payload).status_code in (200, 400)
    assert len(dms(x_fake)) == before, "a shortcut only opens a form"
