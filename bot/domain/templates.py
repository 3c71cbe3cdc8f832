"""Reply templates: text with {name}, {first_name}, {handle} filled from the mention."""

from __future__ import annotations

import string
from dataclasses import dataclass

from bot.domain.mention import Mention

VARIABLES = ("name", "first_name", "handle")
MAX_TEMPLATE_LENGTH = 1000
MAX_TITLE_LENGTH = 60


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    title: str
    text: str
    created_by: str = ""


def template_problem(title: str, text: str) -> tuple[str, str] | None:
    """(field, message) when the template cannot be saved; None when it can."""
    if not title.strip():
        return "title", "Give the template a short title."
    if len(title) > MAX_TITLE_LENGTH:
        return "title", f"Keep the title under {MAX_TITLE_LENGTH} characters."
    if not text.strip():
        return "text", "The template text is empty."
    if len(text) > MAX_TEMPLATE_LENGTH:
        return "text", f"Keep the text under {MAX_TEMPLATE_LENGTH} characters."
    try:
        fields = [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]
    except ValueError:
        return "text", "Unbalanced { or }: write {{ and }} for literal braces."
    unknown = sorted(set(fields) - set(VARIABLES))
    if unknown:
        allowed = ", ".join("{" + v + "}" for v in VARIABLES)
        return "text", f"Unknown variable {{{unknown[0]}}}: use {allowed}."
    return None


def variables_in(text: str) -> set[str]:
    """The {variables} a template uses (empty when its braces do not parse)."""
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def fill(template_text: str, mention: Mention) -> str:
    """The template with the mention's author filled in (templates are checked when saved)."""
    name = mention.author.name.strip() or mention.author.username
    values = {
        "name": name,
        "first_name": name.split()[0] if name.split() else name,
        "handle": f"@{mention.author.username}",
    }
    try:
        return template_text.format(**values)
    except (KeyError, ValueError, IndexError):
        return template_text
