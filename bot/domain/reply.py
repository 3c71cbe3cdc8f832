"""Reply drafts: what is sent (text + signature), whether it may be sent, and its identity."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Collection
from urllib.parse import urlencode

from bot.domain.post_length import MAX_POST_LENGTH, check_post


def compose(text: str, signature: str = "") -> str:
    """The public text: the draft, trimmed, with the sender's signature appended."""
    body = text.strip()
    return f"{body} {signature}" if signature and body else body


def draft_problem(
    text: str, *, handle: str, signature: str = "", earlier: Collection[str] = ()
) -> str | None:
    """Why this draft cannot be sent, in words for the reply field; None when it can."""
    body = text.strip()
    if not body or body.lower() == f"@{handle}".lower():
        return "Write a reply first: the text is empty."
    final = compose(body, signature)
    check = check_post(final)
    if not check.valid:
        over = check.weighted_length - MAX_POST_LENGTH
        with_sig = " including your signature" if signature else ""
        return (
            f"Too long for X: {check.weighted_length}/{MAX_POST_LENGTH}{with_sig} "
            f"(CJK characters and emoji count 2, links 23). Cut {over}."
        )
    if normalize(final) in {normalize(t) for t in earlier}:
        return "This exact text was already sent to this post; X refuses duplicates. Reword it."
    return None


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
