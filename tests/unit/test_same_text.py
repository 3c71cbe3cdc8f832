"""Which posts count as the same text for collapsing copy-paste campaigns."""

from __future__ import annotations

from bot.domain.same_text import text_fingerprint

CAMPAIGN = "Bring back the old app design, the new one is unusable for everyone #fixit"


def test_the_same_words_match_whatever_links_handles_case_and_spacing() -> None:
    """Links, @handles, case, punctuation and spacing do not make a copy different."""
    first = text_fingerprint(f"@acme {CAMPAIGN} https://t.co/abc")
    again = text_fingerprint(f"@AcmeSupport   {CAMPAIGN.upper()}!!! https://t.co/xyz @acme")
    assert first is not None and first == again


def test_other_words_do_not_match() -> None:
    """A changed word is another text."""
    assert text_fingerprint(CAMPAIGN) != text_fingerprint(CAMPAIGN.replace("old", "classic"))


def test_short_texts_are_never_collapsed() -> None:
    """Short texts ("thanks!", a bare link or handle) are too common to be a campaign."""
    for text in ("thanks!", "@acme help", "https://t.co/abc", "@acme 👍👍👍", ""):
        assert text_fingerprint(text) is None


def test_a_short_sentence_many_customers_write_on_their_own_is_not_a_campaign() -> None:
    """Under 40 letters, two customers may well write the very same words: not collapsed."""
    assert text_fingerprint("@acme my order still has not arrived, where is it?") is None
