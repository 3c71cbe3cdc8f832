"""Behind a backlog in one channel, several new posts go out in one group message, each still a
case of its own (real Redis, the X and Slack fakes, the real deliverer and Bolt app)."""

from __future__ import annotations

import time
from typing import Any

from structlog.testing import capture_logs

from bot.blocks.card import card_metadata
from bot.blocks.group import GROUP_EVENT_TYPE, GROUP_LIMIT
from bot.casework.approval import request_approval
from bot.casework.cards import own_card, say_in_thread
from bot.casework.dms import say_dm_in_thread
from bot.domain.case import Case
from bot.domain.permissions import Person
from bot.pipeline.deliver import Deliverer
from bot.pipeline.pacing import ChannelPacer
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store import keys
from bot.store.cases import CaseStore
from handlers.actions.reply import UNKNOWN_CASE
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import ephemerals_for, thread
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.waiting import wait_for

PACE_MS = 1000  # Slack's pace: a backlog of four posts is four seconds behind it


def paced_deliverer(services: Services) -> Deliverer:
    made = make_deliverer(services)
    return Deliverer(made.client, made.slack, made.config, ChannelPacer(services.redis, PACE_MS))


def flood(services: Services, x_fake: XFake, count: int) -> list[str]:
    make_poller(services).poll_once()
    ids = [
        x_fake.add_post(
            f"@earshot_co the app is slow today, try {n}", author=(f"31{n:02}", f"f{n}", "F")
        )["id"]
        for n in range(count)
    ]
    make_poller(services).poll_once()
    return ids


def groups(slack: SlackFake) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == GROUP_EVENT_TYPE
    ]


def singles(slack: SlackFake) -> list[dict[str, Any]]:
    return [
        m
        for m in slack.messages(CHANNEL)
        if (m.get("metadata") or {}).get("event_type") == "earshot_card" and not m.get("thread_ts")
    ]


def entry_text(message: dict[str, Any], post_id: str) -> str:
    block = next(b for b in message["blocks"] if b.get("block_id") == f"group_{post_id}")
    return str(block["text"]["text"])


def test_a_backlog_goes_out_in_group_messages_each_post_a_case_with_its_buttons(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """More posts wait for one channel than one group holds: two group messages, not a card
    each (the
    first read takes a batch of ten, the next the rest), every post in exactly one, each
    recorded as its own case at its group's ts, with its own Reply/Claim/.../Thread buttons
    carrying its post id."""
    ids = flood(services, x_fake, GROUP_LIMIT + 5)
    drain(paced_deliverer(services))
    posted = groups(slack_fake)
    sizes = [len(m["metadata"]["event_payload"]["post_ids"]) for m in posted]
    assert len(sizes) == 2 and sum(sizes) == len(ids) and max(sizes) <= GROUP_LIMIT
    shown = [p for m in posted for p in m["metadata"]["event_payload"]["post_ids"]]
    assert sorted(shown) == sorted(ids) and singles(slack_fake) == []
    store = CaseStore(services.redis)
    for message in posted:
        for post_id in message["metadata"]["event_payload"]["post_ids"]:
            found = store.get(post_id)
            assert found is not None
            assert (found[0].ts, found[0].grouped) == (message["ts"], True)
            actions = next(
                b for b in message["blocks"] if b.get("block_id") == f"group_{post_id}_actions"
            )
            assert {e["value"] for e in actions["elements"]} == {post_id}
            assert [e["action_id"] for e in actions["elements"]][-1] == "open_thread"
    assert len(posted[0]["blocks"]) <= 50


def test_a_short_queue_goes_out_as_single_cards(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Three posts are under four seconds of Slack's pace: three ordinary cards."""
    flood(services, x_fake, 3)
    drain(paced_deliverer(services))
    assert groups(slack_fake) == [] and len(singles(slack_fake)) == 3


def test_a_group_slack_refuses_goes_out_as_single_cards(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Slack refuses the group for good (invalid_blocks): every post becomes its own card,
    none lost, none twice."""
    ids = flood(services, x_fake, 5)
    slack_fake.inject(
        Fault(
            "/api/chat.postMessage",
            Response(200, {"ok": False, "error": "invalid_blocks"}),
            count=1,
        )
    )
    with capture_logs() as logs:
        drain(paced_deliverer(services))
    assert [e for e in logs if e["event"] == "group_refused"]
    carded = [str(m["metadata"]["event_payload"]["post_id"]) for m in singles(slack_fake)]
    assert groups(slack_fake) == [] and sorted(carded) == sorted(ids)


def test_a_group_posted_but_not_recorded_is_found_again_not_posted_twice(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """The record after the post fails (as a crash would leave it): each post is then taken
    alone, finds the group message by its metadata, and is recorded in it; nothing is
    posted a second time."""
    ids = flood(services, x_fake, 6)
    deliverer = paced_deliverer(services)
    original = deliverer.commit_all
    calls = {"n": 0}

    def crash_once(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("worker died")
        original(*args, **kwargs)

    deliverer.commit_all = crash_once  # type: ignore[method-assign]
    with capture_logs() as logs:
        drain(deliverer)
    assert len([e for e in logs if e["event"] == "group_reconciled"]) == 6
    [group] = groups(slack_fake)
    assert singles(slack_fake) == []
    for post_id in ids:
        found = CaseStore(services.redis).get(post_id)
        assert found is not None and found[0].ts == group["ts"]


def test_a_claim_on_a_grouped_case_updates_the_group_in_place(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Claim on one entry: the group message is re-rendered (that entry shows the claim, the
    others none), no message is posted."""
    ids = flood(services, x_fake, 5)
    drain(paced_deliverer(services))
    [group] = groups(slack_fake)
    count = len(slack_fake.messages())
    bolt.block_action("claim", ids[2], message_ts=group["ts"])
    [group] = groups(slack_fake)
    assert "claimed by <@U0ALICE>" in entry_text(group, ids[2])
    assert all("claimed" not in entry_text(group, p) for p in ids if p != ids[2])
    assert len(slack_fake.messages()) == count


def test_thread_gives_a_grouped_case_its_own_card_once(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Thread (clicked twice): one card of its own for that case, its entry in the group now
    links there, the case lives on that card; the person is told where to talk."""
    ids = flood(services, x_fake, 5)
    drain(paced_deliverer(services))
    [group] = groups(slack_fake)
    bolt.block_action("open_thread", ids[1], message_ts=group["ts"])
    bolt.block_action("open_thread", ids[1], message_ts=group["ts"])
    [own] = singles(slack_fake)
    assert own["metadata"]["event_payload"]["post_id"] == ids[1]
    found = CaseStore(services.redis).get(ids[1])
    assert found is not None and (found[0].ts, found[0].grouped) == (own["ts"], False)
    assert services.cases.post_id_for_message(CHANNEL, own["ts"]) == ids[1]
    [group] = groups(slack_fake)
    assert "Moved to" in entry_text(group, ids[1])
    told = ephemerals_for(slack_fake, "U0ALICE")
    assert len(told) == 2 and all("its own card" in t for t in told)
    bolt.block_action("claim", ids[1], message_ts=own["ts"])  # on its own card now
    [own] = singles(slack_fake)
    [group] = groups(slack_fake)
    assert "claimed by <@U0ALICE>" in str(own["blocks"])
    assert "claimed by <@U0ALICE>" in entry_text(group, ids[1])  # the group's line follows


def test_thread_on_an_unknown_case_says_so(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A forged or stale click: the person is told, no card is posted."""
    bolt.block_action("open_thread", "999999", message_ts="1.0")
    told = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"))
    assert told == [UNKNOWN_CASE] and singles(slack_fake) == []


def test_a_followup_to_a_grouped_case_goes_in_its_own_cards_thread(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """The customer answers under a grouped post: the case gets its own card first, and the
    follow-up goes in that card's thread, never in the group's."""
    ids = flood(services, x_fake, 5)
    deliverer = paced_deliverer(services)
    drain(deliverer)
    [group] = groups(slack_fake)
    x_fake.add_post(
        "@earshot_co still slow, any news?",
        author=("3102", "f2", "F"),
        referenced_tweets=[{"type": "replied_to", "id": ids[2]}],
    )
    make_poller(services).poll_once()
    drain(deliverer)
    [own] = singles(slack_fake)
    assert own["metadata"]["event_payload"]["post_id"] == ids[2]
    assert "any news" in str(thread(slack_fake, own["ts"])[-1]["text"])
    assert thread(slack_fake, group["ts"]) == []


def grouped_case(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> tuple[Case, dict[str, Any]]:
    """A case shown in a group message of five, and that message."""
    ids = flood(services, x_fake, 5)
    drain(paced_deliverer(services))
    [group] = groups(slack_fake)
    found = CaseStore(services.redis).get(ids[3])
    assert found is not None and found[0].grouped
    return found[0], group


def test_a_dm_and_a_draft_for_approval_go_in_the_cases_own_thread_never_the_groups(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """A direct message shown in the thread is private: a grouped case gets its own card
    first (once, for both), and neither the DM nor the draft lands in the group's thread."""
    case, group = grouped_case(services, x_fake, slack_fake)
    say_dm_in_thread(services, case, ":lock: DM to @f3: here is a refund link")
    drafter = Person("U0BOB", "bob", "Bob", "T1")
    found = CaseStore(services.redis).get(case.post_id)
    assert found is not None
    request_approval(services, case, found[1], drafter, "Hi!")
    [own] = singles(slack_fake)
    said = [str(m["text"]) for m in thread(slack_fake, own["ts"])]
    assert any("refund link" in t for t in said) and any("Draft reply" in t for t in said)
    assert thread(slack_fake, group["ts"]) == []


def test_a_note_on_a_grouped_case_goes_in_the_groups_thread_naming_the_post(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Resolving a flood's cases one by one must not post a card for each: the note goes in
    the group's thread, saying whose post it is about."""
    case, group = grouped_case(services, x_fake, slack_fake)
    say_in_thread(services, case, "Resolved by <@U0ALICE>")
    [note] = thread(slack_fake, group["ts"])
    assert note["text"] == "About @f3's post: Resolved by <@U0ALICE>"
    assert singles(slack_fake) == []


def test_a_own_card_left_in_doubt_is_found_again_not_posted_twice(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """A try posted the case's own card and died before recording it: the next try finds it
    in the channel by its metadata and records that one."""
    case, _group = grouped_case(services, x_fake, slack_fake)
    found = CaseStore(services.redis).get(case.post_id)
    assert found is not None
    services.redis.hset(keys.own_card_intent(case.post_id), "at", f"{time.time():.3f}")
    posted = services.slack.chat_postMessage(
        channel=CHANNEL, text="card", metadata=card_metadata(found[1])
    )
    threaded = own_card(services.redis, services.slack, "self-serve", case)
    assert threaded.ts == posted["ts"] and len(singles(slack_fake)) == 1
    assert not services.redis.exists(keys.own_card_intent(case.post_id))
