"""Reading what a person entered in a modal, defensively: a submitted payload is untrusted input."""

from __future__ import annotations

from typing import Any


def state_values(view: Any) -> dict[str, Any]:
    """`view.state.values`, or {} when the payload does not have that shape."""
    if not isinstance(view, dict):
        return {}
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _element(values: dict[str, Any], block_id: str, action_id: str) -> dict[str, Any]:
    block = values.get(block_id)
    element = block.get(action_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def text_value(values: dict[str, Any], block_id: str, action_id: str) -> str:
    """A plain_text_input's value ("" when empty or malformed)."""
    value = _element(values, block_id, action_id).get("value")
    return value if isinstance(value, str) else ""


def selected_value(values: dict[str, Any], block_id: str, action_id: str) -> str:
    """The chosen option of a static_select or radio_buttons ("" when none)."""
    option = _element(values, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, dict) else None
    return value if isinstance(value, str) else ""


def selected_conversation(values: dict[str, Any], block_id: str, action_id: str) -> str:
    """The channel id of a conversations_select ("" when none)."""
    value = _element(values, block_id, action_id).get("selected_conversation")
    return value if isinstance(value, str) else ""
