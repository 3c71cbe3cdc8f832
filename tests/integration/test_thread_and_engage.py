"""The "Send as reply" shortcut, Like/Repost with undo, and approval mode."""

from __future__ import annotations

import pytest

from bot.casework.cards import say_in_thread
from bot.config import Settings
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from tests.conftest import CHANNEL, sandbox_settings
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    submit,
    thread,
    x_replies,
)
from tests.integration.waiting import wait_for


def test_send_as_reply_opens_a_confirmation_and_sends_nothing_by_itself(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """The shortcut on a thread message opens the reply modal with that text (Slack markup
    undone); nothing reaches X until the person confirms; then exactly one reply."""
    _post_id, ts = deliver(services, x_fake)
    before = len(slack_fake.views())
    bolt.message_action(
        "send_as_reply",
        text="@alice sorry &amp; thanks <@U0ALICE>",
        thread_ts=ts,
        message_ts="1999.000001",
    )
    view = wait_for(lambda: slack_fake.views()[before:], what="the confirmation")[-1]
    draft = next(b for b in view["blocks"] if b.get("type") == "input")
    assert draft["element"]["initial_value"] == "@alice sorry & thanks"
    assert x_replies(x_fake) == []
    submit(bolt, view, "@alice sorry & thanks")
    wait_for(lambda: x_replies(x_fake), what="the reply")
    assert len(x_replies(x_fake)) == 1


def test_send_as_reply_outside_a_card_thread_explains_itself(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """On a message that is not in a card's thread, or on the card itself: a clear ephemeral."""
    _post_id, ts = deliver(services, x_fake)
    bolt.message_action("send_as_reply", text="hi", thread_ts=None, message_ts="123.4")
    bolt.message_action("send_as_reply", text="card", thread_ts=ts, message_ts=ts)
    notes = wait_for(
        lambda: len(ephemerals_for(slack_fake, "U0ALICE")) >= 2 or None, what="two explanations"
    )
    assert notes
    assert all("thread of a mention card" in n for n in ephemerals_for(slack_fake, "U0ALICE"))


def test_self_serve_cards_have_no_like_button_and_like_is_refused(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Self-serve tiers lost likes: no Like button; a forged like click is refused, no call."""
    post_id, ts = deliver(services, x_fake)
    card = next(m for m in slack_fake.messages(CHANNEL) if m["ts"] == ts)
    action_ids = [
        e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert action_ids == [
        "reply", "claim", "escalate", "repost", "move_to_dm", "resolve", "mute_author",
    ]  # fmt: skip
    bolt.block_action("like", post_id, message_ts=ts)
    assert "cannot like" in wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"))[0]
    assert x_fake.calls_to("/2/users/1000/likes") == []


def test_repost_once_shown_on_the_card_and_undo(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Repost: X called once, the card shows who reposted and offers Undo; undo reverts it."""
    post_id, ts = deliver(services, x_fake)
    bolt.block_action("repost", post_id, message_ts=ts)

    def card() -> str:
        return str(next(m for m in slack_fake.messages(CHANNEL) if m["ts"] == ts)["blocks"])

    wait_for(lambda: "reposted by" in card(), what="the repost mark")
    assert "unrepost" in card()
    bolt.block_action("repost", post_id, message_ts=ts)
    wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"), what="already reposted")
    assert len([c for c in x_fake.calls_to("/2/users/") if "retweets" in c["path"]]) == 1
    bolt.block_action("unrepost", post_id, message_ts=ts)
    wait_for(lambda: "reposted by" not in card(), what="the undo")


@pytest.fixture
def enterprise(
    settings: Settings, redis_client: object, x_fake: XFake, slack_fake: SlackFake
) -> Services:
    x_fake.set_tier("enterprise")
    return build_services(
        sandbox_settings(x_fake, slack_fake, x_access_tier="enterprise"), redis_client
    )  # type: ignore[arg-type]


def test_enterprise_like_and_a_403_hides_the_button(
    enterprise: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Enterprise shows Like; when X answers 403 for a like, the button disappears for good."""
    post_id, ts = deliver(enterprise, x_fake)
    driver = BoltDriver(enterprise, slack_fake)
    try:
        assert "like" in str(slack_fake.messages(CHANNEL)[0]["blocks"])
        x_fake.set_tier("self-serve")  # the account lost the right since
        driver.block_action("like", post_id, message_ts=ts)
        message = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"))[0]
        assert "hidden" in message
        card = next(m for m in slack_fake.messages(CHANNEL) if m["ts"] == ts)
        ids = [
            e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert "like" not in ids
    finally:
        driver.close()


def test_approval_mode_holds_drafts_until_an_approver_approves(
    settings: Settings, redis_client: object, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """With an approvers group, Bob's draft waits in the thread; Alice (approver) approves it;
    it is posted once and the audit names both."""
    slack_fake.set_usergroup("S0APPROVE", ["U0ALICE"])
    services = build_services(
        sandbox_settings(x_fake, slack_fake, reply_approvers_group="S0APPROVE"), redis_client
    )  # type: ignore[arg-type]
    post_id, ts = deliver(services, x_fake)
    driver = BoltDriver(services, slack_fake)
    try:
        before = len(slack_fake.views())
        driver.block_action("reply", post_id, user="U0BOB", message_ts=ts)
        view = wait_for(lambda: slack_fake.views()[before:])[-1]
        submit(driver, view, "@alice Bob here, we will fix it", user="U0BOB")
        draft = wait_for(lambda: thread(slack_fake, ts), what="the draft in the thread")[0]
        assert x_replies(x_fake) == []
        approval_id = draft["blocks"][1]["elements"][0]["value"]
        driver.block_action("approval_approve", approval_id, user="U0BOB", message_ts=draft["ts"])
        assert "approvers" in wait_for(lambda: ephemerals_for(slack_fake, "U0BOB"))[0]
        driver.block_action("approval_approve", approval_id, user="U0ALICE", message_ts=draft["ts"])
        wait_for(lambda: x_replies(x_fake), what="the approved reply")
        assert len(x_replies(x_fake)) == 1
        from bot.store.audit import AuditLog

        sent = AuditLog(services.redis).entries(post_id)[-1]
        assert sent["user_id"] == "U0ALICE" and sent["drafted_by"] == "U0BOB"
    finally:
        driver.close()


def test_thread_notes_wait_out_slacks_rate_limit_instead_of_being_lost(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """A busy channel answers 429 with Retry-After: the case's notes arrive late, all of them."""
    post_id, ts = deliver(services, x_fake)
    found = services.cases.get(post_id)
    assert found is not None
    slack_fake.set_rate(2, 1)  # two messages a second, no burst
    for n in range(3):
        say_in_thread(services, found[0], f"note {n}")
    notes = [m["text"] for m in thread(slack_fake, ts)]
    assert notes == ["note 0", "note 1", "note 2"]
