"""`/earshot audit <post link or id>`: the trail of who did what, shown only to the asker."""

from __future__ import annotations

import pytest

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services
from bot.store.audit import AuditLog
from tests.integration.case_forms import ephemeral_texts, open_modal, resolve_values
from tests.integration.casework_helpers import deliver, thread
from tests.integration.waiting import wait_for


def ask(bolt: BoltDriver, slack: SlackFake, text: str, user: str = "U0ALICE") -> str:
    before = len(ephemeral_texts(slack, user))
    assert bolt.command("/earshot", f"audit {text}", user=user).status_code == 200
    answers = wait_for(lambda: ephemeral_texts(slack, user)[before:], what="the answer")
    return str(answers[0])


def test_the_trail_shows_who_did_what_with_which_reply_and_when(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """After a reply (recorded by the send path) and a resolve through the modal, the audit by
    x.com link, twitter.com link, Slack-wrapped link or bare id lists both entries in order with
    the Slack user id and name, the post id, the reply id and text, and a time."""
    post_id, ts = deliver(services, x_fake)
    AuditLog(services.redis).record(
        post_id, "replied", "U0BOB", "Bob Baker", reply_id="1999", text="@alice on its way <3"
    )
    view = open_modal(bolt, slack_fake, "resolve", post_id, ts)
    bolt.view_submission(
        "resolve_case",
        resolve_values("answered_elsewhere", "by email"),
        private_metadata=view["private_metadata"],
    )
    wait_for(lambda: thread(slack_fake, ts), what="resolved")
    for ref in (
        f"https://x.com/alice/status/{post_id}",
        f"https://twitter.com/alice/status/{post_id}?s=20",
        f"<https://mobile.twitter.com/alice/status/{post_id}>",
        post_id,
    ):
        shown = ask(bolt, slack_fake, ref)
        assert f"post {post_id}" in shown and "2 entries" in shown
        assert shown.index("*replied* by Bob Baker (`U0BOB`)") < shown.index("*resolved*")
        assert "reply <https://x.com/i/status/1999|1999>" in shown
        assert "text: “@alice on its way &lt;3”" in shown
        assert "Alice Archer (`U0ALICE`)" in shown and "reason: answered_elsewhere" in shown
        assert "<!date^" in shown


@pytest.mark.parametrize(
    "text", ["", "hello", "https://x.com/alice", "https://evil.com/a/status/1", "12a", "1" * 21]
)
def test_bad_arguments_get_an_example(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver, text: str
) -> None:
    """No argument, words, a profile link, another site's link or a malformed id: an ephemeral
    message with an example of what works."""
    shown = ask(bolt, slack_fake, text)
    assert "/earshot audit https://x.com/acme/status/" in shown


def test_an_unknown_post_is_said_plainly(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """A well-formed id Earshot never saw: "no record", not an empty trail."""
    assert "no record of post 123456" in ask(bolt, slack_fake, "123456")


def test_guests_cannot_read_the_trail(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """The trail names colleagues and quotes internal notes: guests are refused."""
    post_id, _ts = deliver(services, x_fake)
    assert "Guests cannot" in ask(bolt, slack_fake, post_id, user="U0GUEST")
