"""Escalate: the modal, the card in the escalation channel, on-call pings, and every refusal."""

from __future__ import annotations

import time

import pytest
import redis

from bot.config import Settings
from bot.domain.case import CaseStatus
from bot.domain.rotation import new_rotation
from bot.domain.signed_metadata import sign_metadata
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.oncall import OncallStore
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.case_forms import (
    ephemeral_texts,
    escalate_values,
    open_modal,
    resolve_values,
    snapshot,
)
from tests.integration.casework_helpers import deliver, thread
from tests.integration.waiting import wait_for

ESCALATION = "C0ESCALATE"


@pytest.fixture
def settings(x_fake: XFake, slack_fake: SlackFake) -> Settings:
    return sandbox_settings(x_fake, slack_fake, slack_escalation_channel=ESCALATION)


def escalations(slack: SlackFake, channel: str = ESCALATION) -> list[dict[str, object]]:
    return [m for m in slack.messages(channel) if not m.get("thread_ts")]


def add_rotation(client: redis.Redis, team: str, person: str) -> None:
    now = time.time()
    rotation = new_rotation(team, (person,), 7, 9 * 60, 0, "UTC", now)
    OncallStore(client).change_rotation(team, now, lambda _current: rotation)


def test_escalation_posts_a_card_linking_the_post_and_its_thread(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Escalate → the modal defaults to SLACK_ESCALATION_CHANNEL with severity Normal; submitting
    (High, a note) posts a card there with the post, a link to it on X and a permalink to the
    card's thread; the case shows "Escalated … by" the person with where to; the card's thread
    says so; the audit trail has the entry. No on-call rotation: the channel alone is alerted."""
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "escalate", post_id, ts)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["channel"]["initial_conversation"] == ESCALATION
    assert inputs["severity"]["initial_option"]["value"] == "normal"
    assert inputs["team"]["type"] == "plain_text_input"
    response = bolt.view_submission(
        "escalate_case",
        escalate_values(ESCALATION, severity="high", note="VIP, angry <!channel>"),
        private_metadata=view["private_metadata"],
    )
    assert response.status_code == 200 and response.text == ""
    [card] = wait_for(lambda: escalations(slack_fake), what="the escalation card")
    shown = str(card["blocks"])
    assert f"https://x.com/alice/status/{post_id}" in shown
    permalink = f"https://earshot-sandbox.slack.com/archives/{CHANNEL}/p{ts.replace('.', '')}"
    assert permalink in shown
    assert "High escalation" in shown and "<@U0ALICE>" in shown
    assert "VIP, angry &lt;!channel&gt;" in shown and "<!channel>" not in shown
    assert "Whoever is free" in shown
    messages = wait_for(lambda: thread(slack_fake, ts), what="the thread note")
    assert f"escalated this to <#{ESCALATION}>" in messages[0]["text"]
    found = services.cases.get(post_id)
    assert found is not None
    case = found[0]
    assert case.status is CaseStatus.ESCALATED and case.status_by == "U0ALICE"
    assert case.status_note == "to #escalate · High"
    card_now = next(m for m in slack_fake.messages(CHANNEL) if m["ts"] == ts)
    assert "Escalated" in str(card_now["blocks"]) and "to #escalate" in str(card_now["blocks"])
    [entry] = AuditLog(services.redis).entries(post_id)
    assert entry["action"] == "escalated" and entry["severity"] == "high"
    assert entry["channel"] == ESCALATION and entry["note"] == "VIP, angry <!channel>"
    assert entry["escalation"].startswith("https://earshot-sandbox.slack.com/archives/C0ESCALATE")


def test_the_on_call_person_of_the_chosen_team_is_pinged(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """With on-call rotations (issue 6) the team is picked from them; the escalation card
    mentions whoever is on call for that team now, and they are paged directly (a DM with an
    Acknowledge button, through page_oncall)."""
    add_rotation(redis_client, "billing", "U0BOB")
    add_rotation(redis_client, "support", "U0ALICE")
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "escalate", post_id, ts)
    team = next(b for b in view["blocks"] if b.get("block_id") == "team")["element"]
    assert [o["value"] for o in team["options"]] == ["billing", "support"]
    bolt.view_submission(
        "escalate_case",
        escalate_values(ESCALATION, team="billing", severity="urgent", team_select=True),
        private_metadata=view["private_metadata"],
    )
    [card] = wait_for(lambda: escalations(slack_fake), what="the escalation card")
    assert card["text"].startswith("<@U0BOB> Urgent escalation")
    assert "<@U0BOB>, you are on call" in str(card["blocks"])
    wait_for(lambda: AuditLog(services.redis).entries(post_id), what="the case marked")
    found = services.cases.get(post_id)
    assert found is not None and found[0].status_note == "to #escalate · team billing · Urgent"
    assert AuditLog(services.redis).entries(post_id)[0]["oncall"] == "U0BOB"
    [page] = wait_for(
        lambda: [m for m in slack_fake.messages() if m["channel"].startswith("D")],
        what="the page",
    )
    assert "Urgent escalation for billing from <@U0ALICE>" in page["text"]
    assert "see the escalation" in page["text"] and "Acknowledge" in str(page["blocks"])


def test_bad_fields_are_inline_errors_and_change_nothing(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """No channel, a DM instead of a channel, no or an unknown severity, a malformed team, a team
    without a rotation (when rotations exist), a note over 1000 characters: each is an inline
    error on its field; nothing is posted or stored."""
    add_rotation(redis_client, "billing", "U0BOB")
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "escalate", post_id, ts)
    before, posted = snapshot(redis_client), len(slack_fake.messages())
    for values, field in (
        (escalate_values(None), "channel"),
        (escalate_values("D0123ABCD"), "channel"),
        (escalate_values(ESCALATION, severity=None), "severity"),
        (escalate_values(ESCALATION, severity="catastrophic"), "severity"),
        (escalate_values(ESCALATION, team="<!here>"), "team"),
        (escalate_values(ESCALATION, team="biling"), "team"),
        (escalate_values(ESCALATION, note="n" * 1001), "note"),
    ):
        body = bolt.view_submission(
            "escalate_case", values, private_metadata=view["private_metadata"]
        ).json()
        assert body["response_action"] == "errors" and list(body["errors"]) == [field]
    assert snapshot(redis_client) == before
    assert len(slack_fake.messages()) == posted


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ({"is_member": False}, "not a member of <#C0PRIVATE>"),
        ({"is_member": False, "is_private": True}, "cannot see <#C0PRIVATE>"),
        ({"is_archived": True}, "is archived"),
        ({"exists": False}, "cannot see <#C0PRIVATE>"),
    ],
)
def test_a_channel_earshot_cannot_post_to_is_explained_and_nothing_changes(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
    setup: dict[str, bool],
    words: str,
) -> None:
    """Escalating to a channel the bot is not in, cannot see, or that is archived: the person is
    told (ephemeral, in the card's channel) what to do; the case is not marked escalated."""
    slack_fake.set_channel("C0PRIVATE", **setup)
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "escalate", post_id, ts)
    before = snapshot(redis_client)
    response = bolt.view_submission(
        "escalate_case", escalate_values("C0PRIVATE"), private_metadata=view["private_metadata"]
    )
    assert response.text == ""
    [told] = wait_for(lambda: ephemeral_texts(slack_fake), what="the explanation")
    assert "Nothing was escalated" in told and words in told
    assert snapshot(redis_client) == before
    assert thread(slack_fake, ts) == []


def test_tampered_metadata_and_resolved_cases_are_refused(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """A forged form is replaced by a notice; a resolved case cannot be escalated (the button
    says reopen first, and a form opened before the resolve is refused after it)."""
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "escalate", post_id, ts)
    key = services.settings.metadata_key()
    for metadata in (
        "x" + view["private_metadata"],
        sign_metadata({"purpose": "resolve", "post_id": post_id}, key),
        sign_metadata({"purpose": "escalate", "post_id": post_id}, b"wrong"),
    ):
        body = bolt.view_submission(
            "escalate_case", escalate_values(ESCALATION), private_metadata=metadata
        ).json()
        assert body["response_action"] == "update"
    resolve = sign_metadata({"purpose": "resolve", "post_id": post_id}, key)
    bolt.view_submission("resolve_case", resolve_values("spam"), private_metadata=resolve)
    wait_for(lambda: thread(slack_fake, ts), what="resolved")
    before = snapshot(redis_client)
    bolt.view_submission(
        "escalate_case", escalate_values(ESCALATION), private_metadata=view["private_metadata"]
    )
    bolt.block_action("escalate", post_id, message_ts=ts)
    wait_for(lambda: len(ephemeral_texts(slack_fake)) == 2, what="two refusals")
    assert all("esolved" in text for text in ephemeral_texts(slack_fake))
    assert escalations(slack_fake) == []
    assert snapshot(redis_client) == before
