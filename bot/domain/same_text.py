"""Copy-paste campaigns: the same words posted by many accounts are one case, not fifty cards.

Two posts are "the same text" when they read the same once links, @handles, case, accents of
punctuation and spacing are set aside. Short texts ("thanks!", "help") are left alone: many
people write them independently, and each deserves its own answer.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from bot.domain.post_text import HANDLE, LINK

MIN_LETTERS = 40  # of the normalised text: shorter sentences are written independently

_NOISE = re.compile(f"{LINK.pattern}|{HANDLE.pattern}", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")


def text_fingerprint(text: str) -> str | None:
    """A stable key for the words of `text`, or None when it is too short to collapse."""
    folded = unicodedata.normalize("NFKC", _NOISE.sub(" ", text)).casefold()
    words = _NOT_WORD.sub(" ", folded).split()
    normalised = " ".join(words)
    if sum(ch.isalpha() for ch in normalised) < MIN_LETTERS:
        return None
    return hashlib.blake2b(normalised.encode(), digest_size=12).hexdigest()
