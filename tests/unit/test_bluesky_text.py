"""Bluesky text rules: grapheme counts, the post and DM limits, and the SDK's facet offsets.

The worked example is copied from the Bluesky contract folder,
/work/shared/contracts/bluesky/docs/bsky-docs__advanced-guides-posts.md ("Mentions and links"):
its text, byte offsets and DID. The grapheme cases name the UAX #29 rule they exercise.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from atproto_client.utils import facet_detection
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.bluesky_text import (
    DM_BYTES,
    DM_GRAPHEMES,
    POST_BYTES,
    POST_GRAPHEMES,
    PostLength,
    graphemes,
    post_length,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦, 25 bytes
COUPLE = "\U0001f468\u200d\u2764\ufe0f\u200d\U0001f468"  # 👨‍❤️‍👨
KSSI = "\u0915\u094d\u0937\u093f"  # क्षि: ka, virama, ssa, vowel sign i; one cluster, 12 bytes

DIDS = {
    "alice.bsky.social": "did:plc:alice2bsky3social4xyz",
    "atproto.com": "did:plc:ewvi7nxzyoun6zhxrhs64oiz",
}


def resolve(handle: str) -> str | None:
    return DIDS.get(handle)


def everyone(handle: str) -> str | None:
    """A resolver that knows every handle."""
    return "did:plc:" + "".join(char for char in handle if char.isalnum()).lower()


def sliced(text: str, facet: dict[str, Any]) -> str:
    index = facet["index"]
    return text.encode()[index["byteStart"] : index["byteEnd"]].decode()


def spans(text: str, found: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(the text a facet covers, its feature type) for each facet."""
    return [(sliced(text, facet), facet["features"][0]["$type"]) for facet in found]


# --- graphemes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("hello, world", 12),
        ("e\u0301", 1),  # e + combining acute
        ("caf\u00e9 cafe\u0301", 9),  # precomposed and decomposed é are one each
        ("Z\u0351\u036b\u0343\u036a\u0302\u036b", 1),  # a base with six combining marks
        (FAMILY, 1),  # ZWJ sequence (GB11)
        (COUPLE, 1),  # ZWJ sequence with a variation selector inside
        ("\U0001f469\U0001f3fd\u200d\U0001f4bb", 1),  # 👩🏽‍💻 skin tone + ZWJ
        ("\U0001f44d\U0001f3fd", 1),  # 👍🏽 skin-tone modifier
        ("\u2764\ufe0f", 1),  # ❤️ variation selector
        ("#\ufe0f\u20e3", 1),  # #️⃣ keycap
        ("\U0001f1eb\U0001f1f7", 1),  # 🇫🇷 regional-indicator pair (GB12)
        ("\U0001f1eb\U0001f1f7\U0001f1e9\U0001f1ea", 2),  # 🇫🇷🇩🇪
        ("\U0001f1eb\U0001f1f7\U0001f1e9", 2),  # a flag and a lone indicator (GB13)
        ("\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", 1),  # tag flag
        ("\r\n", 1),  # GB3
        ("\n\u0301", 2),  # nothing attaches to a control (GB4)
        ("\u1100\u1161\u11a8", 1),  # Hangul jamo L V T (GB6-8)
        ("\ud55c\uad6d\uc5b4", 3),  # 한국어 precomposed syllables
        ("\u0e01\u0e33", 1),  # Thai SARA AM is a spacing mark (GB9a)
        ("\u0600\u0661", 1),  # Arabic number sign prepends (GB9b)
        (KSSI, 1),  # Indic conjunct (GB9c)
        ("\u0928\u092e\u0938\u094d\u0924\u0947", 3),  # नमस्ते: na, ma, (sa virama ta e)
        ("\U0001f476\U0001f3ff\u0308\u200d\U0001f476\U0001f3ff", 1),  # GB11 through Extend
        ("a\u200d\U0001f6d1", 2),  # ZWJ joins a pictograph only after a pictograph
    ],
)
def test_graphemes_counts_extended_clusters(text: str, count: int) -> None:
    assert graphemes(text) == count


@given(st.text())
def test_graphemes_are_at_least_one_and_at_most_the_code_points(text: str) -> None:
    count = graphemes(text)
    assert count <= len(text)
    assert (count == 0) == (text == "")


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E)))
def test_printable_ascii_counts_one_grapheme_per_character(text: str) -> None:
    assert graphemes(text) == len(text)


# --- post_length ------------------------------------------------------------------------------


def test_limits_are_the_lexicons() -> None:
    assert (POST_GRAPHEMES, POST_BYTES) == (300, 3000)  # app.bsky.feed.post#text
    assert (DM_GRAPHEMES, DM_BYTES) == (1000, 10000)  # chat.bsky.convo.defs#messageInput


def test_three_hundred_graphemes_fit_and_three_hundred_and_one_do_not() -> None:
    assert post_length("a" * 300) == PostLength(graphemes=300, bytes=300, fits=True)
    assert post_length("a" * 301) == PostLength(graphemes=301, bytes=301, fits=False)


def test_the_limit_counts_graphemes_not_code_points() -> None:
    text = "e\u0301" * 300  # 600 code points, 900 bytes
    assert post_length(text) == PostLength(graphemes=300, bytes=900, fits=True)
    assert not post_length(text + "e\u0301").fits


def test_three_thousand_bytes_fit_and_three_thousand_and_one_do_not() -> None:
    assert post_length(FAMILY * 120) == PostLength(graphemes=120, bytes=3000, fits=True)
    assert post_length(FAMILY * 120 + "a") == PostLength(graphemes=121, bytes=3001, fits=False)


def test_the_byte_limit_binds_first_for_heavy_scripts() -> None:
    """251 Devanagari conjuncts are far below 300 graphemes but above 3000 bytes."""
    length = post_length(KSSI * 251)
    assert length == PostLength(graphemes=251, bytes=3012, fits=False)
    assert post_length(KSSI * 250).fits


def test_message_limits_are_passed_explicitly() -> None:
    text = "a" * 1000
    assert not post_length(text).fits
    assert post_length(text, graphemes_limit=DM_GRAPHEMES, bytes_limit=DM_BYTES).fits
    assert not post_length(text + "a", graphemes_limit=DM_GRAPHEMES, bytes_limit=DM_BYTES).fits
    heavy = FAMILY * 401  # 401 graphemes, 10025 bytes
    assert not post_length(heavy, graphemes_limit=DM_GRAPHEMES, bytes_limit=DM_BYTES).fits


def test_an_empty_post_fits_and_the_result_is_frozen() -> None:
    length = post_length("")
    assert length == PostLength(graphemes=0, bytes=0, fits=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        length.fits = False  # type: ignore[misc]


# --- facets -----------------------------------------------------------------------------------

# From docs/bsky-docs__advanced-guides-posts.md: the text, and the facets the post record holds.
DOCS_TEXT = (
    "\u2728 example mentioning @atproto.com to share the URL "
    "\U0001f468\u200d\u2764\ufe0f\u200d\U0001f468 https://en.wikipedia.org/wiki/CBOR."
)
DOCS_FACETS = [
    {
        "index": {"byteStart": 23, "byteEnd": 35},
        "features": [
            {"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:ewvi7nxzyoun6zhxrhs64oiz"}
        ],
    },
    {
        "index": {"byteStart": 74, "byteEnd": 108},
        "features": [
            {"$type": "app.bsky.richtext.facet#link", "uri": "https://en.wikipedia.org/wiki/CBOR"}
        ],
    },
]


def test_the_sdk_finds_the_documented_facets_at_the_documented_bytes() -> None:
    """Earshot's replies get their facets from the atproto SDK: on the contract's example it
    finds the mention (resolved by the caller) and the link at exactly the documented bytes."""
    found = facet_detection.detect_facets(DOCS_TEXT)
    links = [(f.index.byte_start, f.index.byte_end, f.features[0].uri) for f in found]
    assert links == [(74, 108, DOCS_FACETS[1]["features"][0]["uri"])]  # type: ignore[index]
    [mention] = facet_detection.detect_mentions(DOCS_TEXT)
    assert (mention.byte_start, mention.byte_end, mention.handle) == (23, 35, "atproto.com")
