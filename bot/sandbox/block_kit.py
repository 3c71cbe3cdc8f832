"""Block Kit limits Slack enforces on messages, modals and Home tabs, as a pure checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Numbers from contracts/slack/docs/KEY-FACTS.md (docs.slack.dev Block Kit reference pages).
MESSAGE_MAX_BLOCKS = 50
SURFACE_MAX_BLOCKS = 100
MESSAGE_TEXT_LIMIT = 40_000
# Slack rejects a message whose blocks hold too much text in total (msg_blocks_too_long) but does
# not document the figure; maintainers cite "12,000 text characters with a buffer for block
# containers" (slackapi/bolt-js#2509, #2867). The fake uses 12,000 so it is never laxer.
BLOCKS_TEXT_BUDGET = 12_000
ID_LIMIT = 255
VIEW_TITLE_LIMIT = 24
PRIVATE_METADATA_LIMIT = 3_000

BLOCK_TYPES = frozenset(
    {
        "actions", "context", "divider", "file", "header", "image", "input",
        "markdown", "rich_text", "section", "table", "video",
    }
)  # fmt: skip


def too_long(pointer: str, limit: int) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def too_many(pointer: str, limit: int) -> str:
    return f"no more than {limit} items allowed [json-pointer:{pointer}]"


class _Checker:
    """Collects Slack-style problem messages ("... [json-pointer:/blocks/0/text/text]")."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, message: str, pointer: str) -> None:
        self.problems.append(f"{message} [json-pointer:{pointer}]")

    def length(self, value: Any, limit: int, pointer: str) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.problems.append(too_long(pointer, limit))

    def items(self, value: Any, limit: int, pointer: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail("must be an array", pointer)
            return []
        if len(value) > limit:
            self.problems.append(too_many(pointer, limit))
        return value

    def text(self, obj: Any, limit: int, pointer: str, *, plain_only: bool = False) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            self.fail("must be a text object", pointer)
            return
        if obj.get("type") not in (("plain_text",) if plain_only else ("plain_text", "mrkdwn")):
            self.fail("must be a valid enum value", f"{pointer}/type")
        if not obj["text"]:
            self.fail("must be more than 0 characters", f"{pointer}/text")
        self.length(obj["text"], limit, f"{pointer}/text")

    # -- blocks ---------------------------------------------------------------------------

    def blocks(self, blocks: Any, limit: int, pointer: str) -> None:
        seen: set[str] = set()
        for index, block in enumerate(self.items(blocks, limit, pointer)):
            here = f"{pointer}/{index}"
            if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
                self.fail("must be a known block type", f"{here}/type")
                continue
            block_id = block.get("block_id")
            if block_id is not None:
                self.length(block_id, ID_LIMIT, f"{here}/block_id")
                if block_id in seen:
                    self.fail("block_id must be unique", f"{here}/block_id")
                seen.add(block_id)
            check = _BLOCK_CHECKS.get(block["type"])
            if check is not None:
                check(self, block, here)

    def section(self, block: dict[str, Any], here: str) -> None:
        if "text" not in block and "fields" not in block:
            self.fail("must provide either text or fields", here)
        if "text" in block:
            self.text(block["text"], 3_000, f"{here}/text")
        if "fields" in block:
            for index, field in enumerate(self.items(block["fields"], 10, f"{here}/fields")):
                self.text(field, 2_000, f"{here}/fields/{index}")
        if "accessory" in block:
            self.elements([block["accessory"]], f"{here}/accessory", single=True)

    def header(self, block: dict[str, Any], here: str) -> None:
        self.text(block.get("text"), 150, f"{here}/text", plain_only=True)

    def actions(self, block: dict[str, Any], here: str) -> None:
        self.elements(self.items(block.get("elements"), 25, f"{here}/elements"), f"{here}/elements")

    def context(self, block: dict[str, Any], here: str) -> None:
        self.items(block.get("elements"), 10, f"{here}/elements")

    def input(self, block: dict[str, Any], here: str) -> None:
        self.text(block.get("label"), 2_000, f"{here}/label", plain_only=True)
        if "hint" in block:
            self.text(block["hint"], 2_000, f"{here}/hint", plain_only=True)
        self.elements([block.get("element")], f"{here}/element", single=True)

    def image(self, block: dict[str, Any], here: str) -> None:
        self.length(block.get("image_url"), 3_000, f"{here}/image_url")
        self.length(block.get("alt_text"), 2_000, f"{here}/alt_text")

    def markdown(self, block: dict[str, Any], here: str) -> None:
        self.length(block.get("text"), BLOCKS_TEXT_BUDGET, f"{here}/text")

    # -- elements -------------------------------------------------------------------------

    def elements(self, elements: list[Any], pointer: str, *, single: bool = False) -> None:
        seen: set[str] = set()
        for index, element in enumerate(elements):
            here = pointer if single else f"{pointer}/{index}"
            if not isinstance(element, dict) or not isinstance(element.get("type"), str):
                self.fail("must be a block element", here)
                continue
            action_id = element.get("action_id")
            if action_id is not None:
                self.length(action_id, ID_LIMIT, f"{here}/action_id")
                if action_id in seen:
                    self.fail("action_id must be unique in a block", f"{here}/action_id")
                seen.add(action_id)
            if "placeholder" in element:
                self.text(element["placeholder"], 150, f"{here}/placeholder", plain_only=True)
            if element["type"] == "button":
                self.button(element, here)
            elif element["type"] == "plain_text_input":
                self.text_input(element, here)

    def button(self, element: dict[str, Any], here: str) -> None:
        self.text(element.get("text"), 75, f"{here}/text", plain_only=True)
        self.length(element.get("value"), 2_000, f"{here}/value")
        self.length(element.get("url"), 3_000, f"{here}/url")
        if element.get("style") not in (None, "primary", "danger"):
            self.fail("must be a valid enum value", f"{here}/style")

    def text_input(self, element: dict[str, Any], here: str) -> None:
        for key in ("min_length", "max_length"):
            value = element.get(key)
            if isinstance(value, int) and value > 3_000:
                self.fail("must be less than or equal to 3000", f"{here}/{key}")


_BLOCK_CHECKS: dict[str, Callable[[_Checker, dict[str, Any], str], None]] = {
    "section": _Checker.section,
    "header": _Checker.header,
    "actions": _Checker.actions,
    "context": _Checker.context,
    "input": _Checker.input,
    "image": _Checker.image,
    "markdown": _Checker.markdown,
}


def check_blocks(
    blocks: Any, *, limit: int = MESSAGE_MAX_BLOCKS, pointer: str = "/blocks"
) -> list[str]:
    """Problems Slack would report for `blocks` (empty when they are valid)."""
    checker = _Checker()
    checker.blocks(blocks, limit, pointer)
    return checker.problems


def blocks_text_length(value: Any) -> int:
    """Characters of every `text` string inside the blocks: what msg_blocks_too_long counts."""
    if isinstance(value, list):
        return sum(blocks_text_length(item) for item in value)
    if isinstance(value, dict):
        own = len(value["text"]) if isinstance(value.get("text"), str) else 0
        return own + sum(blocks_text_length(item) for item in value.values())
    return 0


def check_view(view: Any, *, pointer: str = "/view") -> list[str]:
    """Problems Slack would report for a modal or Home tab view payload."""
    checker = _Checker()
    if not isinstance(view, dict):
        return [f"must be an object [json-pointer:{pointer}]"]
    if view.get("type") not in ("modal", "home"):
        checker.fail("must be a valid enum value", f"{pointer}/type")
    if view.get("type") == "modal":
        _check_modal_chrome(checker, view, pointer)
    checker.blocks(view.get("blocks", []), SURFACE_MAX_BLOCKS, f"{pointer}/blocks")
    checker.length(
        view.get("private_metadata"), PRIVATE_METADATA_LIMIT, f"{pointer}/private_metadata"
    )
    checker.length(view.get("callback_id"), ID_LIMIT, f"{pointer}/callback_id")
    checker.length(view.get("external_id"), ID_LIMIT, f"{pointer}/external_id")
    return checker.problems


def _check_modal_chrome(checker: _Checker, view: dict[str, Any], pointer: str) -> None:
    if "title" not in view:
        checker.problems.append("missing required field: title")
    else:
        checker.text(view["title"], VIEW_TITLE_LIMIT, f"{pointer}/title", plain_only=True)
    for key in ("submit", "close"):
        if view.get(key) is not None:
            checker.text(view[key], VIEW_TITLE_LIMIT, f"{pointer}/{key}", plain_only=True)
    blocks = view.get("blocks")
    has_input = isinstance(blocks, list) and any(
        isinstance(block, dict) and block.get("type") == "input" for block in blocks
    )
    if has_input and view.get("submit") is None:
        checker.problems.append("missing required field: submit")
