"""Reply drafts: what is sent (text + signature), whether it may be sent, and its identity."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from urllib.parse import urlencode

from bot.domain.bluesky_text import POST_BYTES, POST_GRAPHEMES, post_length
from bot.domain.mastodon_text import DEFAULT_MAX_CHARACTERS, status_length
from bot.domain.network import BLUESKY, MASTODON, X
from bot.domain.post_length import MAX_POST_LENGTH, check_post


def compose(text: str, signature: str = "") -> str:
    """The public text: the draft, trimmed, with the sender's signature appended."""
    body = text.strip()
    return f"{body} {signature}" if signature and body else body


def draft_problem(
    text: str,
    *,
    handle: str,
    signature: str = "",
    earlier: Collection[str] = (),
    network: str = X,
    limit: int = DEFAULT_MAX_CHARACTERS,
) -> str | None:
    """Why this draft cannot be sent, in words for the reply field; None when it can.
    `limit`: the instance's max_characters, for a Mastodon reply."""
    body = text.strip()
    if not body or body.lower() == f"@{handle}".lower():
        return "Write a reply first: the text is empty."
    final = compose(body, signature)
    with_sig = " including your signature" if signature else ""
    if network == BLUESKY:
        too_long = _bluesky_too_long(final, with_sig)
    elif network == MASTODON:
        too_long = _mastodon_too_long(final, with_sig, limit)
    else:
        too_long = _x_too_long(final, with_sig)
    if too_long is not None:
        return too_long
    if normalize(final) in {normalize(t) for t in earlier}:
        refuses = "X refuses duplicates" if network == X else "a second one would look robotic"
        return f"This exact text was already sent to this post; {refuses}. Reword it."
    return None


def _x_too_long(final: str, with_sig: str) -> str | None:
    check = check_post(final)
    if check.valid:
        return None
    over = check.weighted_length - MAX_POST_LENGTH
    return (
        f"Too long for X: {check.weighted_length}/{MAX_POST_LENGTH}{with_sig} "
        f"(CJK characters and emoji count 2, links 23). Cut {over}."
    )


def _mastodon_too_long(final: str, with_sig: str, limit: int) -> str | None:
    length = status_length(final)
    if length <= limit:
        return None
    return (
        f"Too long for this Mastodon server: {length}/{limit}{with_sig} (links count 23). "
        f"Cut {length - limit}."
    )


def _bluesky_too_long(final: str, with_sig: str) -> str | None:
    """Bluesky counts what a reader sees as one character (an emoji, a flag: one), and no
    more than 3,000 bytes of UTF-8 however few characters."""
    length = post_length(final)
    if length.fits:
        return None
    if length.graphemes > POST_GRAPHEMES:
        over = length.graphemes - POST_GRAPHEMES
        shown = f"{length.graphemes}/{POST_GRAPHEMES} characters{with_sig}"
        return f"Too long for Bluesky: {shown}. Cut {over}."
    shown = f"{length.bytes}/{POST_BYTES} bytes{with_sig}"
    return f"Too long for Bluesky: {shown} (its byte limit). Cut some text."


def normalize(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip())


_URL = re.compile(r"https?://\S+")


def same_reply_text(sent: str, shown: str) -> bool:
    """Is `shown` (a post's text as X renders it) the reply we sent as `sent`? X rewrites every
    link as a t.co link, so links compare as equal whatever they point to."""

    def key(text: str) -> str:
        return " ".join(_URL.sub("<link>", normalize(text)).split())

    return key(sent) == key(shown)


def draft_hash(post_id: str, text: str) -> str:
    """The idempotency key of one draft for one post: same post + same text = same send."""
    return hashlib.sha256(f"{post_id}\n{normalize(text)}".encode()).hexdigest()[:32]


def intent_url(post_id: str, text: str) -> str:
    """X's web intent for a manual reply with the text filled in."""
    return "https://x.com/intent/post?" + urlencode({"in_reply_to": post_id, "text": text.strip()})


def signature_for(real_name: str, template: str) -> str:
    """E.g. template "^{initials}" and "Ada Lovelace" -> "^AL". Empty template -> no signature."""
    if not template:
        return ""
    initials = "".join(part[0] for part in real_name.split() if part[:1].isalpha()).upper()
    return template.replace("{initials}", initials[:3] or "?").strip()
