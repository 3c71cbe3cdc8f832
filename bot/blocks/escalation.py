"""The Escalate modal and the card it posts in the escalation channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.card import format_follower_count
from bot.blocks.notice import quote_post
from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn
from bot.domain.escalation import (
    DEFAULT_SEVERITY,
    MAX_NOTE_LENGTH,
    MAX_TEAM_LENGTH,
    SEVERITIES,
    EscalationForm,
)
from bot.domain.mention import Mention

ESCALATE_CALLBACK = "escalate_case"
CHANNEL_BLOCK, CHANNEL_ACTION = "channel", "channel"
TEAM_BLOCK, TEAM_ACTION = "team", "team"
SEVERITY_BLOCK, SEVERITY_ACTION = "severity", "severity"
NOTE_BLOCK, NOTE_ACTION = "note", "note"

MAX_TEAM_OPTIONS = 100  # Slack's limit for a static_select
POST_LIMIT = 1500
NOTE_SHOWN_LIMIT = 1500
SEVERITY_MARKS = {"low": "", "normal": "", "high": ":warning: ", "urgent": ":rotating_light: "}


def _option(value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": SEVERITIES[value]}, "value": value}


def escalate_modal(
    mention: Mention,
    private_metadata: str,
    default_channel: str | None,
    teams: Sequence[str] = (),
) -> dict[str, Any]:
    """The form; with on-call `teams` the team is picked from them, otherwise typed."""
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": CHANNEL_ACTION,
        "filter": {
            "include": ["public", "private"],
            "exclude_bot_users": True,
            "exclude_external_shared_channels": True,
        },
        "placeholder": {"type": "plain_text", "text": "Choose a channel"},
    }
    if default_channel:
        channel["initial_conversation"] = default_channel
    return {
        "type": "modal",
        "callback_id": ESCALATE_CALLBACK,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Escalate"},
        "submit": {"type": "plain_text", "text": "Escalate"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            quote_post(mention),
            {
                "type": "input",
                "block_id": CHANNEL_BLOCK,
                "label": {"type": "plain_text", "text": "Escalate to channel"},
                "element": channel,
            },
            _team_input(teams),
            {
                "type": "input",
                "block_id": SEVERITY_BLOCK,
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {
                    "type": "static_select",
                    "action_id": SEVERITY_ACTION,
                    "options": [_option(value) for value in SEVERITIES],
                    "initial_option": _option(DEFAULT_SEVERITY),
                },
            },
            {
                "type": "input",
                "block_id": NOTE_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Note"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": NOTE_ACTION,
                    "multiline": True,
                    "max_length": MAX_NOTE_LENGTH,
                    "placeholder": {"type": "plain_text", "text": "What should they know?"},
                },
            },
        ],
    }


def _team_input(teams: Sequence[str]) -> dict[str, Any]:
    element: dict[str, Any]
    if teams:
        element = {
            "type": "static_select",
            "action_id": TEAM_ACTION,
            "options": [
                {"text": {"type": "plain_text", "text": team[:75]}, "value": team}
                for team in list(teams)[:MAX_TEAM_OPTIONS]
            ],
            "placeholder": {"type": "plain_text", "text": "Choose the team"},
        }
    else:
        element = {
            "type": "plain_text_input",
            "action_id": TEAM_ACTION,
            "max_length": MAX_TEAM_LENGTH,
            "placeholder": {"type": "plain_text", "text": "e.g. billing"},
        }
    hint = "Its on-call person is pinged." if teams else "No on-call rotations yet: a label only."
    return {
        "type": "input",
        "block_id": TEAM_BLOCK,
        "optional": True,
        "label": {"type": "plain_text", "text": "Team"},
        "hint": {"type": "plain_text", "text": hint + " Leave empty to alert the channel only."},
        "element": element,
    }


def escalation_message(
    mention: Mention,
    form: EscalationForm,
    *,
    by: str,
    card_permalink: str | None,
    oncall: str | None,
) -> tuple[str, list[dict[str, Any]]]:
    """(notification text, blocks) of the escalation card; `oncall` is a user id to ping."""
    severity = SEVERITIES[form.severity]
    mark = SEVERITY_MARKS.get(form.severity, "")
    team = f" for *{escape_mrkdwn(form.team)}*" if form.team else ""
    who = f"<@{oncall}>, you are on call" if oncall else "Whoever is free, please pick this up"
    headline = f"{mark}*{severity} escalation*{team} from <@{by}>"
    author = mention.author
    noun = "follower" if author.followers == 1 else "followers"
    byline = (
        f"*{escape_and_truncate(author.name.strip() or author.username, 200)}* "
        f"<{escape_mrkdwn(author.profile_url)}|@{escape_mrkdwn(author.username)}> · "
        f"{format_follower_count(author.followers)} {noun}"
    )
    links = [f"<{escape_mrkdwn(mention.url)}|Open the post on X>"]
    if card_permalink:
        links.append(f"<{escape_mrkdwn(card_permalink)}|Card and its thread in Slack>")
    body = escape_and_truncate(mention.text, POST_LIMIT) if mention.text.strip() else "_(no text)_"
    blocks: list[dict[str, Any]] = [
        {"type": "section", "block_id": "escalation_head", "text": mrkdwn(headline)},
        {"type": "section", "block_id": "escalation_post", "text": mrkdwn(f"{byline}\n{body}")},
        {
            "type": "context",
            "block_id": "escalation_links",
            "elements": [mrkdwn(" · ".join(links))],
        },
    ]
    if form.note.strip():
        note = escape_and_truncate(form.note.strip(), NOTE_SHOWN_LIMIT)
        blocks.append(
            {"type": "section", "block_id": "escalation_note", "text": mrkdwn(f"*Note:* {note}")}
        )
    blocks.append({"type": "section", "block_id": "escalation_who", "text": mrkdwn(who + ".")})
    ping = f"<@{oncall}> " if oncall else ""
    text = f"{ping}{severity} escalation from <@{by}>: post by @{escape_mrkdwn(author.username)}"
    return text, blocks
