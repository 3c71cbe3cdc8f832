"""Which social network a post lives on: how a card names it, how its links and ids look.

A case's key names its network. X post ids stay bare digits, so every case stored before other
networks existed keeps its key; a post on another network is "<prefix>:<that network's own
id>" (Bluesky: `bsky:at://did:plc:…/app.bsky.feed.post/<rkey>`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

X, BLUESKY, MASTODON = "x", "bluesky", "mastodon"

_X_ID = re.compile(r"^\d{1,20}$")
# at://<did>/app.bsky.feed.post/<rkey>: a DID (did:plc:… or did:web:…) and a record key.
_BLUESKY_URI = re.compile(
    r"^at://did:[a-z]+:[A-Za-z0-9._:%-]{1,200}/app\.bsky\.feed\.post/[A-Za-z0-9._~:-]{1,512}$"
)
BLUESKY_PREFIX = "bsky:"
MASTODON_PREFIX = "mstdn:"
_MASTODON_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")  # ids are opaque strings (numeric today)


@dataclass(frozen=True, slots=True)
class Network:
    key: str
    name: str  # as a card and a message name it
    icon: str  # Slack emoji (or a character) shown beside the name


NETWORKS = {
    X: Network(X, "X", "\N{MATHEMATICAL DOUBLE-STRUCK CAPITAL X}"),
    BLUESKY: Network(BLUESKY, "Bluesky", ":butterfly:"),
    MASTODON: Network(MASTODON, "Mastodon", ":elephant:"),
}


def network_of(post_id: str) -> Network:
    """The network a post id belongs to (X for bare digits, and for anything unprefixed)."""
    if post_id.startswith(BLUESKY_PREFIX):
        return NETWORKS[BLUESKY]
    if post_id.startswith(MASTODON_PREFIX):
        return NETWORKS[MASTODON]
    return NETWORKS[X]


def is_post_id(value: str) -> bool:
    """Does `value` look like a post id Earshot made (an X id, or a prefixed one)?"""
    if value.startswith(BLUESKY_PREFIX):
        return bool(_BLUESKY_URI.match(value[len(BLUESKY_PREFIX) :]))
    if value.startswith(MASTODON_PREFIX):
        return bool(_MASTODON_ID.match(value[len(MASTODON_PREFIX) :]))
    return bool(_X_ID.match(value))


def mastodon_post_id(status_id: str) -> str:
    return f"{MASTODON_PREFIX}{status_id}"


def mastodon_status_id(post_id: str) -> str:
    if not post_id.startswith(MASTODON_PREFIX):
        raise ValueError(f"not a Mastodon post id: {post_id[:80]!r}")
    return post_id[len(MASTODON_PREFIX) :]


def bluesky_post_id(uri: str) -> str:
    return f"{BLUESKY_PREFIX}{uri}"


def bluesky_uri(post_id: str) -> str:
    if not post_id.startswith(BLUESKY_PREFIX):
        raise ValueError(f"not a Bluesky post id: {post_id[:80]!r}")
    return post_id[len(BLUESKY_PREFIX) :]


def bluesky_web_url(uri: str, handle: str) -> str:
    """bsky.app's page for a post: /profile/<handle>/post/<rkey>."""
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"


def new_tid(micros: int, clock_id: int) -> str:
    """An AT Protocol TID (the record key of a post): 53 bits of microseconds since the epoch
    and 10 bits of clock id, base32-sortable, 13 characters."""
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
