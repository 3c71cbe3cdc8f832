"""X rights the account turned out not to have (a 403 said so): their buttons stay hidden."""

from __future__ import annotations

from typing import cast

import redis

from bot.store import keys


def revoked_rights(client: redis.Redis) -> frozenset[str]:
    return frozenset(cast(set[str], client.smembers(keys.REVOKED_RIGHTS)))


def revoke_right(client: redis.Redis, right: str) -> None:
    client.sadd(keys.REVOKED_RIGHTS, right)
