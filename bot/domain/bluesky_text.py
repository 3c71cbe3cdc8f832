"""How Bluesky measures a post: grapheme clusters and UTF-8 bytes.

Limits come from the lexicons: `app.bsky.feed.post#text` allows 300 graphemes and 3000 bytes,
`chat.bsky.convo.defs#messageInput` 1000 graphemes and 10000 bytes; both limits apply at once.
Rich-text facets (mentions, links, tags at UTF-8 byte offsets) are the atproto SDK's job:
BlueskySource.reply has it detect them (tests/unit/test_bluesky_text.py checks it against the
documented example).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import regex  # type: ignore[import-untyped, unused-ignore]  # no stubs installed for regex

POST_GRAPHEMES = 300
POST_BYTES = 3000
DM_GRAPHEMES = 1000
DM_BYTES = 10000

TAG_MAX_GRAPHEMES = 64  # app.bsky.richtext.facet#tag: maxGraphemes
TAG_MAX_BYTES = 640  # ... and maxLength (UTF-8 bytes)
HANDLE_MAX_LENGTH = 253  # a handle is a domain name

FACET = "app.bsky.richtext.facet"
MENTION = f"{FACET}#mention"
LINK = f"{FACET}#link"
TAG = f"{FACET}#tag"

Resolver = Callable[[str], str | None]  # a handle to its DID, or None


# --- Graphemes --------------------------------------------------------------------------------

# regex's \X is a full UAX #29 extended grapheme cluster, with the Unicode tables it was built
# with (Unicode 17 in regex 2026.11), not those of this Python's unicodedata (14.0 on 3.11).
_GRAPHEME = regex.compile(r"\X")


def graphemes(text: str) -> int:
    """How many extended grapheme clusters (user-perceived characters) `text` holds.

    This is the unit of the lexicon's `maxGraphemes`; the reference implementation counts with
    the `unicode-segmenter` package, which also follows UAX #29. An emoji ZWJ sequence, a flag
    (a pair of regional indicators, or a tag sequence), a skin-toned emoji, a character with
    its variation selector or combining marks, a Hangul syllable from jamo and an Indic
    conjunct each count as one.

    One known deviation of regex from UAX #29 rule GB9c: it joins a virama and the consonant
    after it even when no consonant precedes the virama ("a", U+094D, U+0924 is one cluster,
    two by the standard). Well-formed Indic text never has such a virama.
    """
    return sum(1 for _ in _GRAPHEME.finditer(text))


def _utf8_length(text: str) -> int:
    # surrogatepass: a lone surrogate (never valid in a record) is measured, not a crash.
    return len(text.encode("utf-8", "surrogatepass"))


# --- Length -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostLength:
    """A draft measured against both of Bluesky's limits."""

    graphemes: int
    bytes: int  # UTF-8
    fits: bool  # within the grapheme limit and the byte limit


def post_length(
    text: str, *, graphemes_limit: int = POST_GRAPHEMES, bytes_limit: int = POST_BYTES
) -> PostLength:
    """Measure `text` as the lexicon does; pass DM_GRAPHEMES and DM_BYTES for a chat message."""
    count = graphemes(text)
    size = _utf8_length(text)
    return PostLength(
        graphemes=count, bytes=size, fits=count <= graphemes_limit and size <= bytes_limit
    )
