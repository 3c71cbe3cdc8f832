"""The Reply modal: the post quoted, the draft with its weighted count, templates, the X rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.card import format_follower_count
from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn, slack_date, slack_time
from bot.domain.bluesky_text import POST_BYTES, POST_GRAPHEMES, post_length
from bot.domain.case import Case
from bot.domain.mastodon_text import DEFAULT_MAX_CHARACTERS, status_length
from bot.domain.mention import Mention
from bot.domain.network import BLUESKY, MASTODON, X
from bot.domain.post_length import MAX_POST_LENGTH, check_post
from bot.domain.reply import compose, intent_url
from bot.domain.templates import Template

CALLBACK_ID = "reply_modal"
TEXT_ACTION = "reply_text"  # the draft input; dispatches on each character for the count
TEMPLATE_ACTION = "reply_template"
SUGGESTION_ACTION = "reply_use_suggestion"
SUGGESTION_BLOCK = "reply_suggestion"
TAKEOVER_BLOCK, ANOTHER_BLOCK, LIKE_BLOCK = "reply_takeover", "reply_another", "reply_like"
COUNT_BLOCK = "reply_count"
QUOTE_LIMIT = 2500
MAX_TEMPLATE_OPTIONS = 100


@dataclass(frozen=True, slots=True)
class ReplyForm:
    """Everything the modal shows besides the mention itself."""

    metadata: str
    draft: str
    api_allowed: bool  # False: X will not take an API reply to this post (self-serve rule)
    brand: str  # our @handle, for the explanation ("" when not known yet)
    signature: str = ""
    claimed_by_other: str | None = None  # Slack user id of someone else holding the claim
    claimed_since: float | None = None
    can_like: bool = False
    templates: Sequence[Template] = ()
    text_version: int = 0  # bumped to replace the input's value (template chosen)
    source_note: str | None = None  # e.g. "From a message by @bob in the card's thread"
    suggestion: str | None = None  # the AI helper's draft, offered, never filled in by itself
    length_limit: int = DEFAULT_MAX_CHARACTERS  # a Mastodon instance's max_characters


def reply_modal(mention: Mention, case: Case, form: ReplyForm) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [_quote(mention)]
    if form.source_note:
        blocks.append(_context(escape_and_truncate(form.source_note, 500)))
    if case.answered:
        blocks += _stale(case)
    if form.claimed_by_other:
        blocks.append(_takeover(form.claimed_by_other, form.claimed_since))
    if not form.api_allowed:
        blocks.append(_manual_path(mention, form))
    if form.templates:
        blocks.append(_template_picker(form.templates))
    if form.suggestion:
        blocks.append(_suggestion(form.suggestion))
    blocks.append(_text_input(form))
    blocks.append(count_block(form.draft, form.signature, mention.network.key, form.length_limit))
    if form.can_like and form.api_allowed:
        blocks.append(_checkbox(LIKE_BLOCK, "Also like the post", optional=True))
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "private_metadata": form.metadata,
        "title": {"type": "plain_text", "text": f"Reply on {mention.network.name}"},
        "submit": {
            "type": "plain_text",
            "text": "Send reply" if form.api_allowed else "Mark answered",
        },
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def count_block(
    draft: str, signature: str, network: str = X, limit: int = DEFAULT_MAX_CHARACTERS
) -> dict[str, Any]:
    sig = f" (signature “{escape_mrkdwn(signature)}” included)" if signature else ""
    if network == BLUESKY:
        return _bluesky_count(compose(draft, signature), sig)
    if network == MASTODON:
        length = status_length(compose(draft, signature))
        text = f"{length}/{limit}{sig}" + (": too long" if length > limit else "")
        note = " · on this Mastodon server; links count 23"
        return {"type": "context", "block_id": COUNT_BLOCK, "elements": [mrkdwn(text + note)]}
    check = check_post(compose(draft, signature))
    if check.valid:
        text = f"{check.weighted_length}/{MAX_POST_LENGTH}{sig}"
    else:
        over = check.weighted_length - MAX_POST_LENGTH
        text = f":warning: {check.weighted_length}/{MAX_POST_LENGTH}{sig}: {over} too many"
        if not draft.strip():
            text = f"0/{MAX_POST_LENGTH}"
    note = " · CJK characters and emoji count 2, links 23"
    return {"type": "context", "block_id": COUNT_BLOCK, "elements": [mrkdwn(text + note)]}


def _bluesky_count(final: str, sig: str) -> dict[str, Any]:
    length = post_length(final)
    text = f"{length.graphemes}/{POST_GRAPHEMES}{sig}"
    if not length.fits:
        text = f":warning: {text}: too long ({length.bytes}/{POST_BYTES} bytes)"
    note = " · Bluesky counts each character as you see it (an emoji is 1)"
    return {"type": "context", "block_id": COUNT_BLOCK, "elements": [mrkdwn(text + note)]}


def draft_value(state_values: dict[str, Any]) -> str | None:
    """The draft from a view's state, whichever version of the input block holds it."""
    for block in state_values.values():
        element = block.get(TEXT_ACTION) if isinstance(block, dict) else None
        if isinstance(element, dict):
            return str(element.get("value") or "")
    return None


def checked(state_values: dict[str, Any], block_id: str) -> bool:
    element = (state_values.get(block_id) or {}).get(block_id) or {}
    return bool(element.get("selected_options"))


def _quote(mention: Mention) -> dict[str, Any]:
    author = mention.author
    name = escape_and_truncate(author.name or author.username, 200)
    header = (
        f"Replying to *{name}* @{escape_mrkdwn(author.username)} · "
        f"{format_follower_count(author.followers)} followers · "
        f"{slack_date(mention.created_at)}"
    )
    quoted = "\n".join(
        "> " + line for line in escape_and_truncate(mention.text, QUOTE_LIMIT).splitlines() or [""]
    )
    return {"type": "section", "block_id": "reply_quote", "text": mrkdwn(f"{header}\n{quoted}")}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [mrkdwn(text)]}


def _stale(case: Case) -> list[dict[str, Any]]:
    who = f"<@{escape_mrkdwn(case.status_by)}>" if case.status_by else "someone"
    when = slack_time(case.status_at, "at") if case.status_at else ""
    link = f" — <{escape_mrkdwn(case.status_note)}|their reply>" if case.status_note else ""
    return [
        _context(f":information_source: Already answered by {who} {when}{link}."),
        _checkbox(ANOTHER_BLOCK, "Send another reply anyway"),
    ]


def _takeover(holder: str, since: float | None) -> dict[str, Any]:
    when = f" since {slack_time(since)}" if since else ""
    block = _checkbox(TAKEOVER_BLOCK, "Take over this case")
    block["label"] = {"type": "plain_text", "text": "Someone is on it"}
    block["hint"] = {
        "type": "plain_text",
        "text": "Another person claimed this case. Tick to take over.",
    }
    block["element"]["options"][0]["description"] = {
        "type": "mrkdwn",
        "text": f"<@{escape_mrkdwn(holder)}> is on it{when}",
    }
    return block


def _account(brand: str) -> str:
    return f"@{escape_mrkdwn(brand)}" if brand else "the brand's X account"


def _manual_path(mention: Mention, form: ReplyForm) -> dict[str, Any]:
    text = (
        f":no_entry: X does not accept an API reply to this post: its author did not "
        f"mention or quote {_account(form.brand)}. Answer by hand on X with the "
        "button, then press *Mark answered* so the team knows."
    )
    return {
        "type": "section",
        "block_id": "reply_manual",
        "text": mrkdwn(text),
        "accessory": {
            "type": "button",
            "action_id": "reply_open_in_x",
            "text": {"type": "plain_text", "text": "Open in X"},
            "url": intent_url(mention.post_id, compose(form.draft, form.signature)),
        },
    }


def _template_picker(templates: Sequence[Template]) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": t.title[:75]}, "value": t.id[:150]}
        for t in templates[:MAX_TEMPLATE_OPTIONS]
    ]
    return {
        "type": "section",
        "block_id": "reply_templates",
        "text": mrkdwn("Start from a template (optional)"),
        "accessory": {
            "type": "static_select",
            "action_id": TEMPLATE_ACTION,
            "placeholder": {"type": "plain_text", "text": "Templates"},
            "options": options,
        },
    }


def _suggestion(draft: str) -> dict[str, Any]:
    """The AI helper's draft, clearly a suggestion: it enters the reply only when asked, and
    is sent only when the person presses Send."""
    text = (
        ":sparkles: *Suggested by the AI helper* (check it: it may be wrong):\n>"
        + escape_and_truncate(draft, 1_000)
    )
    return {
        "type": "section",
        "block_id": SUGGESTION_BLOCK,
        "text": mrkdwn(text),
        "accessory": {
            "type": "button",
            "action_id": SUGGESTION_ACTION,
            "text": {"type": "plain_text", "text": "Use suggestion"},
            "value": "use",
        },
    }


def _text_input(form: ReplyForm) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": f"reply_text_{form.text_version}",
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": "Your public reply"},
        "element": {
            "type": "plain_text_input",
            "action_id": TEXT_ACTION,
            "multiline": True,
            "initial_value": form.draft,
            "max_length": 3000,
            "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
        },
        "hint": {
            "type": "plain_text",
            "text": "Public on X under the brand's name. Be personal and kind.",
        },
    }


def _checkbox(block_id: str, label: str, *, optional: bool = True) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "checkboxes",
            "action_id": block_id,
            "options": [{"text": {"type": "plain_text", "text": label}, "value": "yes"}],
        },
    }
