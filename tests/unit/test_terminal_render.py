"""The terminal rendering of a card: Slack markup turned into what a reader would see."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.blocks.card import CardAction, build_card
from bot.blocks.terminal import render_card_text, render_mrkdwn
from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Author, Mention

MENTION = Mention(
    post_id="1790000000000000001",
    text="@acme Q&A <!channel> is\nשלום 😍",  # noqa: RUF001 (Hebrew on purpose)
    author=Author(id="42", username="alice", name="Alice & Co", followers=1_234, verified=True),
    created_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
)


def test_full_card_renders_as_plain_lines() -> None:
    """Author, post text (newlines kept), link, time, rule, status and buttons, one per line."""
    case = Case(
        post_id=MENTION.post_id,
        channel="C1",
        ts="1.2",
        status=CaseStatus.ESCALATED,
        status_by="U9",
        status_note="VIP",
    )
    actions = [CardAction(label="Reply", action_id="r"), CardAction(label="Claim", action_id="c")]
    assert render_card_text(build_card(MENTION, case, actions=actions)) == "\n".join(
        [
            "*Alice & Co* :white_check_mark: @alice (https://x.com/alice) · 1,234 followers",
            "@acme Q&A <!channel> is",
            "שלום 😍",
            "Open on X (https://x.com/alice/status/1790000000000000001)"
            " · 2024-05-01 12:30 UTC · Rule: mentions",
            "*Status:* Escalated by @U9 — VIP",
            "[Reply] [Claim]",
        ]
    )


@pytest.mark.parametrize(
    ("mrkdwn", "plain"),
    [
        ("<https://x.com/a|@a>", "@a (https://x.com/a)"),
        ("<https://x.com/a>", "https://x.com/a"),
        (
            "<!date^1714566600^{date_short_pretty} {time}|2024-05-01 12:30 UTC>",
            "2024-05-01 12:30 UTC",
        ),
        ("<@U123>", "@U123"),
        ("<@U123|alice>", "@alice"),
        ("<#C1>", "#C1"),
        ("<#C1|general>", "#general"),
        ("<!here>", "@here"),
        ("<!subteam^S1>", "@S1"),
        ("<!subteam^S1|@support>", "@support"),
        ("a &lt;b&gt; &amp;lt; c", "a <b> &lt; c"),
        ("<https://e.com/?a=1&amp;b=2|E &amp; F>", "E & F (https://e.com/?a=1&b=2)"),
    ],
)
def test_mrkdwn_markup_is_replaced(mrkdwn: str, plain: str) -> None:
    """Links, dates, mentions and entities read as a person would see them in Slack."""
    assert render_mrkdwn(mrkdwn) == plain


def test_plain_text_and_other_blocks() -> None:
    """plain_text is shown as is; headers, fields, dividers and images render; unknown skip."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "A &amp; B"}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": "x &gt; y"}, {"type": "plain_text", "text": "z"}],
        },
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "image", "image_url": "u", "alt_text": "pic"}]},
        {"type": "video"},
    ]
    assert render_card_text(blocks) == "A &amp; B\nx > y\nz\n" + "-" * 40 + "\npic"
