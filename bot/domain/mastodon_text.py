"""How Mastodon measures a status, and a status's HTML as the plain text a card shows.

The limit is the instance's (`configuration.statuses.max_characters` of /api/v2/instance, 500 by
default). The count is the server's and Mastodon.py's `get_status_length`: grapheme clusters of
the content warning plus the text, where every URL counts as `characters_reserved_per_url` (23)
and a remote `@user@domain` only as `@user` (contracts/mastodon/KEY-FACTS.md "Length limits").
Mastodon.py's own function needs the unmaintained `grapheme` package; the URL pattern is its.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from mastodon._url_regex import url_regex

from bot.domain.bluesky_text import graphemes

DEFAULT_MAX_CHARACTERS = 500
URL_CHARACTERS = 23
_REMOTE_MENTION = re.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9\.\-]+[a-z0-9]+)", re.IGNORECASE)


def status_length(text: str, spoiler_text: str = "", url_characters: int = URL_CHARACTERS) -> int:
    """The length Mastodon compares with the instance's limit."""
    countable = url_regex.sub(lambda m: m.group(2) + "x" * url_characters, text)
    countable = _REMOTE_MENTION.sub(r"\1@\3", countable)
    return graphemes(countable) + graphemes(spoiler_text)


class _Text(HTMLParser):
    """Mastodon's sanitized HTML (p, br, span, a) as text: paragraphs as blank lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def status_text(content: str) -> str:
    """The plain text of a status's `content` HTML (links and mentions as their text)."""
    parser = _Text()
    parser.feed(content)
    parser.close()
    return html.unescape("".join(parser.parts)).strip()
