"""The Mastodon poller: the brand's mentions, read forward from the checkpoint, into the inbox.

Notification ids grow; a round asks for the page right after the checkpoint (`min_id`), ingests
it and moves the checkpoint to its newest id in the same atomic step, then asks again until a
page comes back short: a burst of any size is read without a gap, and a failure stops where
the last complete page ended. The first start begins at "now".
"""

from __future__ import annotations

import structlog

from bot.pipeline.network_poll import NetworkPoller
from bot.services import Services
from bot.sources.mastodon import PAGE_LIMIT, MastodonSource

log = structlog.get_logger()

SOURCE = "mastodon:mentions"
HEALTH = "mastodon"
MAX_PAGES_PER_ROUND = 20
EMPTY = "0"  # no notification at the first start: everything after is new


class MastodonPoller(NetworkPoller[MastodonSource]):
    source_name, network = SOURCE, HEALTH

    @classmethod
    def for_worker(
        cls, services: Services, source: MastodonSource
    ) -> NetworkPoller[MastodonSource]:
        return cls.build(services, source, services.settings.mastodon_poll_interval_seconds)

    def account(self) -> str:
        return f"Mastodon {self.source.base_url}"

    def _round(self) -> None:
        checkpoint = self.ingest.checkpoint(SOURCE)
        if checkpoint is None:
            page = self.source.mentions_after(None)
            present = [mention for _id, mention in page if mention is not None]
            self.ingest.start_at(SOURCE, present, page[0][0] if page else EMPTY)
            log.info("mastodon_mentions_start", checkpoint=page[0][0] if page else EMPTY)
            return
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.mentions_after(checkpoint)  # EMPTY ("0"): from the first one
            if not page:
                return
            mentions = [mention for _id, mention in page if mention is not None]
            checkpoint = page[0][0]  # the newest of the page: everything up to it is in
            self.ingest.ingest(SOURCE, mentions, checkpoint)
            if len(page) < PAGE_LIMIT:
                return
        log.warning("mastodon_paging_capped", pages=MAX_PAGES_PER_ROUND)
