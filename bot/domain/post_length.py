"""How long X considers a post: twitter-text v3 weighted length (CJK and emoji 2, URLs 23)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twitter_text import parse_tweet

MAX_POST_LENGTH = 280

# The twitter-text v3 configuration (contracts/twitter-text/config/v3.json), passed explicitly
# rather than relying on the library's module-level default, which is a shared mutable dict.
# The conformance test checks it against the contract file.
V3_OPTIONS: dict[str, Any] = {
    "version": 3,
    "max_weighted_tweet_length": MAX_POST_LENGTH,
    "scale": 100,
    "default_weight": 200,
    "emoji_parsing_enabled": True,
    "transformed_url_length": 23,
    "ranges": [
        {"start": 0, "end": 4351, "weight": 100},
        {"start": 8192, "end": 8205, "weight": 100},
        {"start": 8208, "end": 8223, "weight": 100},
        {"start": 8242, "end": 8247, "weight": 100},
    ],
}


@dataclass(frozen=True, slots=True)
class PostLengthCheck:
    """What the reply box needs to say about a draft."""

    weighted_length: int
    valid: bool  # 1..280 weighted characters and no characters X refuses (U+FFFE, U+202A, ...)
    remaining: int  # negative when over the limit
    permillage: int  # weighted_length / 280 in thousandths, as twitter-text reports it


def check_post(text: str, options: Mapping[str, Any] = V3_OPTIONS) -> PostLengthCheck:
    """Measure `text` as X will (NFC-normalised, twitter-text v3 weights).

    `options` exists for the conformance test, which also runs the suites written for the v1
    and v2 configurations through this same function; the product always measures with v3.
    """
    # twitter-text-parser 3.0.0 passes every weighted-length and validity case of the
    # conformance data (tests/unit/test_post_length_conformance.py), so its result is used as is.
    result = parse_tweet(text, dict(options))
    length = int(result.weightedLength)
    return PostLengthCheck(
        weighted_length=length,
        valid=bool(result.valid),
        remaining=int(options["max_weighted_tweet_length"]) - length,
        permillage=int(result.permillage),
    )


def weighted_length(text: str) -> int:
    """The twitter-text v3 weighted length of `text`."""
    return check_post(text).weighted_length
