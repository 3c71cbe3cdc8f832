"""A mention's triage signals for its card: the language it is written in and what kind it is.

Offline and cheap, since delivery computes them for every mention. A signal that fails is
None, never an exception. The language comes from lingua, built once per process from the
LANGUAGES below in low accuracy mode with its models preloaded. Measured with
benchmarks/triage.py (2 cores, Python 3.11, lingua 2.1.1, those 20 languages, several runs;
p99 of the language alone, on short mixed-language posts):

    mode           RSS growth on loading     p99 per call
    low accuracy   +22 to +30 MiB, 0.1 s     0.13 to 0.28 ms (triage() in all: 0.22 to 0.37)
    high accuracy  +385 to +456 MiB, 2.3 s   0.62 to 0.82 ms (8 ms worst)

(triage() p99 reached 2.07 ms once, while other test runs took both cores.)

High accuracy is three times the worker's whole RSS budget (150 MB), so it is low accuracy.
That mode is weak on very short text ("lol" is 0.59 Indonesian, "kkkkk" 0.85 Portuguese), so
Latin-script text needs two words and eight letters, and the answer a confidence of 0.7;
anything less is None rather than a guess. On 86 short support posts in 7 languages: 75 right,
8 None, 3 wrong at 0.7 (0.6: 78/4/4; 0.8: 73/11/2; "how do I reset my password" is Italian
at 1.0 whatever the bar).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import structlog
from lingua import IsoCode639_1, LanguageDetector, LanguageDetectorBuilder

from bot.domain.kind import MAX_TEXT, Kind, KindClassifier, LexiconKindClassifier

__all__ = [
    "LANGUAGES",
    "Kind",
    "KindClassifier",
    "Triage",
    "detect_language",
    "load_language_detector",
    "triage",
    "triage_label",
]

log = structlog.get_logger()
T = TypeVar("T")

# ISO 639-1 code -> the name on the card: the languages brands are mentioned in most.
LANGUAGES = {
    "en": "English", "es": "Spanish", "pt": "Portuguese", "fr": "French", "de": "German",
    "it": "Italian", "nl": "Dutch", "ja": "Japanese", "ko": "Korean", "zh": "Chinese",
    "ar": "Arabic", "hi": "Hindi", "tr": "Turkish", "ru": "Russian", "pl": "Polish",
    "sv": "Swedish", "id": "Indonesian", "th": "Thai", "vi": "Vietnamese", "uk": "Ukrainian",
}  # fmt: skip
MIN_CONFIDENCE = 0.7
MIN_LATIN_LETTERS = 8
MIN_LATIN_WORDS = 2
# CJK, kana, hangul, Thai, Arabic...: script already narrows it down to one or two languages.
MIN_OTHER_LETTERS = 2
# The language of a post is plain from its first few hundred characters.
MAX_DETECT_CHARS = 500

# What says nothing of the language: links, @handles, whole #tags and $cashtags (often English
# brand words inside a post that is not), HTML entities as X sends them, and emoji.
NOISE = re.compile(
    r"(?:https?://|www\.)\S+|[@#\uff03$]\w+|&\w+;"
    "|[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
LETTER = re.compile(r"[^\W\d_]")
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
KIND_VALUES = frozenset(kind.value for kind in Kind)
SEPARATOR = " \u00b7 "  # "Japanese · Question"

_lock = threading.Lock()
_detector: LanguageDetector | None = None
_lexicon = LexiconKindClassifier()


@dataclass(frozen=True, slots=True)
class Triage:
    """What the card shows to sort a mention at a glance; None where it cannot tell."""

    lang: str | None = None  # ISO 639-1, lowercase
    kind: Kind | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"lang": self.lang, "kind": self.kind.value if self.kind is not None else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Triage:
        """Tolerant: a missing, malformed or unknown value is None."""
        data = data if isinstance(data, Mapping) else {}
        lang, kind = data.get("lang"), data.get("kind")
        lang = lang.lower() if isinstance(lang, str) else None
        return cls(
            lang=lang if lang is not None and re.fullmatch("[a-z]{2}", lang) else None,
            kind=Kind(kind) if isinstance(kind, str) and kind in KIND_VALUES else None,
        )


def load_language_detector() -> LanguageDetector:
    """The process's one detector, built on first use (~0.1 s); safe to call from any thread."""
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                codes = (IsoCode639_1.from_str(code) for code in LANGUAGES)
                _detector = (
                    LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
                    .with_low_accuracy_mode()
                    .with_preloaded_language_models()  # no model loads in the middle of a post
                    .build()
                )
    return _detector


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is written in, or None when it is too short
    or too ambiguous to tell ("ok", "👍", a bare link or @handle)."""
    cleaned = NOISE.sub(" ", text[:MAX_TEXT])[:MAX_DETECT_CHARS]
    if not _enough_to_detect(cleaned):
        return None
    values = load_language_detector().compute_language_confidence_values(cleaned)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return values[0].language.iso_code_639_1.name.lower()


def triage(text: str, classifier: KindClassifier | None = None) -> Triage:
    """Both signals for a post. Never raises: a signal whose code fails is None (and logged)."""
    lang = _safely("lang", lambda: detect_language(text))
    chosen = classifier if classifier is not None else _lexicon
    kind = _safely("kind", lambda: _as_kind(chosen.classify(text, lang)))
    return Triage(lang=lang, kind=kind)


def triage_label(t: Triage) -> str | None:
    """A short label for the card, "Japanese · Question"; None when neither is known."""
    parts = []
    if t.lang is not None:
        parts.append(LANGUAGES.get(t.lang, t.lang.upper()))
    if t.kind is not None:
        parts.append(t.kind.value.capitalize())
    return SEPARATOR.join(parts) or None


def _enough_to_detect(cleaned: str) -> bool:
    letters = len(LETTER.findall(cleaned))
    latin = len(LATIN_LETTER.findall(cleaned))
    if latin * 2 < letters:
        return letters >= MIN_OTHER_LETTERS
    return latin >= MIN_LATIN_LETTERS and len(cleaned.split()) >= MIN_LATIN_WORDS


def _as_kind(value: Kind | str | None) -> Kind | None:
    # A plugged-in classifier may answer with the plain string ("praise"); an unknown one fails.
    return None if value is None else Kind(value)


def _safely(signal: str, compute: Callable[[], T]) -> T | None:
    try:
        return compute()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # a panic inside lingua (pyo3) is a BaseException
        # Never the post text: a DM's text is private.
        log.warning("triage_signal_failed", signal=signal, error=type(error).__name__)
        return None
