"""Make untrusted text safe for Slack mrkdwn and short enough for a Block Kit field."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

ELLIPSIS = "…"

# Slack's mrkdwn has exactly three escapes. With them, `<!channel>`, `<@U1>`, `<#C1>` or
# `<http://evil|click>` typed by a stranger reach Slack as inert text: no ping, no forged link.
#
# Formatting characters (* _ ~ ` and a leading >) are deliberately left as typed: mrkdwn has no
# escape for them (no backslash escape, no other entities), so "neutralising" them would mean
# lookalike or invisible characters that change the text staff read, copy and quote back in
# replies. Formatting cannot ping, link or hide text; the card also sends the post with
# `verbatim: true`, so bare "@here", "#channel" or URLs in it are not turned into anything.
_ESCAPES: dict[str, str] = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_TABLE = str.maketrans(_ESCAPES)

_ZWJ = "\u200d"


def escape_mrkdwn(text: str) -> str:
    """Escape &, < and > so Slack shows `text` literally (no mentions, links or dates)."""
    return text.translate(_ESCAPE_TABLE)


def truncate(text: str, limit: int) -> str:
    """`text` if it fits in `limit` code points, else a prefix ending in "…" that fits."""
    if limit < len(ELLIPSIS):
        raise ValueError(f"limit must be at least {len(ELLIPSIS)}, got {limit}")
    if len(text) <= limit:
        return text
    cut = _grapheme_safe_cut(text, limit - len(ELLIPSIS))
    return text[:cut].rstrip() + ELLIPSIS


def escape_and_truncate(text: str, limit: int) -> str:
    """Escape `text` for mrkdwn and keep the result within `limit` characters.

    The cut is made on the raw text, so it never lands inside `&amp;` and friends: a post full
    of "&" grows fivefold when escaped and still fits.
    """
    if limit < len(ELLIPSIS):
        raise ValueError(f"limit must be at least {len(ELLIPSIS)}, got {limit}")
    escaped = escape_mrkdwn(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    size = 0
    fits = 0
    for index, char in enumerate(text):
        size += len(_ESCAPES.get(char, char))
        if size > budget:
            fits = index
            break
    cut = _grapheme_safe_cut(text, fits)
    return escape_mrkdwn(text[:cut].rstrip()) + ELLIPSIS


def _grapheme_safe_cut(text: str, index: int) -> int:
    """Move a cut at `index` left until it does not split an obvious grapheme cluster.

    Python strings hold code points, so surrogate pairs can never be split. This also keeps
    combining marks, variation selectors, skin tones, ZWJ sequences, tag flags and
    regional-indicator pairs with their base. If nothing but joiners precede `index`, the
    original cut is kept so the result still fits.
    """
    cut = index
    while 0 < cut < len(text) and (_extends_previous(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    if 0 < cut < len(text) and _is_regional_indicator(text[cut]):
        run = 0
        while cut - run > 0 and _is_regional_indicator(text[cut - run - 1]):
            run += 1
        cut -= run % 2  # an odd run before the cut means the cut splits a flag
    return cut if cut > 0 else index


def _extends_previous(char: str) -> bool:
    """True for code points that attach to the character before them."""
    code = ord(char)
    return (
        unicodedata.category(char).startswith("M")  # combining, spacing and enclosing marks
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF  # variation selectors supplement
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
    )


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn a stranger's bare "@here", "#general" or URL into anything;
    # our own <url|label>, <@U…> and <!date…> strings are still honoured.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def slack_date(moment: datetime) -> str:
    """Slack shows this in each reader's own time zone; the fallback is UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    fallback = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def slack_time(epoch: float, preposition: str = "") -> str:
    """A time of day every reader sees in their own time zone (UTC in the fallback)."""
    fallback = datetime.fromtimestamp(epoch, UTC).strftime("%H:%M UTC")
    stamp = f"<!date^{int(epoch)}^{{time}}|{fallback}>"
    return f"{preposition} {stamp}" if preposition else stamp
