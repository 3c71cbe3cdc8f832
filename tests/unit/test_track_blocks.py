"""What /track shows: within Slack's limits with 200 long rules, hostile text inert, card marks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.blocks.card import BLOCK_MARKS, build_card
from bot.blocks.home import ACTION_PAUSE, ACTION_RESUME, home_view
from bot.blocks.track import (
    MESSAGE_TEXT_BUDGET,
    help_text,
    messages,
    problem_text,
    rule_list,
)
from bot.domain.mention import Author, Mention
from bot.domain.track_rule import MARK_HIGH_PRIORITY, MARK_VIP, Priority, RuleStatus, TrackRule
from bot.sandbox.block_kit import blocks_text_length, check_blocks, check_view

HOSTILE = '<!channel> `code` <https://evil|click> & "acme"'


def rules(count: int, query: str = "x" * 400) -> list[TrackRule]:
    return [
        TrackRule(
            id=f"t{n}",
            query=f"{query} {n}",
            created_by="U1",
            created_at=1.0,
            channel="C0PRODUCT" if n % 2 else None,
            name="Name " * 9 if n % 3 else None,
            priority=Priority.HIGH if n % 5 == 0 else Priority.NORMAL,
            status=[RuleStatus.ACTIVE, RuleStatus.PAUSED, RuleStatus.ERRORING][n % 3],
            last_error="X said: " + "e" * 500,
            status_reason="Paused by <@U1>.",
            monthly_estimate=1.5 * n,
            last_poll_at=1_790_000_000.0,
        )
        for n in range(1, count + 1)
    ]


def test_a_list_of_200_long_rules_splits_into_messages_slack_accepts() -> None:
    """Every message stays within 50 blocks, 3,000 characters a section and the ~12,000
    character total; nothing is dropped."""
    listed = rule_list(rules(200), "C0MENTIONS", 150.0)
    packed = messages(listed, "/track rules")
    assert len(packed) > 1
    for message in packed:
        assert check_blocks(message.blocks) == []
        assert blocks_text_length(message.blocks) <= MESSAGE_TEXT_BUDGET
    shown = "\n".join(b["text"]["text"] for m in packed for b in m.blocks)
    assert all(f"*t{n}*" in shown for n in range(1, 201))


def test_the_home_tab_with_200_rules_is_a_valid_view_with_the_right_buttons() -> None:
    """100 blocks at most; erroring first; Pause on running rules, Resume on paused ones."""
    view = home_view(rules(200), "C0MENTIONS", None, notice="Paused t3.")
    assert check_view(view) == []
    sections = [b for b in view["blocks"] if "accessory" in b]
    assert "Erroring" in sections[0]["text"]["text"]
    for block in sections:
        paused = ":double_vertical_bar: Paused" in block["text"]["text"]
        assert block["accessory"]["action_id"] == (ACTION_RESUME if paused else ACTION_PAUSE)
    assert "more: `/track list`" in str(view["blocks"][-2])


def test_untrusted_query_text_cannot_ping_or_link() -> None:
    """A query full of Slack markup is shown escaped, inside a code span."""
    text = rule_list(rules(1, HOSTILE), "C0MENTIONS", None)[1]
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text
    assert "<!channel>" not in problem_text(HOSTILE, "/track add acme")


def test_help_says_who_may_change_rules() -> None:
    """With an admin group the help names it; without, everyone may."""
    assert "<!subteam^S0ADMINS>" in help_text("S0ADMINS")
    assert "Anyone in the workspace" in help_text(None)


def test_a_marked_card_leads_with_its_marks() -> None:
    """High priority and VIP marks are the card's first block; an unmarked card is unchanged."""
    mention = Mention(
        post_id="1",
        text="hi",
        author=Author(id="2", username="a", name="A"),
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    marked = build_card(replace(mention, marks=(MARK_HIGH_PRIORITY, MARK_VIP)), None)
    assert marked[0]["block_id"] == BLOCK_MARKS
    assert "High priority" in marked[0]["text"]["text"] and "VIP" in marked[0]["text"]["text"]
    assert build_card(mention, None)[0]["block_id"] != BLOCK_MARKS
    assert check_blocks(marked) == []
