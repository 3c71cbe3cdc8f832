"""Posts that join a case quietly: a muted author's, and copy-paste campaigns. Through the real
Bolt app (Mute button), the deliverer, real Redis and the X and Slack fakes."""

from __future__ import annotations

from typing import Any

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.audit import AuditLog
from tests.conftest import CHANNEL
from tests.integration.casework_helpers import ALICE_X, deliver, ephemerals_for
from tests.integration.pipeline_helpers import drain, make_deliverer, make_poller
from tests.integration.test_track_poll import cards
from tests.integration.waiting import wait_for

CAMPAIGN = "Bring back the old app design, the new one is unusable for everyone #fixit"


def thread_of(slack: SlackFake, ts: str) -> list[dict[str, Any]]:
    return [m for m in slack.messages(CHANNEL) if m.get("thread_ts") == ts]


def status_line(slack: SlackFake, ts: str) -> str:
    card = next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)
    status = next(b for b in card["blocks"] if b.get("block_id") == "card_status")
    return str(status["elements"][0]["text"])


def buttons(slack: SlackFake, ts: str) -> list[str]:
    card = next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)
    return [e["action_id"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]


def poll_and_deliver(services: Services) -> None:
    make_poller(services).poll_once()
    drain(make_deliverer(services))


def test_a_muted_authors_posts_wait_in_the_thread_and_unmute_brings_cards_back(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """Mute author 24 h: the card says who muted them until when, the audit trail records it;
    the author's next posts go into that card's thread (no new card, nothing dropped, the case
    not reopened); Unmute: their next post is a card again."""
    post_id, ts = deliver(services, x_fake, "@earshot_co you again? buy my course!!!")
    bolt.block_action("mute_author", post_id, message_ts=ts)
    told = wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"), what="the confirmation")
    assert "Muted @alice" in told[0]
    assert "author muted by <@U0ALICE> until" in status_line(slack_fake, ts)
    assert buttons(slack_fake, ts)[-1] == "unmute_author"
    assert [e["action"] for e in AuditLog(services.redis).entries(post_id)][-1] == "mute_author"
    assert any("muted @alice" in str(m["text"]) for m in thread_of(slack_fake, ts))

    for n in range(3):
        x_fake.add_post(f"@earshot_co still selling, part {n}", author=ALICE_X)
    poll_and_deliver(services)
    assert len(cards(slack_fake)) == 1
    quiet = [m for m in thread_of(slack_fake, ts) if "Muted author posted" in str(m["blocks"])]
    assert len(quiet) == 3
    case = services.cases.get(post_id)
    assert case is not None and case[0].status.value == "new"

    bolt.block_action("unmute_author", post_id, message_ts=ts)
    wait_for(lambda: len(ephemerals_for(slack_fake, "U0ALICE")) >= 2 or None, what="unmuted")
    assert "Unmuted @alice" in ephemerals_for(slack_fake, "U0ALICE")[-1]
    assert [e["action"] for e in AuditLog(services.redis).entries(post_id)][-1] == "unmute_author"
    assert any("unmuted @alice" in str(m["text"]) for m in thread_of(slack_fake, ts))
    assert buttons(slack_fake, ts)[-1] == "mute_author"
    x_fake.add_post("@earshot_co a real question now", author=ALICE_X)
    poll_and_deliver(services)
    assert len(cards(slack_fake)) == 2


def test_mute_is_refused_to_guests_and_unknown_cases_and_changes_nothing(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A guest's click and a click on an unknown case get an ephemeral saying why; the author
    stays unmuted and their next post is a card."""
    slack_fake.add_user("U0GUEST", name="guest", is_restricted=True)
    post_id, ts = deliver(services, x_fake)
    bolt.block_action("mute_author", post_id, user="U0GUEST", message_ts=ts)
    bolt.block_action("mute_author", "999", message_ts=ts)
    assert wait_for(lambda: ephemerals_for(slack_fake, "U0GUEST"), what="the refusal")
    assert (
        "does not know this mention"
        in wait_for(lambda: ephemerals_for(slack_fake, "U0ALICE"), what="unknown case")[0]
    )
    assert "mute_author" in buttons(slack_fake, ts)
    x_fake.add_post("@earshot_co and another thing", author=ALICE_X)
    poll_and_deliver(services)
    assert len(cards(slack_fake)) == 2


def test_a_copy_paste_campaign_is_one_case_listing_its_authors(
    services: Services, x_fake: XFake, slack_fake: SlackFake
) -> None:
    """Seven accounts post the same words (links and handles aside): one card, the six copies
    in its thread, the card counting them and naming the first five; a short common text
    ("thanks!") and the same author repeating themself are not collapsed."""
    make_poller(services).poll_once()
    first = x_fake.add_post(f"@earshot_co {CAMPAIGN}", author=("3000", "lead", "Lead"))
    for n in range(1, 7):
        x_fake.add_post(
            f"@earshot_co {CAMPAIGN.upper()} https://t.co/x{n}",
            author=(f"30{n:02}", f"fan{n}", "Fan"),
        )
    for n in range(2):
        x_fake.add_post("@earshot_co thanks!", author=(f"40{n:02}", f"kind{n}", "Kind"))
    poll_and_deliver(services)
    carded = cards(slack_fake)
    assert len(carded) == 3  # the campaign once, and each "thanks!"
    case = services.cases.get(first["id"])
    assert case is not None and case[0].copies == 6
    ts = case[0].ts
    copies = [
        m for m in thread_of(slack_fake, ts) if "Same text, another account" in str(m["blocks"])
    ]
    assert len(copies) == 6
    line = status_line(slack_fake, ts)
    assert "same text from 6 more accounts: @fan1, @fan2, @fan3, @fan4, @fan5 and 1 more" in line
    assert case[0].status.value == "new"
