"""Pure rules behind resolve, escalate, the webhook, post references and who may act."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.acting import acting_refusal
from bot.domain.escalation import EscalationForm, escalation_problem, escalation_status_note
from bot.domain.mention import Author, Mention
from bot.domain.permissions import Person
from bot.domain.post_ref import parse_post_ref
from bot.domain.resolution import resolution_note, resolve_problem
from bot.domain.webhook import (
    is_permanent,
    retry_delay,
    sign_webhook,
    verify_webhook,
    webhook_body,
)

MENTION = Mention(
    post_id="1790000000000000001",
    text="@acme where is my refund?",
    author=Author(id="42", username="alice", name="Alice Example", followers=12),
    created_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1790000000000000001", "1790000000000000001"),
        ("  1790000000000000001 ", "1790000000000000001"),
        ("https://x.com/alice/status/1790000000000000001", "1790000000000000001"),
        ("https://twitter.com/alice/status/17?s=20&t=abc", "17"),
        ("http://www.twitter.com/alice/statuses/17/", "17"),
        ("https://mobile.twitter.com/Alice_99/status/17/photo/1", "17"),
        ("x.com/alice/status/17", "17"),
        ("https://x.com/i/web/status/17", "17"),
        ("<https://x.com/alice/status/17>", "17"),
        ("<https://x.com/alice/status/17|x.com/alice/status/17>", "17"),
        ("", None),
        ("alice", None),
        ("https://x.com/alice", None),
        ("https://x.com.evil.com/alice/status/17", None),
        ("https://evil.com/x.com/alice/status/17", None),
        ("https://x.com/alice/status/17abc", None),
        ("https://x.com/this_handle_is_far_too_long/status/17", None),
        ("1" * 21, None),
        ("-17", None),
    ],
)
def test_post_references(text: str, expected: str | None) -> None:
    """Links from x.com and twitter.com (any subdomain form, query, trailing path, Slack's angle
    brackets) and bare ids give the post id; anything else gives None."""
    assert parse_post_ref(text) == expected


@given(st.text(max_size=200))
def test_post_reference_is_digits_or_none(text: str) -> None:
    """Whatever is typed, the answer is None or an id of digits (safe for a Redis key)."""
    found = parse_post_ref(text)
    assert found is None or (found.isdigit() and len(found) <= 20)


def test_resolve_form_rules() -> None:
    """A reason from the list is required; the note is optional and at most 500 characters."""
    assert resolve_problem(None, "") == ("reason", "Choose why this case is resolved.")
    assert resolve_problem("", "")[0] == "reason"  # type: ignore[index]
    assert resolve_problem("lol", "")[0] == "reason"  # type: ignore[index]
    assert resolve_problem("spam", "x" * 501)[0] == "note"  # type: ignore[index]
    assert resolve_problem("spam", "x" * 500) is None
    assert resolution_note("spam", "") == "Spam"
    assert resolution_note("not_for_us", " for\nsales ") == "Not for us: for sales"


def test_escalation_form_rules() -> None:
    """A channel (not a DM), a known severity, a well-formed team with a rotation when there are
    rotations, a note of at most 1000 characters."""
    ok = EscalationForm(channel="C0ESC", team="billing", severity="high", note="n")
    assert escalation_problem(ok) is None
    assert escalation_problem(ok, ["billing", "support"]) is None
    cases = [
        (EscalationForm(channel=""), "channel"),
        (EscalationForm(channel="D0123"), "channel"),
        (EscalationForm(channel="U0ALICE"), "channel"),
        (EscalationForm(channel="C0ESC", severity="sev1"), "severity"),
        (EscalationForm(channel="C0ESC", severity=""), "severity"),
        (EscalationForm(channel="C0ESC", team="Bill ing"), "team"),
        (EscalationForm(channel="C0ESC", team="b" * 31), "team"),
        (EscalationForm(channel="C0ESC", note="n" * 1001), "note"),
    ]
    for form, field in cases:
        problem = escalation_problem(form)
        assert problem is not None and problem[0] == field, form
    unknown = escalation_problem(EscalationForm(channel="C0ESC", team="sales"), ["billing"])
    assert unknown == ("team", "No on-call rotation is called sales. Teams: billing.")


def test_escalation_status_note() -> None:
    """What follows "Escalated by @user" on the card: where to, team, severity."""
    form = EscalationForm(channel="C0ESC", team="billing", severity="urgent")
    assert escalation_status_note(form, "escalations") == "to #escalations · team billing · Urgent"
    plain = EscalationForm(channel="C0ESC")
    assert escalation_status_note(plain, None) == "to the escalation channel · Normal"


def test_webhook_body_has_every_field_a_ticket_needs() -> None:
    """Post id, url, text, author, severity, team, note, who escalated, permalinks, time."""
    form = EscalationForm(channel="C0ESC", team="billing", severity="high", note="VIP")
    body = webhook_body(
        MENTION,
        form,
        escalated_by=("U0ALICE", "Alice Archer"),
        slack_permalink="https://s/p1",
        escalation_permalink="https://s/p2",
        at=1_700_000_000.5,
    )
    assert body == {
        "event": "escalation",
        "post_id": "1790000000000000001",
        "url": "https://x.com/alice/status/1790000000000000001",
        "text": "@acme where is my refund?",
        "author": {"id": "42", "username": "alice", "name": "Alice Example", "followers": 12},
        "severity": "high",
        "team": "billing",
        "note": "VIP",
        "escalated_by": {"slack_user_id": "U0ALICE", "name": "Alice Archer"},
        "slack_permalink": "https://s/p1",
        "escalation_permalink": "https://s/p2",
        "timestamp": "2023-11-14T22:13:20.500000Z",
    }
    json.dumps(body)


def test_webhook_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    """`sha256=` + hex HMAC-SHA256(secret, "<ts>.<body>"), as a receiver would compute it; any
    change to secret, timestamp or body fails verification."""
    body = b'{"post_id":"1"}'
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    signature = sign_webhook(b"s3cret", "1700000000", body)
    assert signature == f"sha256={expected}"
    assert verify_webhook(b"s3cret", "1700000000", body, signature)
    assert not verify_webhook(b"s3cret", "1700000001", body, signature)
    assert not verify_webhook(b"other", "1700000000", body, signature)
    assert not verify_webhook(b"s3cret", "1700000000", body + b" ", signature)


def test_backoff_doubles_up_to_the_cap_and_4xx_are_permanent() -> None:
    """Retry n waits base * 2^(n-1), never more than the cap; 4xx other than 408/409/425/429 are
    not retried."""
    assert [retry_delay(n, 5, 60) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]
    assert retry_delay(0, 5, 60) == 5
    assert [s for s in (400, 401, 403, 404, 410, 422) if is_permanent(s)] == [
        400,
        401,
        403,
        404,
        410,
        422,
    ]
    assert not any(is_permanent(s) for s in (408, 409, 425, 429, 500, 502, 503, 301))


def test_who_may_act_on_cases() -> None:
    """Full members may; guests, outsiders, bots and deactivated accounts may not."""
    member = Person("U1", "ann", "Ann", "T1")
    assert acting_refusal(member, "T1", "resolve cases") is None
    assert acting_refusal(member, "", "resolve cases") is None
    guest = Person("U2", "g", "G", "T1", is_restricted=True)
    assert acting_refusal(guest, "T1", "resolve cases") == (
        "Guests cannot resolve cases. Ask a full member of the workspace."
    )
    single = Person("U2", "g", "G", "T1", is_ultra_restricted=True)
    assert acting_refusal(single, "T1", "x") is not None
    outsider = Person("U3", "o", "O", "T2")
    assert "other organisations" in str(acting_refusal(outsider, "T1", "escalate cases"))
    assert acting_refusal(Person("U4", "b", "B", "T1", is_bot=True), "T1", "x") is not None
    assert acting_refusal(Person("U5", "d", "D", "T1", deleted=True), "T1", "x") is not None
