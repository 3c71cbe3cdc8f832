"""The Bluesky poller: the brand's mentions, replies and quotes, into the same inbox as X's.

Bluesky has no "since" for notifications: its pages are newest first and the cursor only walks
to older ones. A round reads pages until it meets a notification indexed before the
checkpoint (the newest indexedAt of the last complete round), then ingests what it read in one
step that moves the checkpoint: a round that fails half-way moves nothing, and the next one
reads the same pages again (dedupe drops the repeats). Items indexed at the checkpoint's very
instant are read again too, for the same reason.
"""

from __future__ import annotations

import structlog

from bot.domain.mention import Mention
from bot.pipeline.network_poll import NetworkPoller
from bot.services import Services
from bot.sources.bluesky import BlueskySource

log = structlog.get_logger()

SOURCE = "bluesky:mentions"
HEALTH = "bluesky"
MAX_PAGES_PER_ROUND = 20
EMPTY = "0"  # nothing was there at the first start: everything after is new


class BlueskyPoller(NetworkPoller[BlueskySource]):
    source_name, network = SOURCE, HEALTH

    @classmethod
    def for_worker(cls, services: Services, source: BlueskySource) -> NetworkPoller[BlueskySource]:
        return cls.build(services, source, services.settings.bluesky_poll_interval_seconds)

    def account(self) -> str:
        return f"Bluesky @{self.source.handle}"

    def _round(self) -> None:
        checkpoint = self.ingest.checkpoint(SOURCE)
        if checkpoint is None:  # begin at "now": no flood of history at the first start
            page = self.source.notifications(None)
            start = page.items[0][0] if page.items else EMPTY
            present = [mention for _at, mention in page.items if mention is not None]
            self.ingest.start_at(SOURCE, present, start)
            log.info("bluesky_mentions_start", checkpoint=start)
            return
        collected: list[Mention] = []
        newest: str | None = None
        cursor: str | None = None
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.notifications(cursor)
            newest = newest or (page.items[0][0] if page.items else None)
            fresh = [(at, mention) for at, mention in page.items if at >= checkpoint]
            collected += [mention for _at, mention in fresh if mention is not None]
            cursor = page.cursor
            if len(fresh) < len(page.items) or not cursor:
                break  # reached what the last round read (or the oldest page)
        else:
            log.warning("bluesky_paging_capped", pages=MAX_PAGES_PER_ROUND)
        moved = newest if newest is not None and newest > checkpoint else None
        self.ingest.ingest(SOURCE, collected, moved)
