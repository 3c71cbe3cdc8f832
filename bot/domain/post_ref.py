"""A post named by a person: an x.com or twitter.com link, or a bare id."""

from __future__ import annotations

import re

# X ids are 64-bit snowflakes: at most 19 digits today; 20 leaves room without accepting junk.
_BARE_ID = re.compile(r"^\d{1,20}$")
_LINK = re.compile(
    r"^(?:https?://)?(?:www\.|mobile\.)?(?:x|twitter)\.com/"
    r"(?:[A-Za-z0-9_]{1,15}|i(?:/web)?)/status(?:es)?/(\d{1,20})(?:[/?#].*)?$",
    re.IGNORECASE,
)
EXAMPLE = (
    "`/earshot audit https://x.com/acme/status/1790000000000000001` "
    "or `/earshot audit 1790000000000000001`"
)


def parse_post_ref(text: str) -> str | None:
    """The post id in `text`, or None when it is neither a post link nor an id.

    Slack may wrap links in angle brackets (`<https://…>` or `<https://…|label>`) when a slash
    command escapes links; both forms are accepted.
    """
    ref = text.strip()
    if ref.startswith("<") and ref.endswith(">"):
        ref = ref[1:-1].split("|", 1)[0].strip()
    if _BARE_ID.match(ref):
        return ref
    found = _LINK.match(ref)
    return found.group(1) if found else None
