"""The DM poller: customers' direct messages to the brand account, into the inbox.

`GET /2/dm_events` has no since_id: pages come newest first, so a round reads until it meets
the checkpoint (the newest event already taken in), then hands the new MessageCreate events
to ingest (oldest first, deduped in the same Lua step that moves the checkpoint). X allows 15
requests per 15 minutes per user: the poller never runs more often than once a minute, and a
429 waits for the window's reset like any poll. Delivery posts each DM once, into its case's
thread or as a DM card of its own (bot/pipeline/dm_delivery.py).
"""

from __future__ import annotations

import structlog

from bot.domain.mention import Mention, post_id_key
from bot.pipeline.poll import EMPTY_TIMELINE, MAX_PAGES_PER_ROUND, MentionsPoller
from bot.sources.x import DM_EVENTS_ENDPOINT
from bot.store.dm_usage import DmUsage

log = structlog.get_logger()

DMS = "x:dms"
MIN_INTERVAL_SECONDS = 60.0  # 15 requests per 15 minutes per user


class DmPoller(MentionsPoller):
    """Never adaptive: every DM read is billed per event returned, even with nothing new."""

    name = DMS
    endpoint = DM_EVENTS_ENDPOINT
    nominal_limit = 15

    @property
    def usage(self) -> DmUsage:
        return DmUsage(self.health.client)

    def _round(self) -> None:
        checkpoint = self.ingest.checkpoint(DMS)
        if checkpoint is None:  # first start: from now on, no flood of old messages
            page = self.source.dm_events_page(None, max_results=1)
            self.usage.count("reads", page.result_count, self.clock())
            self.ingest.ingest(DMS, [], page.newest_id or EMPTY_TIMELINE)
            log.info("x_dms_start", checkpoint=page.newest_id or EMPTY_TIMELINE)
            return
        after = post_id_key(checkpoint) if checkpoint != EMPTY_TIMELINE else (0, "")
        fresh: list[Mention] = []
        token: str | None = None
        newest: str | None = None
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.dm_events_page(token)
            self.usage.count("reads", page.result_count, self.clock())  # billed per event
            newest = newest or page.newest_id
            fresh += [m for m in page.mentions if post_id_key(m.post_id) > after]
            token = page.next_token
            reached = page.oldest_id is not None and post_id_key(page.oldest_id) <= after
            if reached or not token:
                break
        else:
            log.warning("x_dms_paging_capped", pages=MAX_PAGES_PER_ROUND)
        self.ingest.ingest(DMS, fresh, newest)
