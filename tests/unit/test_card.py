"""The mention card: its exact blocks, its safety with hostile text, and Block Kit limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.card import (
    BLOCK_TEXT,
    CardAction,
    build_card,
    card_fallback_text,
    card_metadata,
    format_follower_count,
)
from bot.blocks.text import ELLIPSIS
from bot.domain.case import Case, CaseStatus
from bot.domain.mention import Author, Mention

ALICE = Author(id="42", username="alice", name="Alice Example", followers=12_345, verified=True)
MENTION = Mention(
    post_id="1790000000000000001",
    text="@acme my order never arrived & I'm <not> happy",
    author=ALICE,
    created_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
    rules=("mentions",),
)
REPLY = CardAction(label="Reply", action_id="card_reply", style="primary")
RESOLVE = CardAction(label="Resolve", action_id="card_resolve")

PINGS_AND_FORGERIES = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U123>",
    "<#C1>",
    "<!subteam^S1>",
    "<http://evil|click>",
]


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _text_of(blocks: list[dict[str, Any]], block_id: str) -> str:
    block = next(block for block in blocks if block["block_id"] == block_id)
    text: str = block["text"]["text"] if "text" in block else block["elements"][0]["text"]
    return text


def _all_texts(blocks: list[dict[str, Any]]) -> list[str]:
    texts = [block["text"]["text"] for block in blocks if "text" in block]
    for block in blocks:
        texts += [element["text"] for element in block.get("elements", []) if "type" in element]
    return [text for text in texts if isinstance(text, str)]


def test_full_card_with_case_and_actions() -> None:
    """A claimed case with a note and two buttons renders exactly these blocks."""
    case = Case(
        post_id=MENTION.post_id,
        channel="C1",
        ts="1714566601.000100",
        status=CaseStatus.CLAIMED,
        status_by="U777",
        status_note="looking into it",
    )
    assert build_card(MENTION, case, actions=[REPLY, RESOLVE]) == [
        {
            "type": "section",
            "block_id": "card_author",
            "text": _mrkdwn(
                "*Alice Example* :white_check_mark: <https://x.com/alice|@alice> · 12.3K followers"
            ),
        },
        {
            "type": "section",
            "block_id": "card_text",
            "text": _mrkdwn("@acme my order never arrived &amp; I'm &lt;not&gt; happy"),
        },
        {
            "type": "context",
            "block_id": "card_meta",
            "elements": [
                _mrkdwn(
                    "<https://x.com/alice/status/1790000000000000001|Open on X>"
                    " · <!date^1714566600^{date_short_pretty} {time}|2024-05-01 12:30 UTC>"
                    " · Rule: mentions"
                )
            ],
        },
        {
            "type": "context",
            "block_id": "card_status",
            "elements": [_mrkdwn("*Status:* Claimed by <@U777> — looking into it")],
        },
        {
            "type": "actions",
            "block_id": "card_actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Reply"},
                    "action_id": "card_reply",
                    "value": "1790000000000000001",
                    "style": "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Resolve"},
                    "action_id": "card_resolve",
                    "value": "1790000000000000001",
                },
            ],
        },
    ]


def test_new_card_has_status_new_and_no_actions_block() -> None:
    """Without a case the status reads New; without actions there is no actions block."""
    blocks = build_card(replace(MENTION, author=replace(ALICE, verified=False)), None)
    assert [block["type"] for block in blocks] == ["section", "section", "context", "context"]
    assert _text_of(blocks, "card_status") == "*Status:* New"
    assert ":white_check_mark:" not in _text_of(blocks, "card_author")


def test_several_rules_and_a_link_note() -> None:
    """Several matched rules are listed; a note that is a link stays clickable."""
    mention = replace(MENTION, rules=("mentions", "track:acme <beta>"))
    case = Case(
        post_id=MENTION.post_id,
        channel="C1",
        ts="1.2",
        status=CaseStatus.REPLIED,
        status_by="U1",
        status_note="https://x.com/acme/status/9",
    )
    blocks = build_card(mention, case)
    assert _text_of(blocks, "card_meta").endswith(" · Rules: mentions, track:acme &lt;beta&gt;")
    assert _text_of(blocks, "card_status") == (
        "*Status:* Replied by <@U1> — <https://x.com/acme/status/9>"
    )


@pytest.mark.parametrize("hostile", PINGS_AND_FORGERIES)
def test_pings_and_forged_links_in_post_name_and_note_are_inert(hostile: str) -> None:
    """Control sequences in the post, the author's name, a rule or a note reach Slack escaped."""
    mention = replace(
        MENTION,
        text=f"hi {hostile} there",
        author=replace(ALICE, name=f"Eve {hostile}"),
        rules=(hostile,),
    )
    case = Case(post_id=MENTION.post_id, channel="C1", ts="1.2", status_note=hostile)
    blocks = build_card(mention, case)
    for text in _all_texts(blocks):
        assert hostile not in text
    assert _text_of(blocks, BLOCK_TEXT) == f"hi {hostile} there".replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    assert hostile not in card_fallback_text(mention)


def test_long_post_is_truncated_with_an_ellipsis() -> None:
    """A 5000-character post is cut to fit the 3000-character section, ending in "…"."""
    text = _text_of(build_card(replace(MENTION, text="x" * 5000), None), BLOCK_TEXT)
    assert len(text) <= 3000
    assert text.endswith(ELLIPSIS)
    assert text.startswith("x" * 2900)


# RUF001 flags the non-Latin letters these cases exist to test.
@pytest.mark.parametrize(
    "text",
    [
        "שלום, ההזמנה שלי לא הגיעה\nאפשר עזרה?",
        "注文がまだ届きません。\n確認してください！",  # noqa: RUF001
        "Здравствуйте!\nМой заказ не пришёл.",  # noqa: RUF001
        "Love it 😍🔥 \U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 🇯🇵 👍🏽",
    ],
)
def test_non_latin_text_emoji_and_newlines_survive(text: str) -> None:
    """Hebrew, Japanese, Russian, emoji and newlines reach the card unchanged."""
    assert _text_of(build_card(replace(MENTION, text=text), None), BLOCK_TEXT) == text


def test_empty_post_shows_a_placeholder() -> None:
    """A post with no text (media only) still gives a valid, non-empty section."""
    assert _text_of(build_card(replace(MENTION, text=" \n"), None), BLOCK_TEXT) == "_(no text)_"


def test_block_ids_are_unique_and_short() -> None:
    """Every block has a block_id of at most 255 characters, unique within the card."""
    blocks = build_card(MENTION, None, actions=[REPLY, RESOLVE])
    block_ids = [block["block_id"] for block in blocks]
    assert len(set(block_ids)) == len(block_ids) == len(blocks)
    assert all(0 < len(block_id) <= 255 for block_id in block_ids)
    assert len(blocks) < 50


def test_buttons_carry_the_post_id_and_labels_fit() -> None:
    """Each button's value is the post id; a label longer than 75 characters is cut."""
    long_label = CardAction(label="L" * 100, action_id="card_long")
    actions = build_card(MENTION, None, actions=[long_label])[-1]["elements"]
    assert actions[0]["value"] == MENTION.post_id
    assert len(actions[0]["text"]["text"]) == 75


def test_duplicate_or_too_many_actions_are_refused() -> None:
    """Slack rejects duplicate action_ids and more than 25 buttons in a block; so do we."""
    with pytest.raises(ValueError, match="unique"):
        build_card(MENTION, None, actions=[REPLY, REPLY])
    many = [CardAction(label=str(n), action_id=f"a{n}") for n in range(26)]
    with pytest.raises(ValueError, match="25"):
        build_card(MENTION, None, actions=many)


def test_naive_time_is_read_as_utc() -> None:
    """A created_at without a time zone is taken as UTC, as X reports times."""
    naive = replace(MENTION, created_at=datetime(2024, 5, 1, 12, 30))
    assert "<!date^1714566600^" in _text_of(build_card(naive, None), "card_meta")


@pytest.mark.parametrize(
    ("count", "shown"),
    [
        (0, "0"),
        (-5, "0"),
        (999, "999"),
        (1_234, "1,234"),
        (9_999, "9,999"),
        (10_000, "10K"),
        (12_345, "12.3K"),
        (999_999, "999.9K"),
        (1_000_000, "1M"),
        (1_250_000, "1.2M"),
        (987_654_321, "987.6M"),
        (3_400_000_000, "3.4B"),
    ],
)
def test_follower_counts_are_compact(count: int, shown: str) -> None:
    """Counts read 1,234 / 12.3K / 1.2M, rounded down so they are never overstated."""
    assert format_follower_count(count) == shown


def test_one_follower_is_singular() -> None:
    """One follower is "1 follower"."""
    blocks = build_card(replace(MENTION, author=replace(ALICE, followers=1)), None)
    assert _text_of(blocks, "card_author").endswith("· 1 follower")


def test_fallback_text_is_one_short_escaped_line() -> None:
    """The notification text names the author and a flattened, escaped, short excerpt."""
    mention = replace(MENTION, text="line <one>\nline two " + "y" * 300)
    text = card_fallback_text(mention)
    assert text.startswith("New mention from @alice: line &lt;one&gt; line two yyy")
    assert "\n" not in text
    assert text.endswith(ELLIPSIS)
    assert len(text) <= len("New mention from @alice: ") + 150
    assert card_fallback_text(replace(MENTION, text="")) == "New mention from @alice"


def test_metadata_names_the_post() -> None:
    """Message metadata carries the post id so an in-doubt post can be matched to its card."""
    assert card_metadata(MENTION) == {
        "event_type": "earshot_card",
        "event_payload": {"post_id": "1790000000000000001"},
    }


@given(text=st.text(), name=st.text())
def test_any_text_fits_and_stays_escaped(text: str, name: str) -> None:
    """For any post and name: every text is within 3000 and the post adds no raw < or >."""
    mention = replace(MENTION, text=text, author=replace(ALICE, name=name))
    blocks = build_card(mention, None, actions=[REPLY])
    assert all(len(text) <= 3000 for text in _all_texts(blocks))
    post = _text_of(blocks, BLOCK_TEXT)
    assert "<" not in post
    assert ">" not in post
    author = _text_of(blocks, "card_author")
    assert author.count("<") == author.count(">") == 1  # only our own profile link
