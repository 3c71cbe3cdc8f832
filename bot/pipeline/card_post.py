"""Post one mention's card to Slack, fenced, and find it again when a crash left it in doubt.

Right before every chat.postMessage the intent (channel, time) is written under the item lock's
fencing token, in one atomic step: a worker whose lock was taken over never posts. The card
carries the post id in its message metadata, so whoever picks up an item with an intent looks
for the card in that channel before posting again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
import structlog
from redis.exceptions import LockError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.card import card_fallback_text, card_metadata, render_card
from bot.casework.cards import card_of, find_message, own_card
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.slack_refusal import Refusal, classify
from bot.pipeline.pacing import ChannelPacer
from bot.store import keys
from bot.store.connection import read_hash
from bot.store.health import Health
from bot.store.lease import ItemLock
from bot.store.metrics import Metrics
from bot.store.rights import revoked_rights

log = structlog.get_logger()

INTENT_TTL_SECONDS = 7 * 24 * 3600
MAX_RATE_LIMIT_RETRIES = 5


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message other than a card (a follow-up in its case's thread): what to post, and the
    thread it goes in. Its metadata must carry the post id, to be found again."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    thread_ts: str | None = None


class DeliveryPostponed(Exception):
    """The item stays pending and is retried later; `reason` says why."""


class CardRefused(Exception):
    """Slack refused the card with an error it does not document: counts as a failed attempt."""


class ItemRefused(Exception):
    """Slack will never accept this card as it is (invalid_blocks, msg_too_long...)."""


class CardPoster:
    def __init__(
        self,
        client: redis.Redis,
        slack: WebClient,
        pacer: ChannelPacer,
        tier: str,
        channel_hold_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client, self.slack, self.pacer, self.tier = client, slack, pacer, tier
        self.channel_hold_seconds, self.clock = channel_hold_seconds, clock
        self.metrics, self.health = Metrics(client), Health(client)
        self._slack_problem = False

    def post_once(
        self, mention: Mention, channel: str, lock: ItemLock, outgoing: Outgoing | None = None
    ) -> tuple[str, str]:
        """(channel, ts) of the mention's one message (its card, or `outgoing`): found from an
        earlier try, or posted now."""
        intent = read_hash(self.client, keys.intent(mention.post_id))
        thread_ts = outgoing.thread_ts if outgoing else None
        if intent:
            since = float(intent["at"])
            found = self._find_posted(mention.post_id, intent["channel"], since, thread_ts)
            if found is not None:
                log.info("card_reconciled", post_id=mention.post_id, channel=intent["channel"])
                return intent["channel"], found
        if self.client.exists(keys.channel_down(channel)):
            raise DeliveryPostponed(f"channel {channel} unusable, waiting before retrying")
        return channel, self._post(channel, mention, lock, outgoing or self._card(mention))

    def _card(self, mention: Mention) -> Outgoing:
        return Outgoing(
            text=card_fallback_text(mention),
            blocks=render_card(mention, None, self.tier, revoked_rights(self.client)),
            metadata=card_metadata(mention),
        )

    def _post(self, channel: str, mention: Mention, lock: ItemLock, outgoing: Outgoing) -> str:
        return self.post_fenced(channel, [(mention.post_id, lock)], outgoing)

    def post_fenced(
        self,
        channel: str,
        fences: Sequence[tuple[str, ItemLock]],
        outgoing: Outgoing,
        intent_extra: dict[str, str] | None = None,
    ) -> str:
        """Post one message for the posts in `fences` (one card, or a group of them), each
        post's intent written under its lock's fence right before: the ts, or raises."""
        post_ids = [post_id for post_id, _lock in fences]
        for _attempt in range(MAX_RATE_LIMIT_RETRIES):
            self.pacer.wait_for_slot(channel)
            # The fence: from here on the post may happen, and only the locks' holder gets here.
            intent = {"channel": channel, "at": f"{self.clock():.3f}", **(intent_extra or {})}
            for post_id, lock in fences:
                lock.fenced_hset(keys.intent(post_id), intent, INTENT_TTL_SECONDS)
            try:
                response = self.slack.chat_postMessage(
                    channel=channel,
                    thread_ts=outgoing.thread_ts,
                    text=outgoing.text,
                    blocks=outgoing.blocks,
                    metadata=outgoing.metadata,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as error:
                self._on_slack_error(channel, post_ids, error)
                continue
            except OSError as error:  # timeout or connection loss: the post may have happened
                raise DeliveryPostponed(f"Slack unreachable ({type(error).__name__})") from None
            ts = response.get("ts")
            if not isinstance(ts, str) or not ts:
                # Not Slack's documented answer: the card may exist, so the intent stays.
                raise CardRefused(f"Slack answered without a message ts ({ts!r:.40})")
            if self._slack_problem:
                self.health.ok("slack")
                self._slack_problem = False
            return ts
        raise DeliveryPostponed("Slack kept rate limiting")

    def _on_slack_error(self, channel: str, post_ids: Sequence[str], error: SlackApiError) -> None:
        """Returns only for a 429 (post again after the hold); raises for everything else."""
        status = error.response.status_code
        code = str(error.response.get("error", ""))
        refusal = classify(status, code)
        if refusal is Refusal.RATE_LIMITED:
            retry_after = float(error.response.headers.get("Retry-After", 1) or 1)
            self.metrics.incr("slack_429")
            self.pacer.hold(channel, retry_after)
            log.info("slack_rate_limited", channel=channel, retry_after=retry_after)
            return
        if refusal is not Refusal.IN_DOUBT:
            # Slack said no: nothing posted
            self.client.delete(*(keys.intent(post_id) for post_id in post_ids))
        if refusal is Refusal.CHANNEL:
            hold = max(1, int(self.channel_hold_seconds))
            self.client.set(keys.channel_down(channel), code, ex=hold)
            self.health.problem(f"slack:{channel}", channel_advice(channel, code))
        elif refusal is Refusal.AUTH:
            self.health.problem(
                "slack", f"Slack refused the bot token ({code}): check SLACK_BOT_TOKEN"
            )
        self._slack_problem = True
        log.error("card_post_failed", post_ids=post_ids, channel=channel, error=code, kind=refusal)
        if refusal is Refusal.ITEM:
            raise ItemRefused(f"Slack refused the card for good ({code})")
        if refusal is Refusal.UNKNOWN:
            raise CardRefused(f"Slack refused the card ({code or f'HTTP {status}'})")
        raise DeliveryPostponed(code or f"HTTP {status}")

    def _find_posted(
        self, post_id: str, channel: str, since: float, thread_ts: str | None
    ) -> str | None:
        """Look for our message in the channel's recent history, or in the thread it went to
        (only for in-doubt items)."""
        found = self.find(channel, since, thread_ts, card_of(post_id))
        return found[0] if found is not None else None

    def find(
        self,
        channel: str,
        since: float,
        thread_ts: str | None,
        match: Callable[[dict[str, Any]], bool],
    ) -> tuple[str, dict[str, Any]] | None:
        try:
            return find_message(self.slack, channel, since, thread_ts, match)
        except (SlackApiError, OSError) as error:
            raise DeliveryPostponed(f"could not check history: {error!r}") from None

    def own_card(self, case: Case) -> Case:
        """The case with its own card, so its thread is its own (a grouped case gets one)."""
        try:
            return own_card(self.client, self.slack, self.tier, case, self.pacer.wait_for_slot)
        except (SlackApiError, OSError, LockError) as error:
            raise DeliveryPostponed(f"could not give the case its own card: {error!r}") from None


def channel_advice(channel: str, code: str) -> str:
    if code == "not_in_channel":
        return f"Earshot is not in <#{channel}>: invite the app with /invite @Earshot"
    if code == "is_archived":
        return f"<#{channel}> is archived: unarchive it or set SLACK_MENTIONS_CHANNEL"
    return f"channel {channel} not found ({code}): check SLACK_MENTIONS_CHANNEL"
