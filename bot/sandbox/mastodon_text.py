"""Status text as a Mastodon server reads it: entities, the character count, the HTML content.

Sources (paths under contracts/mastodon/): the count is StatusLengthValidator's (srv:
app/validators/status_length_validator.rb; KEY-FACTS "Length limits"; docs/user-posting.md
"Links" and "Mentions"): grapheme clusters of `spoiler_text` + the text, where every URL that
twitter-text extracts *with* its protocol counts as 23 characters and a mention counts as
`@username` without its domain. Mentions follow Account::MENTION_RE, hashtags Tag::HASHTAG_RE
(simplified), and the HTML is TextFormatter's for a local status (docs/api-guidelines.md
"Formatting", "Link shortening").
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import regex  # type: ignore[import-untyped, unused-ignore]  # no stubs installed for regex
from twitter_text import extract_urls_with_indices

URL_CHARS = 23  # characters_reserved_per_url
# Account::MENTION_RE: `@user` or `@user@domain`, not after `=`, `/` or a word character.
MENTION = re.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@(\w+(?:[.-]+\w+)*))?", re.IGNORECASE
)
HASHTAG = re.compile(r"(?<![=/)\w#])#(\w*[^\W\d]\w*)")  # at least one non-digit
_DISPLAY_URL = 30  # TextFormatter shows this much of a link's host and path, then an ellipsis


@dataclass(frozen=True)
class Entity:
    """A URL, a mention or a hashtag at [start, end) in the text (code point indices)."""

    kind: str  # "url" | "mention" | "hashtag"
    start: int
    end: int
    value: str  # the URL; the mention's username; the tag name as written
    domain: str | None = None  # a mention's domain, if written


def entities(text: str, *, hashtags: bool = True) -> list[Entity]:
    """Every entity, leftmost first; where two overlap the earlier wins, as in Mastodon's
    Extractor.remove_overlapping_entities (so a URL containing `@x` is only a URL)."""
    found = [
        Entity("url", url["indices"][0], url["indices"][1], url["url"])
        for url in extract_urls_with_indices(text, extract_urls_without_protocol=False)
    ]
    found += [
        Entity("mention", m.start(), m.end(), m.group(1), m.group(2))
        for m in MENTION.finditer(text)
    ]
    if hashtags:
        found += [Entity("hashtag", m.start(), m.end(), m.group(1)) for m in HASHTAG.finditer(text)]
    kept: list[Entity] = []
    for entity in sorted(found, key=lambda e: (e.start, -e.end)):
        if not kept or entity.start >= kept[-1].end:
            kept.append(entity)
    return kept


def countable_length(text: str, spoiler_text: str = "") -> int:
    """The length Mastodon checks against `max_characters` (StatusLengthValidator)."""
    return _graphemes(spoiler_text + countable_text(text))


def countable_text(text: str) -> str:
    """The text with every URL as 23 x's and every mention as `@username`."""
    if not text.strip():
        return ""
    out, last = [], 0
    for entity in entities(text, hashtags=False):
        out.append(text[last : entity.start])
        out.append("x" * URL_CHARS if entity.kind == "url" else "@" + entity.value)
        last = entity.end
    out.append(text[last:])
    return "".join(out)


def _graphemes(text: str) -> int:
    return len(regex.findall(r"\X", text))


# -- HTML -------------------------------------------------------------------------------------

Linker = Callable[[Entity], str | None]  # the HTML of a mention (None: not an account, plain)


def to_html(text: str, mention_html: Linker, tag_url: Callable[[str], str]) -> str:
    """TextFormatter's HTML: paragraphs on blank lines, `<br />` on line breaks, links for
    URLs, known mentions and hashtags, everything else escaped."""
    parts, last = [], 0
    for entity in entities(text):
        parts.append(html.escape(text[last : entity.start], quote=False))
        parts.append(_entity_html(text, entity, mention_html, tag_url))
        last = entity.end
    parts.append(html.escape(text[last:], quote=False))
    body = "".join(parts).strip()
    if not body:
        return ""
    paragraphs = re.split(r"\n\n+", body.replace("\r\n", "\n"))
    return "".join(f"<p>{p.strip().replace(chr(10), '<br />')}</p>" for p in paragraphs)


def _entity_html(
    text: str, entity: Entity, mention_html: Linker, tag_url: Callable[[str], str]
) -> str:
    written = text[entity.start : entity.end]
    if entity.kind == "url":
        return link_html(entity.value)
    if entity.kind == "hashtag":
        url = html.escape(tag_url(entity.value.lower()))
        name = html.escape(entity.value, quote=False)
        return f'<a href="{url}" class="mention hashtag" rel="tag">#<span>{name}</span></a>'
    linked = mention_html(entity)
    return linked if linked is not None else html.escape(written, quote=False)


def link_html(url: str) -> str:
    """A shortened link (docs/api-guidelines.md "Link shortening"): the protocol invisible,
    the first 30 characters shown, the rest invisible with an `ellipsis` class."""
    scheme, _, rest = url.partition("://")
    shown, hidden = rest[:_DISPLAY_URL], rest[_DISPLAY_URL:]
    css = "ellipsis" if hidden else ""
    href = html.escape(url)
    return (
        f'<a href="{href}" target="_blank" rel="nofollow noopener" translate="no">'
        f'<span class="invisible">{html.escape(scheme)}://</span>'
        f'<span class="{css}">{html.escape(shown, quote=False)}</span>'
        f'<span class="invisible">{html.escape(hidden, quote=False)}</span></a>'
    )


def mention_link(url: str, username: str) -> str:
    """The h-card a mention of a known account becomes."""
    return (
        f'<span class="h-card"><a href="{html.escape(url)}" class="u-url mention">'
        f"@<span>{html.escape(username, quote=False)}</span></a></span>"
    )


def plain(content: str) -> str:
    """The visible text of HTML content, for matching search words."""
    text = re.sub(r"<br\s*/?>|</p><p>", "\n", content)
    return html.unescape(re.sub(r"<[^>]+>", "", text))
