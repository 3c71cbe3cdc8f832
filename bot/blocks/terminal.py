"""Render Block Kit blocks as readable plain text for the terminal demo."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_TOKEN = re.compile(r"<([^<>]*)>")
_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_RULE = "-" * 40


def render_card_text(blocks: Sequence[Mapping[str, Any]]) -> str:
    """One or more lines per block, with Slack markup replaced by what a reader would see."""
    lines: list[str] = []
    for block in blocks:
        lines.extend(_render_block(block))
    return "\n".join(lines)


def render_mrkdwn(text: str) -> str:
    """Slack mrkdwn to plain text: <url|label> -> label (url), <!date^…|fallback> -> fallback,
    <@U1> -> @U1, <!here> -> @here, then &amp; &lt; &gt; unescaped.

    Emphasis markers (* _ ~ `) are kept: in a post they may be what the author typed.
    """
    return _ENTITY.sub(lambda match: _ENTITIES[match.group(1)], _TOKEN.sub(_render_token, text))


def _render_block(block: Mapping[str, Any]) -> list[str]:
    kind = block.get("type")
    if kind in ("section", "header"):
        texts = [block["text"]] if "text" in block else []
        texts += block.get("fields", [])
        return [_render_text(text) for text in texts]
    if kind == "context":
        parts = [
            _render_text(element) if "text" in element else str(element.get("alt_text", ""))
            for element in block.get("elements", [])
        ]
        return ["  ".join(part for part in parts if part)]
    if kind == "actions":
        labels = [
            f"[{_render_text(element['text'])}]"
            for element in block.get("elements", [])
            if "text" in element
        ]
        return [" ".join(labels)]
    if kind == "divider":
        return [_RULE]
    return []


def _render_text(text: Mapping[str, Any]) -> str:
    raw = str(text.get("text", ""))
    return render_mrkdwn(raw) if text.get("type") == "mrkdwn" else raw


def _render_token(match: re.Match[str]) -> str:
    target, _, label = match.group(1).partition("|")
    if target.startswith("!date^"):
        return label or target
    if target.startswith("!subteam^"):
        return label or "@" + target.removeprefix("!subteam^")
    if target.startswith("!"):
        return label or "@" + target[1:]  # <!here>, <!channel>, <!everyone>
    if target.startswith(("@", "#")):
        return target[0] + label if label else target  # <@U1|alice> reads "@alice"
    return f"{label} ({target})" if label else target
