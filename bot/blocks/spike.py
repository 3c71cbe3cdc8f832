"""The spike alert and its all-clear, as a message text and blocks (pure builders)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks.text import escape_and_truncate, mrkdwn, slack_time
from bot.domain.spike import ratio

SECTION_LIMIT = 3000  # Block Kit: a section's text
RULE_TEXT_LIMIT = 80
WORD_LIMIT = 30
SAMPLES_SHOWN = 3
URL_LIMIT = 300


@dataclass(frozen=True, slots=True)
class SpikeSubject:
    """What spiked: the brand's mentions (its @handle, when known) or one /track rule."""

    brand: str | None = None  # our handle there without "@"; None: not known yet
    rule_number: int | None = None
    rule_text: str | None = None  # the rule's name, else its query
    network: str | None = None  # "Bluesky", "Mastodon": where the mentions are (None: X)

    def alert_phrase(self) -> str:
        """ "of @acme", "of @acme.bsky.social on Bluesky", "for rule #3 “acme outage”", or ""
        (the brand's handle unknown)."""
        if self.rule_number is not None:
            return f"for {self._rule()}"
        where = f" on {self.network}" if self.network else ""
        if not self.brand:
            return f"on {self.network}" if self.network else ""
        return f"of @{escape_and_truncate(self.brand, WORD_LIMIT)}{where}"

    def over_phrase(self) -> str:
        if self.rule_number is not None:
            return self._rule()
        brand = f"@{escape_and_truncate(self.brand, WORD_LIMIT)} " if self.brand else ""
        where = f" on {self.network}" if self.network else ""
        return f"{brand}mentions{where}"

    def _rule(self) -> str:
        text = escape_and_truncate(" ".join((self.rule_text or "").split()), RULE_TEXT_LIMIT)
        return (
            f"rule #{self.rule_number} \u201c{text}\u201d" if text else f"rule #{self.rule_number}"
        )


@dataclass(frozen=True, slots=True)
class SpikeFacts:
    subject: SpikeSubject
    count: int  # mentions in the last 15 minutes
    expected: float  # the usual 15 minutes the decision used
    top_words: tuple[str, ...] = ()
    samples: tuple[str, ...] = ()  # links: the cards in Slack, else the posts on X


def ratio_text(ratio: float) -> str:
    """ "9x the usual" (with a multiplication sign): whole numbers from 3 up, one decimal below."""
    shown = f"{round(ratio)}" if ratio >= 3 else f"{ratio:.1f}".removesuffix(".0")
    return f"{shown}\u00d7 the usual"


def usual_text(expected: float) -> str:
    return "under 1" if expected < 1 else f"about {round(expected)}"


def spike_alert(facts: SpikeFacts) -> tuple[str, list[dict[str, Any]]]:
    """(message text, blocks): "Spike: 140 mentions of @acme in 15 min, 9x the usual · top
    words: outage, login, app · 3 samples", the samples linked."""
    phrase = facts.subject.alert_phrase()
    head = f"Spike: {facts.count} mentions{' ' + phrase if phrase else ''} in 15 min"
    parts = [f"{head}, {ratio_text(ratio(facts.count, facts.expected))}"]
    words = [escape_and_truncate(word, WORD_LIMIT) for word in facts.top_words[:3]]
    if words:
        parts.append("top words: " + ", ".join(words))
    links = _sample_links(facts.samples)
    if links:
        parts.append(f"{len(links)} sample{'s' if len(links) > 1 else ''}: " + " ".join(links))
    text = _fit(" \u00b7 ".join(parts))
    usual = f"Usually {usual_text(facts.expected)} in 15 minutes at this hour of the week."
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": mrkdwn(text)},
        {"type": "context", "elements": [mrkdwn(usual)]},
    ]
    return text, blocks


def spike_over(
    subject: SpikeSubject, count: int, expected: float, peak: int, started_at: float
) -> tuple[str, list[dict[str, Any]]]:
    """(message text, blocks): "Spike over: @acme mentions back to usual (…)"."""
    detail = (
        f"{count} in the last 15 min, usually {usual_text(expected)}; "
        f"it peaked at {peak}, starting {slack_time(started_at)}"
    )
    text = _fit(f"Spike over: {subject.over_phrase()} back to usual ({detail})")
    return text, [{"type": "section", "text": mrkdwn(text)}]


def _sample_links(samples: tuple[str, ...]) -> list[str]:
    """Numbered links; a URL that is too long or would break the link syntax is left out."""
    usable = [url for url in samples if len(url) <= URL_LIMIT and not set(url) & set("<>| ")]
    return [f"<{url}|{number}>" for number, url in enumerate(usable[:SAMPLES_SHOWN], start=1)]


def _fit(text: str) -> str:
    # Every part is bounded well below the limit; this is the belt to those braces.
    return text if len(text) <= SECTION_LIMIT else text[: SECTION_LIMIT - 1] + "\u2026"
