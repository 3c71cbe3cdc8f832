"""Answering from Slack: the Reply modal, sending exactly once, claims, and who may send."""

from __future__ import annotations

import threading

import redis

from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.audit import AuditLog
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import (
    deliver,
    ephemerals_for,
    open_reply,
    submit,
    thread,
    x_replies,
)
from tests.integration.waiting import wait_for


def card_text(slack: SlackFake, ts: str) -> str:
    card = next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)
    return str(card["blocks"])


def test_reply_modal_quotes_the_post_and_prefills_the_handle(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Reply opens a modal quoting the post with author and followers, the draft starts with
    @handle, the weighted count is shown, and the drafter now holds the claim."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    text = str(view["blocks"])
    assert "Alice Liddell" in text and "321 followers" in text and "where is my order" in text
    draft = next(b for b in view["blocks"] if b.get("type") == "input")
    assert draft["element"]["initial_value"] == "@alice "
    assert "6/280" in text  # the trailing space is not sent
    found = services.cases.get(post_id)
    assert found is not None and found[0].claimed_by == "U0ALICE"


def test_a_reply_is_sent_once_with_the_right_target_and_everything_updates(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Submit: one POST /2/tweets replying to the mention; the card says Replied by the person
    with a link; a thread message links the reply; the claim is released; audit recorded."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    assert submit(bolt, view, "@alice sorry! It ships today.") == {}
    wait_for(lambda: thread(slack_fake, ts), what="the thread message")
    calls = x_replies(x_fake)
    assert len(calls) == 1
    assert calls[0]["body"]["reply"]["in_reply_to_tweet_id"] == post_id
    assert calls[0]["body"]["text"] == "@alice sorry! It ships today."
    reply_id = x_fake.posts_by_us()[0]["id"]
    assert f"https://x.com/earshot_co/status/{reply_id}" in thread(slack_fake, ts)[0]["text"]
    assert "Replied" in card_text(slack_fake, ts) and "U0ALICE" in card_text(slack_fake, ts)
    case = services.cases.get(post_id)
    assert case is not None and case[0].claimed_by is None
    trail = AuditLog(services.redis).entries(post_id)
    assert trail[-1]["action"] == "reply_sent" and trail[-1]["reply_id"] == reply_id
    assert trail[-1]["user_id"] == "U0ALICE" and trail[-1]["user_name"] == "Alice Archer"


def test_concurrent_double_submit_makes_one_post(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Two submissions of the same draft at the same moment (double click, retried request)
    produce exactly one post; a third after success also posts nothing."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    x_fake.inject(Fault("/2/tweets", Response(0), count=2, delay_seconds=0.3))
    threads = [
        threading.Thread(target=submit, args=(bolt, view, "@alice on it!")) for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wait_for(lambda: thread(slack_fake, ts), what="the thread message")
    submit(bolt, view, "@alice on it!", ticks=("reply_another",))
    assert len(x_replies(x_fake)) == 1


def test_weighted_length_limits_are_enforced_before_sending(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """281 weighted characters get an inline error and no post; exactly 280 is sent. CJK and
    emoji weigh 2, a URL weighs 23."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    cases = [
        ("@alice " + "あ" * 137, False),  # 7 + 274 = 281
        ("@alice " + "😀" * 137, False),
        ("@alice https://example.com/a/very/long/path " + "x" * 250, False),  # 7+23+1+250
        ("@alice " + "a" * 274, False),
    ]
    for text, _ok in cases:
        answer = submit(bolt, view, text)
        assert answer["response_action"] == "errors"
        assert "281/280" in next(iter(answer["errors"].values()))
    assert x_replies(x_fake) == []
    assert submit(bolt, view, "@alice " + "あ" * 136 + "!") == {}  # 7 + 272 + 1 = 280
    wait_for(lambda: x_replies(x_fake), what="the 280-character reply")


def test_guests_and_outside_people_cannot_send(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A guest and a Slack Connect user are refused in plain words; nothing is posted."""
    slack_fake.set_channel(CHANNEL, members=["U0BOT", "U0ALICE", "U0GUEST", "U0EXT"])
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    for user, words in (("U0GUEST", "Guests"), ("U0EXT", "other organisations")):
        answer = submit(bolt, view, "@alice hi", user=user)
        assert words in next(iter(answer["errors"].values()))
        bolt.block_action("reply", post_id, user=user, message_ts=ts)
        wait_for(lambda user=user: ephemerals_for(slack_fake, user), what="the refusal")
    assert x_replies(x_fake) == []


def test_someone_elses_claim_must_be_taken_over_explicitly(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Bob claims; Alice's Reply modal says Bob is on it; she must tick Take over to send;
    her Claim click offers a Take over button instead of stealing it."""
    post_id, ts = deliver(services, x_fake)
    bolt.block_action("claim", post_id, user="U0BOB", message_ts=ts)
    wait_for(lambda: "U0BOB" in card_text(slack_fake, ts), what="Bob's claim on the card")
    bolt.block_action("claim", post_id, user="U0ALICE", message_ts=ts)
    notice = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"), what="the claim notice")
    assert "U0BOB" in notice[0]
    view = open_reply(bolt, slack_fake, post_id, ts)
    assert "U0BOB" in str(view["blocks"]) and "reply_takeover" in str(view["blocks"])
    answer = submit(bolt, view, "@alice hello")
    assert "reply_takeover" in answer["errors"]
    assert submit(bolt, view, "@alice hello", ticks=("reply_takeover",)) == {}
    wait_for(lambda: x_replies(x_fake), what="the reply")


def test_tampered_metadata_is_refused_and_nothing_is_sent(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A forged private_metadata (another post id, or garbage) is refused inline."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    payload, mac = view["private_metadata"].split(".")
    for forged in ("garbage", f"{payload[:-2]}AA.{mac}", ""):
        answer = submit(bolt, view, "@alice hi", metadata=forged)
        assert "no longer valid" in next(iter(answer["errors"].values()))
    assert x_replies(x_fake) == []


def test_an_already_answered_post_needs_an_explicit_second_reply(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Stale card: the modal says who answered and when; sending again needs the tick; the same
    text as the first reply is refused as a duplicate."""
    post_id, ts = deliver(services, x_fake)
    first = open_reply(bolt, slack_fake, post_id, ts)
    submit(bolt, first, "@alice first answer")
    wait_for(lambda: thread(slack_fake, ts), what="the first reply")
    second = open_reply(bolt, slack_fake, post_id, ts)
    assert "Already answered by" in str(second["blocks"])
    assert "reply_another" in submit(bolt, second, "@alice more")["errors"]
    duplicate = submit(bolt, second, "@alice first answer", ticks=("reply_another",))
    assert "already sent" in next(iter(duplicate["errors"].values()))
    assert submit(bolt, second, "@alice more", ticks=("reply_another",)) == {}
    wait_for(lambda: len(x_replies(x_fake)) == 2, what="the second reply")


def test_post_that_does_not_summon_us_offers_the_manual_path(
    services: Services,
    x_fake: XFake,
    slack_fake: SlackFake,
    bolt: BoltDriver,
    redis_client: redis.Redis,
) -> None:
    """Self-serve: a post that does not mention or quote us cannot be answered via the API.
    The modal says so before anyone types and links Open in X; submitting records a manual
    answer and never calls POST /2/tweets."""
    post_id, ts = deliver(services, x_fake, text="@earshot_co hi")
    raw = redis_client.hget("{earshot}:case:" + post_id, "mention")
    assert raw is not None
    redis_client.hset(
        "{earshot}:case:" + post_id,
        "mention",
        raw.replace('"summons_us":true', '"summons_us":false'),
    )
    view = open_reply(bolt, slack_fake, post_id, ts)
    text = str(view["blocks"])
    assert "does not accept an API reply" in text and "x.com/intent/post?in_reply_to=" in text
    assert view["submit"]["text"] == "Mark answered"
    assert submit(bolt, view, "@alice answered by hand") == {}
    wait_for(lambda: thread(slack_fake, ts), what="the manual-answer note")
    assert "by hand" in thread(slack_fake, ts)[0]["text"]
    assert x_replies(x_fake) == []
