"""A group message: every case with its own buttons, within Slack's limits however long the
posts and notes; and which waiting posts are picked to go out together."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.blocks.group import (
    GROUP_LIMIT,
    TEXT_BUDGET,
    fitting,
    group_fallback_text,
    render_group,
    text_size,
)
from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Author, Mention
from bot.pipeline.grouping import GroupPicker
from bot.sandbox.block_kit import BLOCKS_TEXT_BUDGET, blocks_text_length, check_blocks

LONG = "@earshot_co the app keeps crashing when I open my orders page <b>&</b> " * 5


def mention(n: int, text: str = LONG) -> Mention:
    author = Author(id=str(n), username=f"customer_{n}", name="A Customer", followers=1234)
    created = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    return Mention(f"19{n:017}", text, author, created, rules=("mentions",))


def test_a_full_group_of_long_posts_fits_slacks_limits_with_a_link_to_each_post() -> None:
    """As many long posts as fit: valid Block Kit (the fake's checker), under 50 blocks and
    Slack's total text, each text cut with a link to read the rest, buttons per case."""
    entries = [(m.post_id, m, None) for m in (mention(n) for n in range(GROUP_LIMIT))]
    count = fitting(entries, "self-serve")
    assert 10 <= count < GROUP_LIMIT  # long posts: fewer than the most a group takes
    blocks = render_group(entries[:count], "self-serve")
    assert check_blocks(blocks) == [] and len(blocks) <= 50
    assert blocks_text_length(blocks) == text_size(blocks) <= TEXT_BUDGET < BLOCKS_TEXT_BUDGET
    ids = {b["block_id"] for b in blocks if "block_id" in b}
    assert len(ids) == 2 * count  # unique in the message: a section and actions per case
    for post_id, post, _case in entries[:count]:
        section = next(b for b in blocks if b.get("block_id") == f"group_{post_id}")
        assert f"{post.url}|read on X>" in section["text"]["text"]
        assert "&amp;" in section["text"]["text"] and "<b>" not in section["text"]["text"]
        actions = next(b for b in blocks if b.get("block_id") == f"group_{post_id}_actions")
        assert {e["value"] for e in actions["elements"]} == {post_id}
        assert "open_thread" in [e["action_id"] for e in actions["elements"]]


def test_short_posts_fill_a_group_and_are_shown_whole() -> None:
    entries = [(m.post_id, m, None) for m in (mention(n, "thanks!") for n in range(25))]
    assert fitting(entries, "self-serve") == GROUP_LIMIT
    blocks = render_group(entries[:GROUP_LIMIT], "self-serve")
    assert len(blocks) == 1 + 2 * GROUP_LIMIT and "read on X" not in str(blocks)


def test_cases_that_grew_are_shown_more_briefly_so_the_group_still_fits() -> None:
    """Each case carries a 1,000-character note after the post: a re-render stays valid."""
    posts = [mention(n) for n in range(GROUP_LIMIT)]
    entries = [
        (
            m.post_id,
            m,
            Case(m.post_id, "C1", "1.0", CaseStatus.RESOLVED, "U1", "n" * 1000, group_ts="1.0"),
        )
        for m in posts
    ]
    blocks = render_group(entries, "self-serve")
    assert check_blocks(blocks) == [] and text_size(blocks) <= TEXT_BUDGET


def test_a_case_with_its_own_card_is_one_line_linking_it_and_an_unrecorded_one_says_so() -> None:
    post = mention(1)
    moved = Case(post.post_id, "C1", "2.0", group_ts="1.0", card_link="https://slack/p2")
    blocks = render_group([(post.post_id, post, moved), ("77", None, None)], "self-serve")
    assert len(blocks) == 3  # header, one section each, no buttons for either
    assert "<https://slack/p2|its own card>" in blocks[1]["text"]["text"]
    assert "being recorded" in blocks[2]["elements"][0]["text"]


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        render_group([], "self-serve")
    too_many = [(m.post_id, m, None) for m in (mention(n, "hi") for n in range(GROUP_LIMIT + 1))]
    with pytest.raises(ValueError):
        render_group(too_many, "self-serve")


def test_the_fallback_text_names_a_few_authors_escaped() -> None:
    posts = [replace(mention(n), author=Author(str(n), f"a<{n}>", "A")) for n in range(7)]
    text = group_fallback_text(posts)
    assert text.startswith("7 new mentions from @a&lt;0&gt;") and text.endswith("and 2 more")


def entries_for(*channels: str) -> tuple[list[tuple[str, dict[str, str]]], dict[str, str]]:
    where, entries = {}, []
    for n, channel in enumerate(channels):
        post = mention(n, "hello")
        where[post.post_id] = channel
        entries.append((f"{n}-0", {"mention": post.to_json()}))
    return entries, where


def test_the_picker_groups_a_channels_backlog_and_leaves_the_rest_in_order() -> None:
    """Five posts for #a, two for #b: at 1 message/s the #a posts go together (taken from
    the read), the #b ones stay, in order."""
    entries, where = entries_for("a", "b", "a", "a", "b", "a", "a")
    picker = GroupPicker(lambda m: where[m.post_id], interval_ms=1000)
    picked = picker.take(entries)
    assert picked is not None
    channel, taken = picked
    assert channel == "a" and [e[0] for e, _m in taken] == ["0-0", "2-0", "3-0", "5-0", "6-0"]
    assert [e[0] for e in entries] == ["1-0", "4-0"]
    assert picker.take(entries) is None  # two for #b: under four seconds of Slack's pace


def test_the_picker_never_groups_without_pacing_or_a_dm_reply_or_edit_first() -> None:
    entries, where = entries_for("a", "a", "a", "a", "a")
    assert GroupPicker(lambda m: where[m.post_id], interval_ms=0).take(list(entries)) is None
    dm = replace(mention(9), kind="dm")
    reply = replace(mention(8), replied_to="1")
    edit = replace(mention(7), edit_history=("6", mention(7).post_id))
    picker = GroupPicker(lambda m: "a", interval_ms=1000)
    for first in (dm, reply, edit):
        assert picker.take([("9-0", {"mention": first.to_json()}), *entries]) is None
    assert picker.take([("9-0", {"mention": "{bad"}), *entries]) is None
