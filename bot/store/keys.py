"""Redis key names in one place. The shared hash tag keeps multi-key scripts Cluster-safe."""

from __future__ import annotations

PREFIX = "{earshot}"

INBOX = f"{PREFIX}:inbox"  # stream of mentions waiting for a card
DEAD = f"{PREFIX}:dead"  # stream of items that can never be delivered (malformed)
DELIVER_GROUP = "deliver"
METRICS = f"{PREFIX}:metrics"
HEALTH = f"{PREFIX}:health"


def seen(post_id: str) -> str:
    return f"{PREFIX}:seen:{post_id}"


def checkpoint(source: str) -> str:
    return f"{PREFIX}:checkpoint:{source}"


def lease(source: str) -> str:
    return f"{PREFIX}:lease:{source}"


def case(post_id: str) -> str:
    return f"{PREFIX}:case:{post_id}"


def intent(post_id: str) -> str:
    return f"{PREFIX}:intent:{post_id}"


def delivery_lock(post_id: str) -> str:
    return f"{PREFIX}:lock:{post_id}"


def worker_alive(consumer: str) -> str:
    return f"{PREFIX}:alive:{consumer}"


def channel_pace(channel: str) -> str:
    return f"{PREFIX}:pace:{channel}"


def channel_down(channel: str) -> str:
    return f"{PREFIX}:down:{channel}"


def card_index(channel: str, ts: str) -> str:
    """channel + message ts -> post id: finds the case from a message in the card's thread."""
    return f"{PREFIX}:card:{channel}:{ts}"


def claim(post_id: str) -> str:
    return f"{PREFIX}:claim:{post_id}"


def replies(post_id: str) -> str:
    """Texts already sent as replies to the post (refuses an identical second reply)."""
    return f"{PREFIX}:replies:{post_id}"


def send_key(post_id: str, draft_hash: str) -> str:
    """Idempotency record of one draft for one post."""
    return f"{PREFIX}:send:{post_id}:{draft_hash}"


def sending(post_id: str) -> str:
    """Held while a reply to the post is in flight: one send per case at a time."""
    return f"{PREFIX}:sending:{post_id}"


def draft(post_id: str, user: str) -> str:
    return f"{PREFIX}:draft:{post_id}:{user}"


def audit(post_id: str) -> str:
    return f"{PREFIX}:audit:{post_id}"


REVOKED_RIGHTS = f"{PREFIX}:x:revoked"  # X rights a 403 showed the account lacks
