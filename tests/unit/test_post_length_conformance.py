"""check_post against the official twitter-text conformance suite and v3 configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text import parse_tweet

from bot.domain.post_length import MAX_POST_LENGTH, V3_OPTIONS, check_post, weighted_length

# Copies of the contract files live in tests/contracts (see its README for sources).
TWITTER_TEXT = Path(__file__).resolve().parents[1] / "contracts" / "twitter-text"
VALIDATE_YML = TWITTER_TEXT / "conformance" / "validate.yml"
V3_JSON = TWITTER_TEXT / "config" / "v3.json"

# Every section of validate.yml, and the configuration it is run with, or None with the reason
# it does not apply. Upstream twitter-text runs the counter suites with these configurations
# (v2 weighs an emoji per code point, v3 counts a whole emoji sequence as 2) and the `tweets`
# section with the legacy 140-character rules (v1): both exercise the same counting and
# validity code that check_post uses with v3, so each is run through check_post itself.
SECTIONS: dict[str, str | None] = {
    "tweets": "v1",
    "WeightedTweetsCounterTest": "v2",
    "WeightedTweetsWithDiscountedEmojiCounterTest": "v3",
    "UnicodeDirectionalMarkerCounterTest": "v3",
    # Validity of a single entity (is "@foo" a valid username, "#tag" a hashtag, a URL a URL):
    # Earshot never validates entities on their own, only whole posts.
    "usernames": None,
    "lists": None,
    "hashtags": None,
    "urls": None,
    "urls_without_protocol": None,
}
COUNTED = ("weightedLength", "valid", "permillage")


def _suite() -> dict[str, list[dict[str, Any]]]:
    # Read at collection time, as the suite's README asks ("do not convert these files to test
    # cases statically"): new upstream cases are picked up when the file is updated.
    tests: dict[str, list[dict[str, Any]]] = yaml.safe_load(
        VALIDATE_YML.read_text(encoding="utf-8")
    )["tests"]
    return tests


def _options(config: str) -> dict[str, Any]:
    """A twitter-text configuration file in the option names parse_tweet takes."""
    contract = json.loads((TWITTER_TEXT / "config" / f"{config}.json").read_text(encoding="utf-8"))
    return {
        "version": contract["version"],
        "max_weighted_tweet_length": contract["maxWeightedTweetLength"],
        "scale": contract["scale"],
        "default_weight": contract["defaultWeight"],
        "emoji_parsing_enabled": contract.get("emojiParsingEnabled", False),
        "transformed_url_length": contract["transformedURLLength"],
        "ranges": contract["ranges"],
    }


def _cases(*, counter: bool) -> list[Any]:
    found = []
    for section, cases in _suite().items():
        config = SECTIONS.get(section)
        if config is None or (section == "tweets") == counter:
            continue
        for case in cases:
            param = (case["text"], case["expected"], config)
            found.append(pytest.param(*param, id=f"{section}: {case['description']}"))
    return found


COUNTER_CASES = _cases(counter=True)
VALIDITY_CASES = _cases(counter=False)


@pytest.mark.parametrize(("text", "expected", "config"), COUNTER_CASES)
def test_weighted_length_conformance(text: str, expected: dict[str, Any], config: str) -> None:
    """check_post gives each counter case's weighted length, validity, permillage and remaining,
    and its valid and display ranges are the suite's (every expected field is compared)."""
    options = _options(config)
    check = check_post(text, options)
    assert {
        "weightedLength": check.weighted_length,
        "valid": check.valid,
        "permillage": check.permillage,
    } == {key: expected[key] for key in COUNTED}
    assert check.remaining == options["max_weighted_tweet_length"] - expected["weightedLength"]
    # The reply box shows no ranges, but they come from the same parse: compare them too, so
    # no field of the suite goes unchecked.
    parsed = parse_tweet(text, options).asdict()
    assert {key: parsed[key] for key in expected} == expected
    if config == "v3":
        assert check_post(text) == check
        assert weighted_length(text) == expected["weightedLength"]


@pytest.mark.parametrize(("text", "expected", "config"), VALIDITY_CASES)
def test_tweet_validity_conformance(text: str, expected: bool, config: str) -> None:
    """A whole post is valid or not as the suite says, under the configuration it was written
    for; and a post the suite calls valid is valid for X today (v3, 280) as well."""
    assert check_post(text, _options(config)).valid is expected
    if expected:
        assert check_post(text).valid


def test_every_section_is_classified() -> None:
    """Each section of the conformance file is either run or named as not applying (a new or
    renamed upstream section must not pass silently), and each run section has cases."""
    suite = _suite()
    assert set(suite) == set(SECTIONS)
    assert all(suite[name] for name, config in SECTIONS.items() if config)
    assert len(COUNTER_CASES) + len(VALIDITY_CASES) == sum(
        len(suite[name]) for name, config in SECTIONS.items() if config
    )


def test_options_match_the_v3_contract() -> None:
    """The weights we pass to twitter-text are exactly the published v3 configuration."""
    contract = json.loads(V3_JSON.read_text(encoding="utf-8"))
    assert contract["emojiParsingEnabled"] is True
    assert _options("v3") == V3_OPTIONS
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
