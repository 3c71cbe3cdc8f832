"""Resolve (with a reason and a note, through the modal) and Reopen, driven by signed requests."""

from __future__ import annotations

import threading

import redis

from bot.domain.case import CaseStatus
from bot.domain.signed_metadata import sign_metadata
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.sla import case_clock
from tests.conftest import CHANNEL
from tests.integration.case_forms import ephemeral_texts, open_modal, resolve_values, snapshot
from tests.integration.casework_helpers import deliver, thread
from tests.integration.waiting import wait_for


def card_blocks(slack: SlackFake, ts: str) -> str:
    return str(next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)["blocks"])


def test_resolve_with_a_reason_updates_everything(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Resolve → modal with the four reasons → submit "spam" with a note: the case is Resolved
    by the person with the reason and note, the claim is released, the card offers only Reopen,
    the thread says who resolved it and why, and the audit trail has the entry."""
    post_id, ts = deliver(services, x_fake)
    services.cases.claim(post_id, "U0BOB", 600)
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    reasons = [o["value"] for o in view["blocks"][1]["element"]["options"]]
    assert reasons == ["answered_elsewhere", "no_reply_needed", "spam", "not_for_us"]
    response = bolt.view_submission(
        "resolve_case",
        resolve_values("spam", "bot account"),
        private_metadata=view["private_metadata"],
    )
    assert response.status_code == 200 and response.text == ""
    messages = wait_for(lambda: thread(slack_fake, ts), what="the thread message")
    assert "<@U0ALICE> resolved this case: *Spam*" in messages[0]["text"]
    assert "bot account" in messages[0]["text"]
    found = services.cases.get(post_id)
    assert found is not None
    case = found[0]
    assert case.status is CaseStatus.RESOLVED and case.status_by == "U0ALICE"
    assert case.status_note == "Spam: bot account"
    assert case.claimed_by is None
    blocks = card_blocks(slack_fake, ts)
    assert "'action_id': 'reopen'" in blocks and "'action_id': 'reply'" not in blocks
    assert "Resolved" in blocks and "Spam: bot account" in blocks
    [entry] = AuditLog(services.redis).entries(post_id)
    assert entry["action"] == "resolved" and entry["reason"] == "spam"
    assert entry["user_id"] == "U0ALICE" and entry["user_name"] == "Alice Archer"
    assert entry["note"] == "bot account" and entry["previous_status"] == "new"


def test_resolve_stops_the_sla_clock(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """A case with a running SLA clock: resolving it stops the clock (issue 6's stop_case_clock)
    so no escalation step fires for it."""
    post_id, ts = deliver(services, x_fake)
    redis_client.hset(keys.sla(post_id), mapping={"start": "1", "step": "0", "state": "open"})
    redis_client.zadd(keys.TIMERS, {f"s:{post_id}:0": 10**10})
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    bolt.view_submission(
        "resolve_case", resolve_values("no_reply_needed"), private_metadata=view["private_metadata"]
    )
    wait_for(lambda: thread(slack_fake, ts), what="the thread message")
    assert redis_client.zscore(keys.TIMERS, f"s:{post_id}:0") is None
    clock = case_clock(redis_client, post_id)
    assert clock is not None and clock.state == "stopped" and clock.stopped_reason == "resolved"
    assert clock.stopped_by == "U0ALICE"


def test_missing_or_forged_reason_is_an_inline_error_and_changes_nothing(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """No reason, a reason not in the list, or a note over 500 characters: the modal shows the
    error on that field and stays open; nothing is stored, posted or audited."""
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    before, posted = snapshot(redis_client), len(slack_fake.messages())
    for values, field in (
        (resolve_values(None), "reason"),
        (resolve_values("because"), "reason"),
        (resolve_values("spam", "x" * 501), "note"),
        ({}, "reason"),
    ):
        response = bolt.view_submission(
            "resolve_case", values, private_metadata=view["private_metadata"]
        )
        body = response.json()
        assert body["response_action"] == "errors" and field in body["errors"]
    assert snapshot(redis_client) == before
    assert len(slack_fake.messages()) == posted


def test_tampered_or_unknown_metadata_is_refused_and_told(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """Metadata edited by hand, signed with another key, for another form, or naming a case
    Earshot does not have: the modal is replaced by a notice saying so; nothing changes."""
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    key = services.settings.metadata_key()
    forged = view["private_metadata"].replace("A", "B", 1)
    cases = {
        forged: "could not verify",
        sign_metadata({"purpose": "resolve", "post_id": post_id}, b"other key"): "could not verify",
        sign_metadata({"purpose": "escalate", "post_id": post_id}, key): "could not verify",
        sign_metadata({"purpose": "resolve", "post_id": "../1"}, key): "could not verify",
        sign_metadata({"purpose": "resolve", "post_id": "999"}, key): "no case for this card",
        "": "could not verify",
    }
    before = snapshot(redis_client)
    for metadata, words in cases.items():
        response = bolt.view_submission(
            "resolve_case", resolve_values("spam"), private_metadata=metadata
        )
        body = response.json()
        assert body["response_action"] == "update"
        assert words in str(body["view"]["blocks"])
    assert snapshot(redis_client) == before
    assert thread(slack_fake, ts) == []


def test_resolve_button_on_an_unknown_case_tells_the_person(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A Resolve (or Reopen, or Escalate) button whose value is not a known case: an ephemeral
    message saying nothing was changed, and no modal."""
    deliver(services, x_fake)
    for action in ("resolve", "reopen", "escalate"):
        for value in ("12345", "not-a-post", ""):
            assert bolt.block_action(action, value).status_code == 200
    wait_for(lambda: len(ephemeral_texts(slack_fake)) == 9, what="nine refusals")
    assert all("Nothing was changed" in text for text in ephemeral_texts(slack_fake))
    assert slack_fake.views() == []


def test_guests_and_outsiders_may_not_resolve(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A guest pressing Resolve is told guests cannot; a submission by an outside (Slack
    Connect) user whose lookup is cached (pressing any card button caches it) is refused
    inline; the case stays open."""
    post_id, ts = deliver(services, x_fake)
    bolt.block_action("resolve", post_id, user="U0GUEST", message_ts=ts)
    wait_for(lambda: ephemeral_texts(slack_fake, "U0GUEST"), what="the refusal")
    assert "Guests cannot resolve cases" in ephemeral_texts(slack_fake, "U0GUEST")[0]
    bolt.block_action("resolve", post_id, user="U0EXT", message_ts=ts)
    wait_for(lambda: services.redis.exists(f"{keys.PREFIX}:person:U0EXT"), what="the cached lookup")
    metadata = sign_metadata(
        {"purpose": "resolve", "post_id": post_id}, services.settings.metadata_key()
    )
    body = bolt.view_submission(
        "resolve_case", resolve_values("spam"), private_metadata=metadata, user="U0EXT"
    ).json()
    assert "other organisations" in body["errors"]["reason"]
    found = services.cases.get(post_id)
    assert found is not None and found[0].status is CaseStatus.NEW


def test_two_people_resolving_at_once_resolve_it_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Alice and Bob submit Resolve at the same moment: one resolution, one audit entry, one
    thread message; the other person is told who resolved it."""
    post_id, ts = deliver(services, x_fake)
    metadata = sign_metadata(
        {"purpose": "resolve", "post_id": post_id}, services.settings.metadata_key()
    )
    barrier = threading.Barrier(2)

    def submit(user: str) -> None:
        barrier.wait()
        bolt.view_submission(
            "resolve_case", resolve_values("spam"), private_metadata=metadata, user=user
        )

    threads = [threading.Thread(target=submit, args=(u,)) for u in ("U0ALICE", "U0BOB")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for(lambda: thread(slack_fake, ts), what="the thread message")
    told = wait_for(
        lambda: [e for e in slack_fake.ephemerals() if "already resolved" in e["text"]],
        what="the loser told",
    )
    assert len(told) == 1
    assert len(AuditLog(services.redis).entries(post_id)) == 1
    assert len(thread(slack_fake, ts)) == 1


def test_reopen_makes_the_case_open_again(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Reopen on a resolved card: the case is open (New) again, the card has Reply/Resolve
    again, the thread says who reopened it, and the audit has both entries in order. Reopening
    a case that is not resolved is refused with a message."""
    post_id, ts = deliver(services, x_fake)
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    bolt.view_submission(
        "resolve_case", resolve_values("not_for_us"), private_metadata=view["private_metadata"]
    )
    wait_for(lambda: thread(slack_fake, ts), what="the resolve message")
    assert bolt.block_action("reopen", post_id, user="U0BOB", message_ts=ts).status_code == 200
    messages = wait_for(lambda: thread(slack_fake, ts)[1:], what="the reopen message")
    assert "<@U0BOB> reopened this case" in messages[0]["text"]
    found = services.cases.get(post_id)
    assert found is not None and found[0].status is CaseStatus.NEW
    assert "'action_id': 'resolve'" in card_blocks(slack_fake, ts)
    actions = [e["action"] for e in AuditLog(services.redis).entries(post_id)]
    assert actions == ["resolved", "reopened"]
    bolt.block_action("reopen", post_id, user="U0BOB", message_ts=ts)
    wait_for(lambda: ephemeral_texts(slack_fake, "U0BOB"), what="the refusal")
    assert "nothing to reopen" in ephemeral_texts(slack_fake, "U0BOB")[0]
