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
