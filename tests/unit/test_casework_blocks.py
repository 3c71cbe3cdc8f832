"""Block Kit for resolve, escalate, templates and the audit trail: exact dicts, hostile text made
inert, and Slack's limits held even at the largest sizes."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from bot.blocks.audit import audit_trail, entry_line
from bot.blocks.escalation import escalate_modal, escalation_message
from bot.blocks.notice import notice_view
from bot.blocks.resolve_modal import resolve_modal
from bot.blocks.templates import template_modal, templates_list
from bot.blocks.view_state import selected_conversation, selected_value, state_values, text_value
from bot.domain.escalation import EscalationForm
from bot.domain.mention import Author, Mention
from bot.domain.templates import Template
from bot.sandbox.block_kit import check_blocks, check_view

MENTION = Mention(
    post_id="1790000000000000001",
    text="@acme <!channel> refund & now",
    author=Author(id="42", username="alice", name="Alice Example", followers=1),
    created_at=datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
)
QUOTE = {
    "type": "section",
    "block_id": "post",
    "text": {
        "type": "mrkdwn",
        "text": "*@alice*: @acme &lt;!channel&gt; refund &amp; now",
        "verbatim": True,
    },
}


def test_resolve_modal() -> None:
    """Quote, the four reasons as radio buttons (required), an optional note of ≤ 500."""
    view = resolve_modal(MENTION, "META")
    assert check_view(view) == []
    assert view == {
        "type": "modal",
        "callback_id": "resolve_case",
        "private_metadata": "META",
        "title": {"type": "plain_text", "text": "Resolve case"},
        "submit": {"type": "plain_text", "text": "Resolve"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            QUOTE,
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why is no (further) reply needed?"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "reason",
                    "options": [
                        {"text": {"type": "plain_text", "text": label}, "value": value}
                        for value, label in (
                            ("answered_elsewhere", "Answered elsewhere"),
                            ("no_reply_needed", "No reply needed"),
                            ("spam", "Spam"),
                            ("not_for_us", "Not for us"),
                        )
                    ],
                },
            },
            {
                "type": "input",
                "block_id": "note",
                "optional": True,
                "label": {"type": "plain_text", "text": "Note for the team"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "note",
                    "multiline": True,
                    "max_length": 500,
                    "placeholder": {"type": "plain_text", "text": "e.g. answered by email"},
                },
            },
        ],
    }


def test_escalate_modal_defaults_and_team_picker() -> None:
    """The channel defaults to the escalation channel; severity to Normal; with rotations the
    team is a select of them, without it is typed."""
    typed = escalate_modal(MENTION, "META", "C0ESC")
    assert check_view(typed) == []
    blocks = {b.get("block_id"): b for b in typed["blocks"]}
    assert blocks["channel"]["element"] == {
        "type": "conversations_select",
        "action_id": "channel",
        "filter": {
            "include": ["public", "private"],
            "exclude_bot_users": True,
            "exclude_external_shared_channels": True,
        },
        "placeholder": {"type": "plain_text", "text": "Choose a channel"},
        "initial_conversation": "C0ESC",
    }
    assert blocks["severity"]["element"]["initial_option"] == {
        "text": {"type": "plain_text", "text": "Normal"},
        "value": "normal",
    }
    assert [o["value"] for o in blocks["severity"]["element"]["options"]] == [
        "low",
        "normal",
        "high",
        "urgent",
    ]
    assert blocks["team"]["element"]["type"] == "plain_text_input" and blocks["team"]["optional"]
    picked = escalate_modal(MENTION, "META", None, ["billing", "support"])
    team = {b.get("block_id"): b for b in picked["blocks"]}["team"]["element"]
    assert team["type"] == "static_select"
    assert [o["value"] for o in team["options"]] == ["billing", "support"]
    assert "initial_conversation" not in picked["blocks"][1]["element"]


def test_escalation_message_pings_on_call_and_keeps_stranger_text_inert() -> None:
    """The on-call person is mentioned in the text and the blocks; the post and the note are
    escaped (no <!channel> reaches Slack); both links are there."""
    form = EscalationForm(channel="C0ESC", team="billing", severity="urgent", note="<!here> VIP")
    text, blocks = escalation_message(
        MENTION, form, by="U0ALICE", card_permalink="https://s/p1", oncall="U0BOB"
    )
    assert check_blocks(blocks) == []
    assert text == "<@U0BOB> Urgent escalation from <@U0ALICE>: post by @alice"
    shown = str(blocks)
    assert "<!channel>" not in shown and "<!here>" not in shown
    assert ":rotating_light: *Urgent escalation* for *billing* from <@U0ALICE>" in shown
    assert "<https://x.com/alice/status/1790000000000000001|Open the post on X>" in shown
    assert "<https://s/p1|Card and its thread in Slack>" in shown
    assert "*Note:* &lt;!here&gt; VIP" in shown and "<@U0BOB>, you are on call." in shown
    quiet = EscalationForm(channel="C0ESC")
    text, blocks = escalation_message(MENTION, quiet, by="U1", card_permalink=None, oncall=None)
    assert text.startswith("Normal escalation") and "Whoever is free" in str(blocks)
    assert "Card and its thread" not in str(blocks) and "Note" not in str(blocks)


def test_templates_list_and_modal() -> None:
    """Each template: a section (title, preview) and Edit / Remove (with a confirm dialog); Add
    until the limit; the modal is filled in for an edit; notices are plain text."""
    templates = [Template("t1", "Late *order*", "Hi {first_name} <!here>", "U1")]
    text, blocks = templates_list(templates, limit=24, notice="Saved “<b>”.")
    assert check_blocks(blocks) == []
    assert text == "Saved “<b>”. Reply templates: 1"
    assert blocks[0]["accessory"]["action_id"] == "template_add"
    assert blocks[0]["text"]["text"].startswith("Saved “&lt;b&gt;”.\n*Reply templates* (1 of")
    assert blocks[1] == {
        "type": "section",
        "block_id": "template_t1",
        "text": {
            "type": "mrkdwn",
            "text": "*Late *order**\nHi {first_name} &lt;!here&gt;",
            "verbatim": True,
        },
    }
    edit, remove = blocks[2]["elements"]
    assert edit == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Edit"},
        "action_id": "template_edit",
        "value": "t1",
    }
    assert remove["style"] == "danger" and remove["confirm"]["deny"]["text"] == "Keep it"
    _text, full = templates_list(templates * 2, limit=2)
    assert "accessory" not in full[0]
    view = template_modal("META", templates[0])
    assert check_view(view) == []
    inputs = [b["element"] for b in view["blocks"]]
    assert [i["initial_value"] for i in inputs] == ["Late *order*", "Hi {first_name} <!here>"]
    assert [i["max_length"] for i in inputs] == [60, 1000]
    assert "initial_value" not in template_modal("META")["blocks"][0]["element"]


def test_the_fullest_templates_list_fits_in_one_message() -> None:
    """24 templates with the longest titles and texts: within 50 blocks and the text budget."""
    many = [Template(f"t{n}", "T" * 60, "x" * 1000) for n in range(24)]
    _text, blocks = templates_list(many, limit=24, notice="n" * 500)
    assert len(blocks) == 49 and check_blocks(blocks) == []


def test_audit_trail_lines() -> None:
    """Each entry: when, what, who (name and Slack id), then reply link, text and details."""
    entry = {
        "at": 1_700_000_000,
        "action": "replied",
        "user_id": "U0BOB",
        "user_name": "Bob <b>",
        "post_id": "1",
        "reply_id": "99",
        "text": "on its way <!channel>",
        "note": None,
    }
    assert entry_line(entry) == (
        "• <!date^1700000000^{date_short_pretty} {time}|2023-11-14 22:13 UTC> *replied* by "
        "Bob &lt;b&gt; (`U0BOB`) · reply <https://x.com/i/status/99|99> · "
        "text: “on its way &lt;!channel&gt;”"
    )
    assert entry_line({"at": "bad"}).startswith("• (time unknown) *?* by unknown")


def test_a_long_trail_keeps_the_newest_entries_within_limits() -> None:
    """500 entries with long texts: the message stays within Slack's limits, shows the newest
    ones in order and says how many earlier ones are not shown."""
    entries = [
        {
            "at": 1_700_000_000 + n,
            "action": f"a{n}",
            "user_id": "U1",
            "user_name": "N",
            "text": "t" * 600,
        }
        for n in range(500)
    ]
    text, blocks = audit_trail("1", entries, MENTION)
    assert text == "Audit trail of post 1: 500 entries"
    assert check_blocks(blocks) == []
    shown = str(blocks)
    assert "*a499*" in shown and "*a0*" not in shown
    assert "earlier entries not shown" in blocks[1]["elements"][0]["text"]
    assert shown.index("*a498*") < shown.index("*a499*")
    assert sum(len(b.get("text", {}).get("text", "")) for b in blocks) < 12_000


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=3000), max_size=12))
def test_any_audit_entry_renders_within_limits(entry: dict[str, str]) -> None:
    """Whatever an entry holds, its trail is valid Block Kit."""
    _text, blocks = audit_trail("1", [entry] * 3, None)
    assert check_blocks(blocks) == []


def test_view_state_readers_tolerate_any_shape() -> None:
    """Well-formed values are read; wrong shapes read as empty, never raise."""
    values = {
        "a": {"a": {"type": "plain_text_input", "value": "hi"}},
        "b": {"b": {"selected_option": {"value": "spam"}}},
        "c": {"c": {"selected_conversation": "C1"}},
        "d": {"d": {"value": 3, "selected_option": "x", "selected_conversation": ["C1"]}},
        "e": "junk",
    }
    assert text_value(values, "a", "a") == "hi"
    assert selected_value(values, "b", "b") == "spam"
    assert selected_conversation(values, "c", "c") == "C1"
    for block in ("d", "e", "missing"):
        assert text_value(values, block, block) == ""
        assert selected_value(values, block, block) == ""
        assert selected_conversation(values, block, block) == ""
    assert state_values({"state": {"values": values}}) == values
    for junk in (None, [], {"state": []}, {"state": {"values": "x"}}):
        assert state_values(junk) == {}


def test_notice_view() -> None:
    """A closable modal with one message; long titles cut to Slack's 24 characters."""
    view = notice_view("A title that is far too long", "Nothing changed.")
    assert check_view(view) == []
    assert len(view["title"]["text"]) <= 24 and "submit" not in view
