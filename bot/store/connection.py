"""One way to open Redis from settings, with timeouts so a dead Redis never hangs a handler.

Supported topologies: one Redis primary that holds every key. That is a single Redis, a primary
with replicas behind Sentinel (`redis+sentinel://`: the client asks the sentinels for the
current primary and follows a failover), or a managed HA Redis that shows one primary endpoint.
Redis Cluster is not supported: the client is a plain `redis.Redis`, which does not follow
MOVED redirections, and `earshot check` says so when REDIS_URL points at a cluster node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
_TIMEOUTS: dict[str, Any] = {
    "decode_responses": True,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
    "health_check_interval": 30,
}


@dataclass(frozen=True, slots=True)
class SentinelTarget:
    """What a redis+sentinel://[:password@]host:port[,host:port...]/service[/db] URL names."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int
    username: str | None
    password: str | None


def parse_sentinel_url(url: str) -> SentinelTarget:
    """Read a sentinel URL; ValueError names what is missing. The password is the primary's
    (sentinels themselves are reached without one, as in a default Sentinel setup)."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        raise ValueError(f"not a {SENTINEL_SCHEME}:// URL")
    credentials, _, hosts = parts.netloc.rpartition("@")
    sentinels = tuple(_host_port(item) for item in hosts.split(",") if item)
    path = [p for p in parts.path.split("/") if p]
    if not sentinels or not path or len(path) > 2 or (len(path) == 2 and not path[1].isdigit()):
        raise ValueError("use redis+sentinel://host:26379[,host:26379...]/service_name[/db]")
    username, _, password = credentials.partition(":")
    return SentinelTarget(
        sentinels=sentinels,
        service=unquote(path[0]),
        db=int(path[1]) if len(path) == 2 else 0,
        username=unquote(username) or None,
        password=unquote(password) or None,
    )


def _host_port(item: str) -> tuple[str, int]:
    host, colon, port = item.rpartition(":")
    if not colon:
        return item, SENTINEL_PORT
    if not port.isdigit():
        raise ValueError(f"{item!r} is not host:port")
    return host, int(port)


def connect(url: str) -> redis.Redis:
    if url.startswith(f"{SENTINEL_SCHEME}://"):
        target = parse_sentinel_url(url)
        sentinel = Sentinel(  # type: ignore[no-untyped-call]
            list(target.sentinels),
            sentinel_kwargs={"socket_connect_timeout": 3, "socket_timeout": 3},
        )
        primary: redis.Redis = sentinel.master_for(  # type: ignore[no-untyped-call]
            target.service,
            db=target.db,
            username=target.username,
            password=target.password,
            **_TIMEOUTS,
        )
        return primary
    return redis.Redis.from_url(url, **_TIMEOUTS)


def cluster_problem(client: redis.Redis) -> str | None:
    """A sentence for `earshot check` when the server is a Redis Cluster node, else None."""
    try:
        info = client.info("cluster")
    except redis.RedisError:
        return None  # not answering is reported on its own
    if int(info.get("cluster_enabled", 0)) != 1:
        return None
    return (
        "REDIS_URL: points at a Redis Cluster node (cluster_enabled:1); Redis Cluster is not "
        "supported: use a single "
        "Redis, a primary with replicas behind Sentinel (redis+sentinel://host:26379/service), "
        "or a managed Redis with one primary endpoint"
    )


def read_hash(client: redis.Redis, key: str) -> dict[str, str]:
    """HGETALL typed for our decode_responses=True clients."""
    return cast(dict[str, str], client.hgetall(key))


def redis_answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
