"""Which chat.postMessage errors are permanent for a card, which wait for a person or Slack."""

from __future__ import annotations

import pytest

from bot.domain.slack_refusal import Refusal, classify


@pytest.mark.parametrize(
    ("status", "code", "refusal"),
    [
        (429, "ratelimited", Refusal.RATE_LIMITED),
        (200, "invalid_blocks", Refusal.ITEM),
        (200, "msg_too_long", Refusal.ITEM),
        (200, "invalid_arguments", Refusal.ITEM),
        (200, "channel_not_found", Refusal.CHANNEL),
        (200, "not_in_channel", Refusal.CHANNEL),
        (200, "invalid_auth", Refusal.AUTH),
        (200, "fatal_error", Refusal.IN_DOUBT),
        (503, "", Refusal.IN_DOUBT),
        (200, "message_limit_exceeded", Refusal.BUSY),
        (200, "something_new", Refusal.UNKNOWN),
    ],
)
def test_classify(status: int, code: str, refusal: Refusal) -> None:
    """A card Slack can never accept is ITEM (dead at once); a channel or token problem waits
    for a person; a failure that may have posted is IN_DOUBT (look before posting again); an
    undocumented error is UNKNOWN (a few attempts, then the dead list)."""
    assert classify(status, code) is refusal
