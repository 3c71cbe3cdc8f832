"""One post, one card: every source that matched a post is listed on its single card.

Ingest adds each source (mentions timeline, /track rule) that offers a post to the post's sources
set, and when a new source offers a post that was already seen it appends an `update` entry to
the inbox. Delivery places a card from the whole set; if the set grows after the card is out,
the card is re-rendered in place (chat.update), never posted twice.
"""

from __future__ import annotations

from collections.abc import Callable

import redis
import structlog
from redis.exceptions import LockError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.casework.cards import show_case
from bot.domain.mention import Mention
from bot.store import keys
from bot.store.cases import CaseStore

log = structlog.get_logger()

# Given a mention and every source that matched its post, the channel its card goes to and the
# mention as the card shows it (every rule listed, priority marks).
Placement = Callable[[Mention, frozenset[str]], tuple[str, Mention]]

PENDING = "rules_update_pending"  # case field: the stored rules are not on the card yet
# A card that is gone for good: nothing left to update.
GONE = {"message_not_found", "channel_not_found", "is_archived", "cant_update_message"}


class MatchMerger:
    def __init__(self, client: redis.Redis, slack: WebClient, place: Placement, tier: str) -> None:
        self.client, self.slack, self.place, self.tier = client, slack, place, tier
        self.cases = CaseStore(client)

    def sources(self, mention: Mention) -> frozenset[str]:
        """Every source that offered this post (items from before the set existed: their own)."""
        found = frozenset(str(s) for s in self.client.smembers(keys.post_sources(mention.post_id)))
        return found or frozenset(mention.rules)

    def placed(self, mention: Mention) -> tuple[str, Mention]:
        return self.place(mention, self.sources(mention))

    def refresh(self, post_id: str) -> bool:
        """Bring a posted card up to date with the post's sources. True when done (or there is
        nothing left to do); False when Slack asked to wait, so the caller retries later.
        The caller holds the post's delivery lock."""
        found = self.cases.get(post_id)
        if found is None:
            return True
        case, shown = found
        sources = frozenset(str(s) for s in self.client.smembers(keys.post_sources(post_id)))
        if not sources:
            return True  # a post from before sources were kept: nothing to merge
        _channel, carded = self.place(shown, sources)
        pending = bool(self.client.hexists(keys.case(post_id), PENDING))
        same = (carded.rules, carded.rule_labels, carded.marks) == (
            shown.rules,
            shown.rule_labels,
            shown.marks,
        )
        if same and not pending:
            return True
        # Stored first, so whoever re-renders the card next (a claim, a reply) shows the new
        # rules; the pending mark makes a retry update Slack even though the store is current.
        self.client.hset(keys.case(post_id), mapping={"mention": carded.to_json(), PENDING: "1"})
        try:
            show_case(self.client, self.slack, self.tier, case, carded)
        except SlackApiError as error:
            code = str(error.response.get("error", ""))
            log.warning("card_rules_update_failed", post_id=post_id, error=code)
            return code in GONE
        except (OSError, LockError) as error:
            log.warning("card_rules_update_failed", post_id=post_id, error=repr(error))
            return False
        self.client.hdel(keys.case(post_id), PENDING)
        log.info("card_rules_updated", post_id=post_id, rules=list(carded.rules))  # ids
        return True
