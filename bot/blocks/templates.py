"""Reply templates: the list `/earshot templates` shows, and the add/edit modal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.text import escape_and_truncate, mrkdwn
from bot.domain.templates import MAX_TEMPLATE_LENGTH, MAX_TITLE_LENGTH, VARIABLES, Template

TEMPLATE_CALLBACK = "template_save"
ADD_ACTION, EDIT_ACTION, REMOVE_ACTION = "template_add", "template_edit", "template_remove"
TITLE_BLOCK, TITLE_ACTION = "title", "title"
TEXT_BLOCK, TEXT_ACTION = "text", "text"
PREVIEW_LIMIT = 300

VARIABLE_HINT = (
    "Variables: {name} the author's name, {first_name}, {handle} their @handle. "
    "Write {{ and }} for literal braces."
)


def _button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
    }
    if value:
        button["value"] = value
    if style:
        button["style"] = style
    return button


def templates_list(
    templates: Sequence[Template], *, limit: int, notice: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the ephemeral list, with Add, Edit and Remove buttons."""
    variables = ", ".join("{" + v + "}" for v in VARIABLES)
    count = f"{len(templates)} of at most {limit}" if templates else "none yet"
    head = f"*Reply templates* ({count}). People pick them in the Reply window; {variables} "
    head += "are filled in from the post's author."
    if notice:  # plain text (it may quote a title someone typed)
        head = f"{escape_and_truncate(notice, 300)}\n{head}"
    header: dict[str, Any] = {"type": "section", "block_id": "templates_head", "text": mrkdwn(head)}
    if len(templates) < limit:
        header["accessory"] = _button("Add template", ADD_ACTION, style="primary")
    blocks: list[dict[str, Any]] = [header]
    for template in templates[:limit]:
        blocks += _template_blocks(template)
    text = f"{notice} Reply templates: {len(templates)}".strip()
    return text, blocks


def _template_blocks(template: Template) -> list[dict[str, Any]]:
    title = escape_and_truncate(template.title, 100)
    preview = escape_and_truncate(" ".join(template.text.split()), PREVIEW_LIMIT)
    remove = _button("Remove", REMOVE_ACTION, template.id, style="danger")
    remove["confirm"] = {
        "title": {"type": "plain_text", "text": "Remove this template?"},
        "text": {
            "type": "plain_text",
            "text": f"“{template.title[:200]}” will no longer be offered.",
        },
        "confirm": {"type": "plain_text", "text": "Remove"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    return [
        {
            "type": "section",
            "block_id": f"template_{template.id}",
            "text": mrkdwn(f"*{title}*\n{preview}"),
        },
        {
            "type": "actions",
            "block_id": f"template_actions_{template.id}",
            "elements": [_button("Edit", EDIT_ACTION, template.id), remove],
        },
    ]


def template_modal(private_metadata: str, template: Template | None = None) -> dict[str, Any]:
    """Add (template None) or edit a template; the values start as they are stored."""
    title_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TITLE_ACTION,
        "max_length": MAX_TITLE_LENGTH,
        "placeholder": {"type": "plain_text", "text": "e.g. Order delayed"},
    }
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": TEXT_ACTION,
        "multiline": True,
        "max_length": MAX_TEMPLATE_LENGTH,
        "placeholder": {"type": "plain_text", "text": "Hi {first_name}, sorry about the wait…"},
    }
    if template is not None:
        title_input["initial_value"] = template.title
        text_input["initial_value"] = template.text
    return {
        "type": "modal",
        "callback_id": TEMPLATE_CALLBACK,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Edit template" if template else "New template"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": TITLE_BLOCK,
                "label": {"type": "plain_text", "text": "Title"},
                "element": title_input,
            },
            {
                "type": "input",
                "block_id": TEXT_BLOCK,
                "label": {"type": "plain_text", "text": "Text"},
                "hint": {"type": "plain_text", "text": VARIABLE_HINT},
                "element": text_input,
            },
        ],
    }
