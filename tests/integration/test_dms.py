"""Move to DM, incoming DMs, and answering them from Slack: real Bolt app, real poller and
deliverer, the real send paths, against the X fake's DM endpoints. DM text never reaches a
public post, the audit trail, message metadata or the case record."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks.dm_modal import (
    DM_CALLBACK,
    DM_TEXT_ACTION,
    DM_TEXT_BLOCK,
    NOTE_ACTION,
    NOTE_BLOCK,
    NOTE_TICK_BLOCK,
)
from bot.casework.reply_flow import ReplyContext
from bot.check import find_warnings
from bot.domain.case import CaseStatus
from bot.pipeline.dm_poll import DmPoller
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.sources.x_write import XWriter
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.dm_usage import DmUsage
from bot.store.dms import DmStore
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import (
    ALICE_X,
    deliver,
    ephemerals_for,
    thread,
    x_replies,
)
from tests.integration.pipeline_helpers import drain, make_deliverer
from tests.integration.track_helpers import run_track
from tests.integration.waiting import wait_for

STRANGER = ("2077", "zoe", "Zoe Stranger")
SECRET = "My order is #A-123 and I live at 1 Main St"


@pytest.fixture(autouse=True)
def unpaced(slack_fake: SlackFake) -> None:
    slack_fake.set_rate(0, 0)


def open_dm_modal(
    bolt: BoltDriver, slack: SlackFake, action: str, value: str, ts: str
) -> dict[str, Any]:
    before = len(slack.views())
    assert bolt.block_action(action, value, message_ts=ts).status_code == 200
    views = wait_for(lambda: slack.views()[before:] or None, what="the DM modal")
    view: dict[str, Any] = views[-1]
    return view


def submit_dm(
    bolt: BoltDriver, view: dict[str, Any], text: str, note: str | None = None
) -> dict[str, Any]:
    values: dict[str, Any] = {
        DM_TEXT_BLOCK: {DM_TEXT_ACTION: {"type": "plain_text_input", "value": text}}
    }
    if note is not None:
        values[NOTE_TICK_BLOCK] = {
            NOTE_TICK_BLOCK: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
        }
        values[NOTE_BLOCK] = {NOTE_ACTION: {"type": "plain_text_input", "value": note}}
    answer = bolt.view_submission(DM_CALLBACK, values, private_metadata=view["private_metadata"])
    assert answer.status_code == 200
    return answer.json() if answer.text else {}


def sent_dms(x_fake: XFake) -> list[dict[str, Any]]:
    return [c for c in x_fake.calls_to("/2/dm_conversations") if c["method"] == "POST"]


def card(slack: SlackFake, ts: str) -> dict[str, Any]:
    return next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)


def poll_dms(services: Services) -> None:
    DmPoller.for_worker(services, 60).poll_once()
    drain(make_deliverer(services, clocks=True))


def test_move_to_dm_sends_the_message_privately_and_marks_the_card(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake, clocks=True)
    view = open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts)
    prefilled = next(b for b in view["blocks"] if b.get("block_id") == DM_TEXT_BLOCK)
    assert prefilled["element"]["initial_value"].startswith("Hi Alice,")
    submit_dm(bolt, view, "Hi Alice, could you send us your order number here?")

    [dm] = sent_dms(x_fake)
    assert dm["path"] == f"/2/dm_conversations/with/{ALICE_X[0]}/messages"
    assert dm["body"]["text"] == "Hi Alice, could you send us your order number here?"
    assert x_replies(x_fake) == [], "nothing public without the note"
    found = services.cases.get(case_id)
    assert found is not None and found[0].dm_by == "U0ALICE"
    assert found[0].status is CaseStatus.REPLIED
    assert ":lock: moved to DM by <@U0ALICE>" in str(card(slack_fake, ts)["blocks"])
    audit = AuditLog(services.redis).entries(case_id)
    assert [e["action"] for e in audit] == ["moved_to_dm"]
    assert "order number" not in json.dumps(audit), "the audit names the DM, never its text"
    assert any(":lock: DM to @alice" in m["text"] for m in thread(slack_fake, ts))
    told = ephemerals_for(slack_fake, "U0ALICE")
    assert told and told[-1] == "Direct message sent."


def test_move_to_dm_with_a_public_note_posts_the_note_once_and_never_the_dm(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake)
    view = open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts)
    submit_dm(bolt, view, SECRET, note="@alice We've sent you a DM 📩")
    [reply] = x_replies(x_fake)
    assert reply["body"]["text"] == "@alice We've sent you a DM 📩"
    assert reply["body"]["reply"]["in_reply_to_tweet_id"] == case_id
    assert SECRET not in json.dumps([c["body"] for c in x_fake.calls_to("/2/tweets")])
    assert len(sent_dms(x_fake)) == 1


def test_an_incoming_dm_goes_into_the_case_thread_marked_private_exactly_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake, clocks=True)
    poll_dms(services)  # first start: the checkpoint
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    x_fake.add_dm(ALICE_X, SECRET)
    poll_dms(services)
    poll_dms(services)  # read again: nothing repeats
    DmPoller.for_worker(services, 60).poll_once()  # a restarted worker's poller
    drain(make_deliverer(services, consumer="other-worker", clocks=True))

    private = [m for m in thread(slack_fake, ts) if "DM from @alice" in str(m.get("blocks"))]
    assert len(private) == 1
    [message] = private
    assert "A-123" in str(message["blocks"])
    assert "A-123" not in message["text"], "notifications say who, not what"
    assert "A-123" not in json.dumps(message.get("metadata") or {})
    buttons = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["reply_in_dm"]
    found = services.cases.get(case_id)
    assert found is not None and found[0].status is CaseStatus.CUSTOMER_REPLIED
    assert [m.text for m in DmStore(services.redis).messages(case_id)][-1] == SECRET
    assert len([m for m in slack_fake.messages(CHANNEL) if not m.get("thread_ts")]) == 1

    # Reply in DM answers privately, never publicly.
    view = open_dm_modal(bolt, slack_fake, "reply_in_dm", case_id, message["ts"])
    assert view["title"]["text"] == "Reply in DM"
    assert not [b for b in view["blocks"] if b.get("block_id") == NOTE_BLOCK]
    submit_dm(bolt, view, "Thanks! Your order ships today.")
    assert [d["body"]["text"] for d in sent_dms(x_fake)][-1] == "Thanks! Your order ships today."
    assert x_replies(x_fake) == []

    # The thread message of a DM cannot be made a public reply.
    bolt.message_action("send_as_reply", text=SECRET, thread_ts=ts, message_ts=message["ts"])
    said = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE")[-1:] or None, what="refusal")
    assert "cannot be sent as a public reply" in said[0]
    assert x_replies(x_fake) == []


def test_a_dm_from_someone_with_no_case_opens_a_dm_card_in_the_dm_channel(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    poll_dms(services)
    x_fake.add_dm(STRANGER, SECRET)
    poll_dms(services)
    [dm_card] = [m for m in slack_fake.messages(CHANNEL) if "Direct message" in str(m["blocks"])]
    assert "A-123" in str(dm_card["blocks"]) and "A-123" not in dm_card["text"]
    actions = [
        e["action_id"] for b in dm_card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert "reply" not in actions and "reply_in_dm" in actions
    case_id = dm_card["metadata"]["event_payload"]["post_id"]
    stored = services.redis.hget(keys.case(case_id), "mention")
    assert stored is not None and "A-123" not in stored, "the case keeps no DM text"

    # Their next DM joins that case's thread.
    x_fake.add_dm(STRANGER, "Any news?")
    poll_dms(services)
    assert [m for m in thread(slack_fake, dm_card["ts"]) if "Any news?" in str(m.get("blocks"))]


def test_send_as_dm_from_a_thread_message(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    _case_id, ts = deliver(services, x_fake)
    before = len(slack_fake.views())
    bolt.message_action(
        "send_as_dm", text="Could you DM us the order number?", thread_ts=ts, message_ts="1.5"
    )
    view = wait_for(lambda: slack_fake.views()[before:] or None, what="the DM modal")[-1]
    text = next(b for b in view["blocks"] if b.get("block_id") == DM_TEXT_BLOCK)
    assert text["element"]["initial_value"] == "Could you DM us the order number?"
    assert sent_dms(x_fake) == [], "nothing is sent without confirmation"
    submit_dm(bolt, view, "Could you DM us the order number?")
    assert len(sent_dms(x_fake)) == 1


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Write the direct message first"),
        ("x" * 10_001, "Too long for a direct message: 10,001/10,000"),
    ],
)
def test_a_wrong_dm_is_refused_in_the_form_and_nothing_is_sent(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver, text: str, said: str
) -> None:
    case_id, ts = deliver(services, x_fake)
    answer = submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), text)
    assert answer["response_action"] == "errors"
    assert said in answer["errors"][DM_TEXT_BLOCK]
    assert sent_dms(x_fake) == []
    found = services.cases.get(case_id)
    assert found is not None and found[0].dm_by is None


def test_a_customer_who_closed_dms_is_said_plainly_and_nothing_changes(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake)
    x_fake.set_dm_open(ALICE_X[0], False)
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    told = ephemerals_for(slack_fake, "U0ALICE")[-1]
    assert "does not accept direct messages" in told and "not sent" in told
    found = services.cases.get(case_id)
    assert found is not None and found[0].dm_by is None and found[0].status is CaseStatus.NEW
    assert ":lock:" not in str(card(slack_fake, ts)["blocks"])
    buttons = [
        e["action_id"] for b in card(slack_fake, ts)["blocks"] if b["type"] == "actions"
        for e in b["elements"]
    ]  # fmt: skip
    assert "move_to_dm" in buttons, "the Move to DM button stays"


def test_a_tampered_dm_form_changes_nothing(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    deliver(services, x_fake)
    answer = submit_dm(bolt, {"private_metadata": "forged"}, "Hi")
    assert answer["response_action"] == "update"
    assert sent_dms(x_fake) == []


def test_earshot_check_warns_when_dms_land_in_a_public_channel(
    services: Services, slack_fake: SlackFake
) -> None:
    slack_fake.set_channel(CHANNEL, is_private=False)
    [warning] = find_warnings(services.settings)
    assert "SLACK_MENTIONS_CHANNEL" in warning and "private channel" in warning
    slack_fake.set_channel(CHANNEL, is_private=True)
    assert find_warnings(services.settings) == []


def test_the_form_says_when_x_s_dm_limit_is_near_and_refuses_once_it_is_reached(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """X allows 15 DM sends per 15 minutes: from the headers of the last send, the form says
    how many are left, and once none is, when the next DM is possible (nothing is sent)."""
    case_id, ts = deliver(services, x_fake)
    writer = XWriter(services.x)
    for n in range(12):
        writer.send_dm(ALICE_X[0], f"earlier message {n}")
    view = open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts)
    assert "X allows 3 more direct messages until" in str(view["blocks"])
    for n in range(3):
        writer.send_dm(ALICE_X[0], f"later message {n}")
    view = open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts)
    assert "the next DM is possible at" in str(view["blocks"])
    answer = submit_dm(bolt, view, "Hi Alice?")
    assert "the next DM is possible at" in answer["errors"][DM_TEXT_BLOCK]
    assert len(sent_dms(x_fake)) == 15, "the refused one never reached X"


def test_a_dm_to_an_account_x_no_longer_knows_is_said_plainly(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake)
    x_fake.store.users.pop(ALICE_X[0])  # the account was deleted
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    told = ephemerals_for(slack_fake, "U0ALICE")[-1]
    assert "X no longer knows @alice" in told
    found = services.cases.get(case_id)
    assert found is not None and found[0].dm_by is None


def test_dm_reads_and_sends_count_in_the_monthly_cost_estimate(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """$0.010 per DM event read and $0.015 per DM sent (contracts: pricing-pay-per-use.mdx),
    shown by /track budget and taken off the budget before any rule."""
    case_id, ts = deliver(services, x_fake)
    poll_dms(services)
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    x_fake.add_dm(ALICE_X[0:3], "It is #A-1")
    poll_dms(services)
    day = datetime.fromtimestamp(services.clock(), UTC).date().isoformat()
    counted = services.redis.hgetall(keys.dm_usage(day))
    assert int(counted["sends"]) == 1 and int(counted["reads"]) >= 2
    dollars, reads, sends = DmUsage(services.redis).monthly_estimate(services.clock())
    assert dollars == pytest.approx((reads * 0.010 + sends * 0.015) * 30)
    answer = run_track(bolt, slack_fake, "budget")
    assert f"Direct messages ≈ ${dollars:,.2f}/month" in answer.text


def test_a_revoked_dm_permission_is_said_and_hides_move_to_dm(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake)
    detail = "This application is not allowed to access or delete your direct messages."
    x_fake.inject(XFake.fault("/2/dm_conversations", 403, detail))
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    assert "may not send direct messages" in ephemerals_for(slack_fake, "U0ALICE")[-1]
    other, other_ts = deliver(services, x_fake, "@earshot_co another one")
    buttons = [
        e["action_id"] for b in card(slack_fake, other_ts)["blocks"] if b["type"] == "actions"
        for e in b["elements"]
    ]  # fmt: skip
    assert "move_to_dm" not in buttons and "reply" in buttons
    assert services.cases.get(other) is not None


def test_x_s_24_hour_dm_cap_binds_when_it_is_the_tighter_window(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """X also caps DM sends per 24 hours (x-user-limit-24hour-*): when that window has less
    left than the 15-minute one, the form counts from it, and its reset is the time given."""
    x_fake.set_daily_limit("/2/dm_conversations/with/:participant_id/messages", user=3)
    case_id, ts = deliver(services, x_fake)
    writer = XWriter(services.x)
    writer.send_dm(ALICE_X[0], "one")
    writer.send_dm(ALICE_X[0], "two")
    view = open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts)
    assert "X allows 1 more direct message until" in str(view["blocks"])
    writer.send_dm(ALICE_X[0], "three")
    limit = services.x.rate_limits["dm_conversations/messages"]
    assert limit.remaining == 0 and limit.reset is not None
    assert limit.reset > services.clock() + 3600, "the 24-hour window's reset, not 15 minutes'"
    view = open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts)
    assert f"<!date^{int(limit.reset)}^" in str(view["blocks"])


def test_two_workers_at_once_post_each_dm_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake)
    poll_dms(services)
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    for n in range(6):
        x_fake.add_dm(ALICE_X, f"detail number {n}")
    DmPoller.for_worker(services, 60).poll_once()
    workers = [make_deliverer(services, consumer=f"worker-{n}") for n in range(2)]
    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for thread_ in threads:
        thread_.start()
    for thread_ in threads:
        thread_.join(timeout=30)
    texts = [str(m.get("blocks")) for m in thread(slack_fake, ts) if "DM from" in str(m)]
    for n in range(6):
        assert sum(f"detail number {n}" in t for t in texts) == 1


def test_a_dm_case_never_gets_the_public_reply_modal(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A forged Reply click, or Send as reply on a colleague's message in a DM card's thread,
    is refused: a DM case is answered in private only."""
    poll_dms(services)
    x_fake.add_dm(STRANGER, SECRET)
    poll_dms(services)
    [dm_card] = [m for m in slack_fake.messages(CHANNEL) if "Direct message" in str(m["blocks"])]
    case_id = dm_card["metadata"]["event_payload"]["post_id"]
    views = len(slack_fake.views())
    bolt.block_action("reply", case_id, message_ts=dm_card["ts"])
    bolt.message_action("send_as_reply", text="ok", thread_ts=dm_card["ts"], message_ts="9.9")
    said = ephemerals_for(slack_fake, "U0ALICE")
    assert len(said) == 2 and all("answered in private" in s for s in said)
    assert len(slack_fake.views()) == views and x_replies(x_fake) == []
    forged = {"reply_text_0": {"reply_text": {"type": "plain_text_input", "value": "@zoe hi"}}}
    metadata = ReplyContext(case_id).sign(services)
    answer = bolt.view_submission("reply_modal", forged, private_metadata=metadata)
    assert "answered in private" in answer.json()["errors"]["reply_text_0"]
    assert x_replies(x_fake) == []


def test_a_dm_whose_answer_was_lost_is_not_sent_again_blindly(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    case_id, ts = deliver(services, x_fake)
    x_fake.inject(Fault("/2/dm_conversations", Response(0), after=True, drop=True))
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    told = ephemerals_for(slack_fake, "U0ALICE")[-1]
    assert "may have been sent" in told and "not sent" not in told
    submit_dm(bolt, open_dm_modal(bolt, slack_fake, "move_to_dm", case_id, ts), "Hi Alice?")
    told = ephemerals_for(slack_fake, "U0ALICE")[-1]
    assert "check the conversation first" in told and "not sent" not in told
    assert len(sent_dms(x_fake)) == 1 and len(x_fake.dms()) == 1
