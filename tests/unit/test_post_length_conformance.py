"""check_post against the official twitter-text conformance suite and v3 configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.domain.post_length import MAX_POST_LENGTH, V3_OPTIONS, check_post, weighted_length

# Copies of the contract files live in tests/contracts (see its README for sources).
TWITTER_TEXT = Path(__file__).resolve().parents[1] / "contracts" / "twitter-text"
VALIDATE_YML = TWITTER_TEXT / "conformance" / "validate.yml"
V3_JSON = TWITTER_TEXT / "config" / "v3.json"

# The sections of validate.yml that upstream twitter-text runs with the v3 configuration.
# (WeightedTweetsCounterTest is the v2 configuration, where an emoji weighs per code point;
# Earshot never counts that way.)
V3_SECTIONS = (
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)


def _load_cases(section: str) -> list[Any]:
    # Read at collection time, as the suite's README asks ("do not convert these files to test
    # cases statically"): new upstream cases are picked up when the file is updated.
    tests = yaml.safe_load(VALIDATE_YML.read_text(encoding="utf-8"))["tests"]
    cases: list[dict[str, Any]] = tests[section]
    return [pytest.param(case["text"], case["expected"], id=case["description"]) for case in cases]


EMOJI_CASES = _load_cases(V3_SECTIONS[0])
DIRECTIONAL_CASES = _load_cases(V3_SECTIONS[1])


def _assert_conforms(text: str, expected: dict[str, Any]) -> None:
    check = check_post(text)
    assert {
        "weightedLength": check.weighted_length,
        "valid": check.valid,
        "permillage": check.permillage,
    } == {key: expected[key] for key in ("weightedLength", "valid", "permillage")}
    assert check.remaining == MAX_POST_LENGTH - expected["weightedLength"]
    assert weighted_length(text) == expected["weightedLength"]


@pytest.mark.parametrize(("text", "expected"), EMOJI_CASES)
def test_weighted_tweets_with_discounted_emoji(text: str, expected: dict[str, Any]) -> None:
    """check_post gives the v3 suite's weighted length, validity, permillage and remaining."""
    _assert_conforms(text, expected)


@pytest.mark.parametrize(("text", "expected"), DIRECTIONAL_CASES)
def test_unicode_directional_markers(text: str, expected: dict[str, Any]) -> None:
    """Directional marks are counted, and characters X refuses make a post invalid."""
    _assert_conforms(text, expected)


def test_suites_are_present() -> None:
    """The conformance file still has the v3 sections (a renamed section must not pass silently)."""
    assert EMOJI_CASES
    assert DIRECTIONAL_CASES


def test_options_match_the_v3_contract() -> None:
    """The weights we pass to twitter-text are exactly the published v3 configuration."""
    contract = json.loads(V3_JSON.read_text(encoding="utf-8"))
    expected = {
        "version": contract["version"],
        "max_weighted_tweet_length": contract["maxWeightedTweetLength"],
        "scale": contract["scale"],
        "default_weight": contract["defaultWeight"],
        "emoji_parsing_enabled": contract["emojiParsingEnabled"],
        "transformed_url_length": contract["transformedURLLength"],
        "ranges": contract["ranges"],
    }
    assert expected == V3_OPTIONS
    assert contract["maxWeightedTweetLength"] == MAX_POST_LENGTH


def test_empty_post_is_invalid() -> None:
    """An empty draft has nothing to send: length 0, invalid, the whole 280 remaining."""
    assert check_post("") == check_post("")
    check = check_post("")
    assert (check.weighted_length, check.valid, check.remaining) == (0, False, MAX_POST_LENGTH)


def test_over_the_limit_reports_a_negative_remainder() -> None:
    """141 CJK characters weigh 282: invalid, two over."""
    check = check_post("界" * 141)
    assert (check.weighted_length, check.valid, check.remaining) == (282, False, -2)


def test_text_is_measured_after_nfc_normalisation() -> None:
    """A decomposed "é" (e + combining acute) counts as the single character X stores."""
    assert weighted_length("e\u0301") == weighted_length("\u00e9") == 1
