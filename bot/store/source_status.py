"""Read every watched source's poll record in a few round trips (for /healthz and alerts)."""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.poll_pace import MENTIONS_LIMIT, planned_interval
from bot.domain.source_status import SourceStatus
from bot.domain.track_rule import MENTIONS_SOURCE, TRACK_PREFIX
from bot.store import keys
from bot.store.metrics import Metrics
from bot.store.source_health import poll_records

MENTIONS_LABEL = "X mentions"
RULE_FIELDS = (
    "status", "active_since", "last_error", "name", "query", "posts_total", "last_poll_at",
)  # fmt: skip
LABEL_LIMIT = 40


def watched_sources(client: redis.Redis, poll_interval: float | None) -> list[SourceStatus]:
    """The mentions timeline and every /track rule that is polled (active or erroring; a
    paused rule is not expected to poll). `poll_interval` is X_POLL_INTERVAL_SECONDS: what a
    source that recorded no interval of its own is expected to keep."""
    base_interval = planned_interval(poll_interval, MENTIONS_LIMIT)
    rule_ids = [str(rule_id) for rule_id in client.zrange(keys.TRACK_DUE, 0, -1)]
    sources = [MENTIONS_SOURCE, *(TRACK_PREFIX + rule_id for rule_id in rule_ids)]
    records = poll_records(client, sources)
    with client.pipeline(transaction=False) as pipe:
        for rule_id in rule_ids:
            pipe.hmget(keys.track_rule(rule_id), RULE_FIELDS)
        rows: list[Any] = pipe.execute()
    mentions = records.get(MENTIONS_SOURCE)
    found = [
        SourceStatus(
            MENTIONS_SOURCE,
            "source:mentions",
            MENTIONS_LABEL,
            mentions.at if mentions else None,
            None,
            (mentions.interval if mentions else None) or base_interval,
            arrivals=Metrics(client).counters()["mentions_ingested"],
        )
    ]
    for rule_id, row in zip(rule_ids, rows, strict=True):
        fields = dict(zip(RULE_FIELDS, row, strict=True))
        if not fields["status"]:
            continue  # removed meanwhile
        record = records.get(TRACK_PREFIX + rule_id)
        shown = fields["name"] or str(fields["query"] or "")[:LABEL_LIMIT]
        found.append(
            SourceStatus(
                TRACK_PREFIX + rule_id,
                f"source:{rule_id}",
                f"/track {rule_id} ({shown})",
                record.at if record else _number(fields["last_poll_at"]),
                _number(fields["active_since"]),
                (record.interval if record else None) or base_interval,
                error=(fields["last_error"] or None) if fields["status"] == "erroring" else None,
                arrivals=int(fields["posts_total"] or 0),
            )
        )
    return found


def _number(value: str | None) -> float | None:
    return float(value) if value else None
