"""Fuzzing the request gate with signed, structurally malformed bodies: each is a 400 (never a
500 from inside Bolt), no listener runs, nothing stored changes and nothing is posted."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

import redis
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import TEAM, BoltDriver
from tests.integration.case_forms import snapshot

FUZZ = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
USER = {"id": "U0ALICE", "username": "alice", "team_id": TEAM}

# Well-formed payloads of each kind Earshot listens to (a Resolve click, a form submission, the
# message shortcut, a Home tab event), and the slots in each that Slack always fills with one
# type. A slot is (path, kind, required).
BASES: dict[str, dict[str, Any]] = {
    "block_actions": {
        "type": "block_actions",
        "team": {"id": TEAM, "domain": "sandbox"},
        "user": USER,
        "trigger_id": "1.2.abc",
        "channel": {"id": "C0MENTIONS"},
        "container": {"type": "message"},
        "actions": [{"action_id": "resolve", "block_id": "card_actions", "value": "1"}],
    },
    "view_submission": {
        "type": "view_submission",
        "team": {"id": TEAM},
        "user": USER,
        "view": {
            "id": "V0SUBMIT",
            "type": "modal",
            "callback_id": "resolve_case",
            "private_metadata": "",
            "state": {"values": {}},
        },
    },
    "message_action": {
        "type": "message_action",
        "callback_id": "send_as_reply",
        "user": USER,
        "channel": {"id": "C0MENTIONS"},
        "message": {"type": "message", "text": "hi", "ts": "2.0", "thread_ts": "1.0"},
    },
    "event_callback": {
        "type": "event_callback",
        "team_id": TEAM,
        "authorizations": [{"team_id": TEAM, "is_enterprise_install": False}],
        "event": {"type": "app_home_opened", "user": "U0ALICE", "tab": "home"},
    },
}
SLOTS: dict[str, list[tuple[tuple[Any, ...], str, bool]]] = {
    "block_actions": [
        (("user",), "object", True),
        (("user", "id"), "string", True),
        (("actions",), "list", True),
        (("actions", 0), "object", True),
        (("actions", 0, "action_id"), "string", True),
        (("actions", 0, "block_id"), "string", False),
        (("team",), "object_or_null", False),
        (("channel",), "object_or_null", False),
        (("trigger_id",), "string", False),
    ],
    "view_submission": [
        (("user",), "object", True),
        (("view",), "object", True),
        (("view", "type"), "string", True),
        (("view", "callback_id"), "string", True),
        (("view", "id"), "string", True),
        (("view", "state"), "object", False),
        (("view", "state", "values"), "object", False),
        (("view", "private_metadata"), "string", False),
        (("team", "id"), "string", False),
    ],
    "message_action": [
        (("callback_id",), "string", True),
        (("channel",), "object", True),
        (("message",), "object_or_null", False),
        (("message", "thread_ts"), "string", False),
        (("user", "id"), "string", True),
    ],
    "event_callback": [
        (("event",), "object", True),
        (("event", "type"), "string", True),
        (("authorizations",), "list", False),
        (("authorizations", 0), "object", False),
        (("authorizations", 0, "is_enterprise_install"), "bool", False),
    ],
}
MATCHES = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "object_or_null": lambda v: v is None or isinstance(v, dict),
    "list": lambda v: isinstance(v, list) and bool(v),
    "bool": lambda v: isinstance(v, bool),
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def malformed(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A well-formed base with one slot broken: removed (when Slack always sends it) or given a
    value of another type."""
    kind = draw(st.sampled_from(sorted(BASES)))
    path, expected, required = draw(st.sampled_from(SLOTS[kind]))
    body = copy.deepcopy(BASES[kind])
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    if required and draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values.filter(lambda v: not MATCHES[expected](v)))
    return kind, body


def signed_post(bolt: BoltDriver, body: bytes, content_type: str) -> requests.Response:
    ts = str(int(time.time()))
    base = f"v0:{ts}:".encode() + body
    signature = "v0=" + hmac.new(bolt.secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    return requests.post(bolt.url, data=body, headers=headers, timeout=10)


def send(bolt: BoltDriver, kind: str, body: Any) -> requests.Response:
    if kind == "event_callback":
        return signed_post(bolt, json.dumps(body).encode(), "application/json")
    form = urlencode({"payload": json.dumps(body)}).encode()
    return signed_post(bolt, form, "application/x-www-form-urlencoded")


def test_each_well_formed_base_is_not_refused(bolt: BoltDriver) -> None:
    """The bases themselves pass the gate (so a 400 below is the broken slot, not the base)."""
    for kind, body in BASES.items():
        assert send(bolt, kind, body).status_code in (200, 404), kind


@FUZZ
@given(case=malformed())
def test_signed_payloads_with_a_broken_slot_are_a_400(
    bolt: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis, case: Any
) -> None:
    """A missing view.type, actions, user id, event, a team that is a string…: HTTP 400 with a
    JSON error; no listener ran (nothing stored, no message, ephemeral or view)."""
    kind, body = case
    before = snapshot(redis_client)
    response = send(bolt, kind, body)
    assert response.status_code == 400, (kind, body)
    assert response.json() == {"error": "malformed payload"}
    assert snapshot(redis_client) == before
    assert slack_fake.messages() == [] and slack_fake.ephemerals() == []
    assert slack_fake.views() == []


@FUZZ
@given(
    text=st.text(max_size=60).filter(lambda t: not _is_json(t)),
    where=st.sampled_from(["payload", "json"]),
)
def test_signed_bodies_that_are_not_json_are_a_400(
    bolt: BoltDriver, slack_fake: SlackFake, text: str, where: str
) -> None:
    """An interaction whose payload is not JSON (the empty one included), or an Events API
    body that is not JSON: 400, nothing posted."""
    if where == "payload":
        response = signed_post(
            bolt, urlencode({"payload": text}).encode(), "application/x-www-form-urlencoded"
        )
    else:
        response = signed_post(bolt, ("{" + text).encode(), "application/json")
    assert response.status_code == 400
    assert slack_fake.messages() == [] and slack_fake.ephemerals() == []


@FUZZ
@given(value=json_values.filter(lambda v: not isinstance(v, dict)))
def test_signed_payloads_that_are_not_objects_are_a_400(bolt: BoltDriver, value: Any) -> None:
    """A payload or an event body that is a list, a number, a string or null: 400."""
    assert send(bolt, "block_actions", value).status_code == 400
    assert send(bolt, "event_callback", value).status_code == 400


def test_a_signed_body_that_is_not_utf8_is_a_400(bolt: BoltDriver) -> None:
    """Bolt decodes bodies as UTF-8 and fails with a 500 on anything else: signed, the gate
    says 400; unsigned, it is still Bolt's 401."""
    body = b"command=%2Foncall&text=\xff\xfe"
    assert signed_post(bolt, body, "application/x-www-form-urlencoded").status_code == 400
    unsigned = requests.post(
        bolt.url, data=body, headers={"X-Slack-Request-Timestamp": str(int(time.time()))}
    )
    assert unsigned.status_code == 401


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
