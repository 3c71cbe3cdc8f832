"""How long each per-post key lives, applied in the same MULTI/script that writes the key.

Every key about one post (its case hash, SLA clock, sources, sent reply texts, dedupe marker,
audit trail) expires RETENTION after the case's last activity: each write re-arms the whole
set through `keep_case`, so an active case never loses part of itself. Transient per-post keys
(claim, sending, delivery lock, intent, draft, send idempotency record) carry their own short
TTLs where they are written, all shorter than the case retention.

Dedupe (`seen`) must never expire while X can still hand us the post, or a poll would admit it
again as new and post a second card. Search reaches back 7 days, but the mentions timeline
returns the 800 most recent mentions whatever their age, so no TTL alone is safe. Hence two
rules together: `seen` lives `SEEN_MARGIN_SECONDS` longer than the case retention, and ingest
drops any post created more than the case retention ago (`too_old`). A post whose `seen`
expired was ingested over retention + margin ago, so it was created before that, and is dropped
as too old rather than admitted: the margin covers clock skew between X and us.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime

import redis

from bot.store import keys

DAY = 86_400
SEEN_MARGIN_SECONDS = DAY
DEFAULT_CASE_DAYS = 180.0
DEFAULT_AUDIT_DAYS = 400.0

_CASE_KEYS = (keys.case, keys.sla, keys.post_sources, keys.replies)
# KEYS[i] expires in ARGV[i] seconds.
_EXPIRE_ALL = "for i, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[i]) end return 0"


@dataclass(frozen=True, slots=True)
class Retention:
    case_seconds: int
    audit_seconds: int
    seen_margin_seconds: int = SEEN_MARGIN_SECONDS

    @classmethod
    def from_days(cls, case_days: float, audit_days: float) -> Retention:
        return cls(int(case_days * DAY), int(audit_days * DAY))

    @property
    def seen_seconds(self) -> int:
        return self.case_seconds + self.seen_margin_seconds

    def too_old(self, created_at: datetime, now: float) -> bool:
        """True for a post created before the retention window: never admitted as new."""
        return created_at.timestamp() < now - self.case_seconds

    def keep_case(self, pipe: redis.client.Pipeline, post_id: str) -> None:
        """Queue on `pipe` (the caller's MULTI) the expiry of every per-post key of the case,
        counted from now. EXPIRE on a key that does not exist does nothing, so this is safe to
        call from any write path, whichever keys exist yet. One script rather than six
        EXPIREs: it runs on every case write."""
        names = [key(post_id) for key in _CASE_KEYS] + [keys.seen(post_id), keys.audit(post_id)]
        ttls = [self.case_seconds] * len(_CASE_KEYS) + [self.seen_seconds, self.audit_seconds]
        pipe.eval(_EXPIRE_ALL, len(names), *names, *ttls)


DEFAULT_RETENTION = Retention.from_days(DEFAULT_CASE_DAYS, DEFAULT_AUDIT_DAYS)

# The retention configured for a client (set once by build_services from Settings), so the
# stores that are built from a bare client on every call still apply the configured figures.
_BOUND: weakref.WeakKeyDictionary[redis.Redis, Retention] = weakref.WeakKeyDictionary()


def bind_retention(client: redis.Redis, retention: Retention) -> None:
    _BOUND[client] = retention


def retention_of(client: redis.Redis) -> Retention:
    return _BOUND.get(client, DEFAULT_RETENTION)


def keep_case(client: redis.Redis, post_id: str) -> None:
    """Re-arm the case's expiry in its own MULTI (for write paths that have no pipeline)."""
    with client.pipeline(transaction=True) as pipe:
        retention_of(client).keep_case(pipe, post_id)
        pipe.execute()
