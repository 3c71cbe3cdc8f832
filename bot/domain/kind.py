"""What kind of post a mention is (complaint, question, praise, spam), by word lists and rules."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Protocol

from bot.domain.post_text import HANDLE, LINK


class Kind(StrEnum):
    COMPLAINT = "complaint"
    QUESTION = "question"
    PRAISE = "praise"
    SPAM = "spam"


class KindClassifier(Protocol):
    """Says what kind a post is; None when it cannot tell. `lang` is an ISO 639-1 code."""

    def classify(self, text: str, lang: str | None) -> Kind | None: ...


# A post is at most 280 characters (a DM up to 10,000): the rules never need more than this.
MAX_TEXT = 1_000

HASHTAG = re.compile("[#\uff03](\\w+)")  # with the full-width sign
LEADING_HANDLES = re.compile(r"^(?:\s*(?:@\w{1,15}|\.)\s*)+")
APOSTROPHE = "\u2019"  # typographic: "don\u2019t" is "don't"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
SHOUTING = re.compile(r"!{2,}|\?!|!\?")
QUESTION_MARKS = frozenset("?\uff1f\u00bf\u061f")  # also full-width, Spanish, Arabic

# Multi-word entries are matched as whole words in the lowercased text, its words rejoined by
# single spaces (so "est-ce" is "est ce").
PROMO = frozenset({
    "giveaway", "giveaways", "airdrop", "crypto", "bitcoin", "btc", "nft", "nfts", "forex",
    "casino", "onlyfans", "promo code", "dm me", "follow back", "follow for follow",
    "check my profile", "check my bio", "link in bio", "earn money", "make money",
    "passive income", "free followers", "whatsapp me", "telegram me", "click here",
    "investment opportunity", "recover your account", "sorteo", "gana dinero", "concours",
    "gewinnspiel", "sorteio",
})  # fmt: skip
NEGATIVE = frozenset({
    # en
    "broken", "outage", "refund", "worst", "terrible", "awful", "horrible", "useless",
    "cancel", "cancelled", "canceled", "crash", "crashes", "crashed", "crashing", "bug",
    "buggy", "error", "failed", "failing", "disappointed", "disappointing", "unacceptable",
    "ridiculous", "frustrated", "frustrating", "annoying", "scam", "hate", "sucks", "bad",
    "overcharged", "damaged", "problem", "issue", "slow", "delayed", "missing", "wrong",
    "not working", "doesn't work", "does not work", "stopped working", "still waiting",
    "never arrived", "never received", "no response", "no reply", "can't log in",
    "cannot log in", "charged twice", "double charged", "rip off", "fed up", "is down",
    "are down", "down again", "still down", "went down",
    # es
    "pésimo", "pésima", "reembolso", "estafa", "queja", "roto", "peor",
    "no funciona", "sigo esperando",
    # fr
    "nul", "remboursement", "arnaque", "panne", "pire", "inadmissible", "ne marche pas",
    "ne fonctionne pas", "toujours pas",
    # de
    "kaputt", "schlecht", "schlimmste", "rückerstattung", "erstattung", "störung",
    "katastrophe", "kündigen", "unverschämt", "funktioniert nicht", "geht nicht",
    "immer noch nicht",
    # pt
    "péssimo", "péssima", "horrível", "golpe", "pior", "cancelar", "quebrado", "não funciona",
    "nunca chegou", "ainda esperando",
})  # fmt: skip
POSITIVE = frozenset({
    # en
    "thanks", "thank you", "thx", "love", "loved", "loving", "great", "awesome", "amazing",
    "excellent", "fantastic", "perfect", "brilliant", "wonderful", "helpful", "kudos",
    "appreciate", "appreciated", "impressed", "superb", "best",
    # es, fr, de, pt
    "gracias", "genial", "excelente", "encanta", "increíble", "merci", "génial", "parfait",
    "bravo", "danke", "toll", "super", "großartig", "wunderbar", "perfekt", "obrigado",
    "obrigada", "valeu", "ótimo", "incrível", "adorei", "perfeito",
})  # fmt: skip
POSITIVE_EMOJI = frozenset({"🙏", "❤", "😍", "🥰", "👏", "🙌", "💯", "🎉", "👍", "💙", "💚", "😊"})
# "not great" is no praise; "no problem" is no complaint.
NEGATORS = frozenset({"not", "no", "never", "isn't", "wasn't", "nicht", "pas", "não"})
NEUTRAL = ("no problem", "no worries", "not bad", "no issues", "no issue")
QUESTION_STARTS = {
    "en": frozenset({
        "how", "why", "when", "where", "what", "which", "who", "can", "could", "does", "did",
        "is", "are", "would", "should", "anyone", "any update",
    }),
    "es": frozenset({"cómo", "por qué", "cuándo", "dónde", "qué", "cuál", "quién", "pueden"}),
    "fr": frozenset({"comment", "pourquoi", "quand", "où", "quel", "quelle", "est ce"}),
    "de": frozenset({"wie", "warum", "wann", "wo", "was", "welche", "wer", "kann", "gibt"}),
    "pt": frozenset({"como", "por que", "quando", "onde", "qual", "quem", "posso"}),
}  # fmt: skip
ALL_QUESTION_STARTS = frozenset().union(*QUESTION_STARTS.values())
# Openings that exclaim rather than ask.
NOT_QUESTIONS = frozenset({"what a", "how nice", "how cool", "how great", "qué bien", "wie toll"})


class LexiconKindClassifier:
    """The default classifier: word lists in English plus common Spanish, French, German and
    Portuguese words. Spam > complaint > question > praise when several match."""

    def classify(self, text: str, lang: str | None) -> Kind | None:
        text = text[:MAX_TEXT]
        words = WORD.findall(LINK.sub(" ", text).lower().replace(APOSTROPHE, "'"))
        padded = f" {' '.join(words)} "
        if _is_spam(text, padded):
            return Kind.SPAM
        for phrase in NEUTRAL:
            padded = padded.replace(f" {phrase} ", " ")
        praised = _has_any(padded, POSITIVE) or any(emoji in text for emoji in POSITIVE_EMOJI)
        if _has_any(padded, NEGATIVE) or _negated_praise(words):
            return Kind.COMPLAINT
        if not praised and SHOUTING.search(text):
            return Kind.COMPLAINT  # "!!" alone is anger; "thank you!!" is not
        if _is_question(text, lang):
            return Kind.QUESTION
        return Kind.PRAISE if praised else None


def _is_spam(text: str, padded: str) -> bool:
    """Two promo terms, or one with links, hashtags or repeated tags; or floods of links or
    hashtags. One promo word alone ("my crypto wallet is broken") is not spam."""
    links = len(LINK.findall(text))
    tags = [tag.lower() for tag in HASHTAG.findall(text)]
    handles = [handle.lower() for handle in HANDLE.findall(LINK.sub(" ", text))]
    repeated = len(set(tags)) < len(tags) or len(set(handles)) < len(handles)
    promo = sum(1 for term in PROMO if f" {term} " in padded)
    if promo >= 2 or (promo and (links >= 2 or len(tags) >= 3 or repeated)):
        return True
    return links >= 3 or len(tags) >= 6 or (repeated and links >= 1)


def _is_question(text: str, lang: str | None) -> bool:
    """A question mark anywhere, or a first word that opens a question (after any @handles)."""
    if any(mark in text for mark in QUESTION_MARKS):
        return True
    words = WORD.findall(LEADING_HANDLES.sub("", text, count=1)[:40].lower())
    opening = " ".join(words[:2])
    if not words or opening in NOT_QUESTIONS:
        return False
    starts = ALL_QUESTION_STARTS
    if lang is not None:  # "como" opens a Portuguese question, not an English one
        starts = QUESTION_STARTS["en"] | QUESTION_STARTS.get(lang, frozenset())
    return words[0] in starts or opening in starts


def _has_any(padded: str, terms: frozenset[str]) -> bool:
    return any(f" {term} " in padded for term in terms)


def _negated_praise(words: list[str]) -> bool:
    return any(
        word in POSITIVE and index > 0 and words[index - 1] in NEGATORS
        for index, word in enumerate(words)
    )
