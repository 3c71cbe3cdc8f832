"""The own-timeline poller: our account's posts, so replies typed in X's own app are seen.

It reads `GET /2/users/:id/tweets` since its checkpoint (an Owned Read: X bills each post
returned, so an empty poll costs nothing), page by page, with the same lease, rate-limit care
and backoff as the mentions poller. Each page is handed to `handle` (oldest first) before the
checkpoint moves, and only once every page of the round was read and handled: a failure reads
the same posts again next round, and handling is idempotent. Nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import structlog

from bot.domain.poll_pace import OWN_TIMELINE_LIMIT
from bot.pipeline.poll import EMPTY_TIMELINE, MAX_PAGES_PER_ROUND, MentionsPoller
from bot.sources.x import OWN_TIMELINE_ENDPOINT
from bot.sources.x_parse import OwnPost
from bot.store import keys

log = structlog.get_logger()

OWN = "x:own"

Handler = Callable[[Sequence[OwnPost]], None]


class HandleLater(Exception):
    """Raised by a handler for a post it cannot settle yet: the round ends there, and the
    checkpoint stays, so the next round reads the post again."""


class OwnTimelinePoller(MentionsPoller):
    name = OWN
    endpoint = OWN_TIMELINE_ENDPOINT
    nominal_limit = OWN_TIMELINE_LIMIT

    def __init__(self, *args: object, handle: Handler, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.handle = handle
        self.after_round: list[Callable[[], None]] = []

    def _round(self) -> None:
        client = self.health.client
        checkpoint = client.get(keys.checkpoint(OWN))
        if checkpoint is None:
            page = self.source.own_posts_page(None, None, max_results=5)
            client.set(keys.checkpoint(OWN), page.newest_id or EMPTY_TIMELINE)
            log.info("x_own_timeline_start", checkpoint=page.newest_id or EMPTY_TIMELINE)
        else:
            since = None if str(checkpoint) == EMPTY_TIMELINE else str(checkpoint)
            try:
                self._catch_up_own(since)
            except HandleLater as later:
                log.info("x_own_timeline_later", post_id=str(later))
                return
        for step in self.after_round:
            step()

    def _catch_up_own(self, since_id: str | None) -> None:
        token: str | None = None
        newest: str | None = None
        for _ in range(MAX_PAGES_PER_ROUND):
            page = self.source.own_posts_page(since_id, token, max_results=100)
            newest = newest or page.newest_id
            self.handle(list(reversed(page.posts)))
            token = page.next_token
            if not token:
                break
        else:
            log.warning("x_own_timeline_paging_capped", pages=MAX_PAGES_PER_ROUND)
        if newest:
            self.health.client.set(keys.checkpoint(OWN), newest)
