"""Pieces every slash-command parser shares: a problem with a correct example to copy, a
channel picked in Slack's composer, and the person's words echoed back safely."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

# A channel picked in the composer arrives escaped as <#C0123|name> (should_escape: true).
CHANNEL_REF = re.compile(r"^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$")


@dataclass(frozen=True, slots=True)
class Invalid:
    problem: str
    example: str


def echoed(text: str) -> str:
    """A piece of the person's text, safe to show back inside `code`."""
    cleaned = html.unescape(text).replace("`", "'")
    return cleaned if len(cleaned) <= 80 else cleaned[:79] + "\u2026"
