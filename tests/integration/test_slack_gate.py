"""What reaches Bolt: signed garbage is refused, and a Bolt parsing quirk is worked around."""

from __future__ import annotations

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver


def test_a_command_whose_text_says_payload_still_reaches_its_listener(
    bolt: BoltDriver, slack_fake: SlackFake
) -> None:
    """bolt-python drops any form body containing the word "payload" (404, no listener runs);
    the gate re-encodes and re-signs it, so `/earshot payload` gets its answer."""
    response = bolt.command("/earshot", "payload")
    assert response.status_code == 200
    answers = [e["text"] for e in slack_fake.ephemerals() if e["user"] == "U0ALICE"]
    assert any("Unknown subcommand `payload`" in text for text in answers), answers


def test_unsigned_and_stale_requests_are_still_refused(bolt: BoltDriver) -> None:
    """The gate never weakens verification: unsigned or 6-minute-old requests are a 401."""
    body = "command=%2Fearshot&text=payload&user_id=U0ALICE"
    assert bolt.post(body, sign=False).status_code == 401
    assert bolt.post(body, timestamp=1_000_000).status_code == 401
