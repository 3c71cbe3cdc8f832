"""What the AI helper makes of a model's answer: parsing, draft trimming, (de)serialising."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.domain.kind import Kind
from bot.sources.ai import (
    MAX_DRAFT_CHARS,
    SYSTEM_PROMPT,
    AiConfig,
    AiSuggestion,
    completion_content,
    parse_suggestion,
    trim_draft,
)

COMPLAINT = {"kind": "complaint", "sentiment": "negative", "draft": "Sorry about that!"}


def test_plain_json_content_is_a_full_suggestion() -> None:
    """A plain JSON object gives kind, sentiment and draft."""
    assert parse_suggestion(json.dumps(COMPLAINT)) == AiSuggestion(
        Kind.COMPLAINT, "negative", "Sorry about that!"
    )


@pytest.mark.parametrize(
    "content",
    [
        "```json\n" + json.dumps(COMPLAINT) + "\n```",
        "```\n" + json.dumps(COMPLAINT) + "\n```",
        "  ```JSON " + json.dumps(COMPLAINT) + " ```  ",
        "Sure! Here it is: " + json.dumps(COMPLAINT) + " Hope it helps.",
    ],
)
def test_fenced_or_wrapped_json_is_understood(content: str) -> None:
    """JSON in ``` fences (with or without a language) or inside a sentence is still read."""
    assert parse_suggestion(content) == AiSuggestion(
        Kind.COMPLAINT, "negative", "Sorry about that!"
    )


@pytest.mark.parametrize(
    "content",
    [
        "",
        "I cannot help with that.",
        "{not json}",
        "{",
        "}{",
        "[1, 2, 3]",
        '"complaint"',
        "null",
        "```json\n```",
        json.dumps({"kind": "rant", "sentiment": "furious", "draft": "   "}),
        json.dumps({"kind": 3, "sentiment": ["negative"], "draft": {"text": "hi"}}),
        json.dumps({"something": "else"}),
    ],
)
def test_garbage_or_nothing_usable_is_none(content: str) -> None:
    """Anything that is not a JSON object with at least one usable field gives None."""
    assert parse_suggestion(content) is None


def test_wrong_types_and_unknown_values_leave_only_those_fields_empty() -> None:
    """A bad field becomes None; the good ones survive; values are matched case-insensitively."""
    content = json.dumps({"kind": " Praise ", "sentiment": "ecstatic", "draft": 42})
    assert parse_suggestion(content) == AiSuggestion(Kind.PRAISE, None, None)
    content = json.dumps({"kind": None, "sentiment": "POSITIVE", "draft": "Thanks!"})
    assert parse_suggestion(content) == AiSuggestion(None, "positive", "Thanks!")


def test_draft_whitespace_is_collapsed() -> None:
    """A draft is stripped and its runs of whitespace (newlines too) become single spaces."""
    assert trim_draft("  Hi there!\n\n  Sorry   about\tthat.  ") == "Hi there! Sorry about that."
    assert trim_draft(" \n\t ") is None
    assert trim_draft(None) is None


def test_long_draft_is_cut_at_a_word_with_an_ellipsis() -> None:
    """A draft over 280 characters is cut at the last whole word, marked with an ellipsis."""
    draft = " ".join(["sorry"] * 100)  # 599 characters
    trimmed = trim_draft(draft)
    assert trimmed is not None
    assert len(trimmed) <= MAX_DRAFT_CHARS
    assert trimmed.endswith("sorry\u2026")
    assert trimmed[:-1] == " ".join(["sorry"] * (len(trimmed[:-1].split())))


def test_long_draft_without_spaces_is_cut_hard() -> None:
    """A draft with no word boundary (say, Japanese) is cut at the limit, ellipsis included."""
    trimmed = trim_draft("\u3042" * 500)
    assert trimmed == "\u3042" * (MAX_DRAFT_CHARS - 1) + "\u2026"


def test_draft_at_the_limit_is_kept_whole() -> None:
    """Exactly 280 characters is not cut."""
    draft = "a" * MAX_DRAFT_CHARS
    assert trim_draft(draft) == draft


def test_to_dict_and_from_dict_round_trip() -> None:
    """to_dict gives plain JSON values and from_dict reads them back."""
    suggestion = AiSuggestion(Kind.QUESTION, "neutral", "Happy to help!")
    data = suggestion.to_dict()
    assert data == {"kind": "question", "sentiment": "neutral", "draft": "Happy to help!"}
    assert AiSuggestion.from_dict(json.loads(json.dumps(data))) == suggestion
    empty = AiSuggestion(None, None, None)
    assert empty.to_dict() == {"kind": None, "sentiment": None, "draft": None}
    assert AiSuggestion.from_dict(empty.to_dict()) == empty


@pytest.mark.parametrize("data", [None, "complaint", 7, [COMPLAINT], {"kind": "nope"}, {}])
def test_from_dict_is_tolerant(data: Any) -> None:
    """from_dict never raises: anything it cannot read becomes empty fields."""
    suggestion = AiSuggestion.from_dict(data)
    assert suggestion == AiSuggestion(None, None, None)
    assert suggestion.empty


def test_from_dict_trims_the_draft() -> None:
    """A stored draft goes through the same trimming as a fresh one."""
    assert AiSuggestion.from_dict({"draft": "  two\n lines "}).draft == "two lines"


@pytest.mark.parametrize(
    ("body", "content"),
    [
        ({"choices": [{"message": {"role": "assistant", "content": "{}"}}]}, "{}"),
        ({"choices": [{"message": {"content": [{"type": "text", "text": "{}"}]}}]}, "{}"),
        ({"choices": []}, None),
        ({"choices": [{"message": {"content": None, "refusal": "no"}}]}, None),
        ({"choices": [{"message": "hi"}]}, None),
        ({"choices": "hi"}, None),
        ({"error": {"message": "boom"}}, None),
        ("not an object", None),
        (None, None),
    ],
)
def test_completion_content_finds_the_first_message(body: Any, content: str | None) -> None:
    """choices[0].message.content (a string or text parts) or None for any other shape."""
    assert completion_content(body) == content


def test_prompt_asks_for_json_and_treats_the_post_as_untrusted() -> None:
    """The system prompt names the JSON shape, the four kinds and the post as untrusted data
    (OpenAI refuses json_object mode unless the messages say "json")."""
    assert "JSON" in SYSTEM_PROMPT
    assert '"kind": "complaint|question|praise|spam"' in SYSTEM_PROMPT
    assert '"sentiment": "negative|neutral|positive"' in SYSTEM_PROMPT
    assert "untrusted" in SYSTEM_PROMPT
    assert "customer-care" in SYSTEM_PROMPT


def test_config_repr_hides_the_api_key() -> None:
    """Logging or printing a config never shows the key."""
    config = AiConfig("https://api.example.com/v1", "sk-secret-123", "gpt-4o-mini")
    assert "sk-secret-123" not in repr(config)
