"""Fuzzing resolve, escalate and template surfaces: whatever Slack (or an attacker) sends, never a
500, and a refused submission or button changes nothing stored and posts nothing."""

from __future__ import annotations

import uuid
from typing import Any

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.case import RESOLVE_REASONS, CaseStatus
from bot.domain.resolution import MAX_NOTE_LENGTH, resolution_note
from bot.domain.signed_metadata import sign_metadata
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.templates import TemplateStore
from tests.integration.case_forms import (
    ephemeral_texts,
    open_modal,
    resolve_values,
    snapshot,
    template_values,
)
from tests.integration.casework_helpers import deliver, shared_case

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
    return shared_case(services, x_fake)[0]


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
    told = len(slack_fake.ephemerals())
    response = bolt.view_submission(callback, values, private_metadata=tokens[metadata], user=user)
    assert response.status_code == 200
    body = response.json() if response.text else {}
    if refused(body) or metadata != "valid":
        assert refused(body)
        assert snapshot(redis_client) == before
        assert len(slack_fake.messages()) == posted
    else:  # accepted: the listener did something a person can see, before the driver returned
        assert body == {}
        changed = snapshot(redis_client) != before
        assert changed or len(slack_fake.ephemerals()) > told, f"{callback} accepted, no effect"


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
    """`/earshot audit …` and `/earshot templates …` with any text: 200, nothing changed, and
    the person got an answer."""
    a_case(services, x_fake)
    before, told = snapshot(redis_client), len(ephemeral_texts(slack_fake))
    assert bolt.command("/earshot", f"{sub} {args}").status_code == 200
    assert snapshot(redis_client) == before
    assert len(ephemeral_texts(slack_fake)) > told, f"no answer to /earshot {sub} {args!r}"


def fresh_case(services: Services, x_fake: XFake) -> tuple[str, str]:
    """A new delivered case for each example (post id, card ts)."""
    return deliver(services, x_fake, text=f"@earshot_co help {uuid.uuid4().hex[:8]}")


WELL_FORMED = settings(FUZZ, max_examples=25)


@WELL_FORMED
@given(
    reason=st.sampled_from(sorted(RESOLVE_REASONS)),
    note=st.text(max_size=600),
    user=st.sampled_from(["U0ALICE", "U0BOB"]),
)
def test_a_well_formed_resolve_resolves_the_case_or_names_the_field(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    reason: str,
    note: str,
    user: str,
) -> None:
    """The Resolve modal as Slack shows it, a listed reason, any note: a note over 500
    characters is refused on its field and the case stays open; otherwise the case is
    resolved with that reason and note, and the trail records it."""
    post_id, ts = fresh_case(services, x_fake)
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    response = bolt.view_submission(
        "resolve_case",
        resolve_values(reason, note),
        private_metadata=view["private_metadata"],
        user=user,
    )
    body = response.json() if response.text else {}
    found = services.cases.get(post_id)
    assert found is not None
    case = found[0]
    if len(note) > MAX_NOTE_LENGTH:
        assert body["response_action"] == "errors" and set(body["errors"]) == {"note"}
        assert case.status is CaseStatus.NEW
        return
    assert body == {}
    assert (case.status, case.status_by) == (CaseStatus.RESOLVED, user)
    assert case.status_note == resolution_note(reason, note.strip())
    trail = AuditLog(services.redis).entries(post_id)
    assert [e["action"] for e in trail][-1:] == ["resolved"]


@WELL_FORMED
@given(title=st.text(max_size=90), text=st.text(max_size=3100))
def test_a_well_formed_template_is_saved_as_typed_or_refused_on_its_field(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver, title: str, text: str
) -> None:
    """A new template through the real form: either an inline error on the title or text
    field (nothing stored) or exactly one new template with the trimmed title and text."""
    view = open_modal(bolt, slack_fake, "template_add", "new")
    before = TemplateStore(services.redis).all()
    response = bolt.view_submission(
        "template_save",
        template_values(title, text),
        private_metadata=view["private_metadata"],
    )
    body = response.json() if response.text else {}
    after = TemplateStore(services.redis).all()
    if body.get("response_action") == "errors":
        assert set(body["errors"]) <= {"title", "text"} and body["errors"]
        assert after == before
        return
    assert body == {}
    known = {t.template.id for t in before}
    added = [t.template for t in after if t.template.id not in known]
    assert [(t.title, t.text) for t in added] == [(title.strip(), text.strip())]
