"""Delivery: read the inbox through the consumer group and post each mention's card exactly once.

Exactly once across crashes: before posting, an intent (channel, time) is stored; the card carries
the post id in its message metadata; the case record, the stream ack and the intent's removal are
one MULTI. A worker that dies between "posted" and "recorded" leaves an intent behind, and whoever
picks the item up looks for the card in that channel (only for such in-doubt items) before posting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.card import card_fallback_text, card_metadata, render_card
from bot.domain.mention import Mention
from bot.pipeline.merge import MatchMerger, Placement
from bot.pipeline.pacing import ChannelPacer
from bot.store import keys
from bot.store.cases import CaseStore
from bot.store.connection import read_hash
from bot.store.health import Health
from bot.store.lease import release_item_lock, take_item_lock
from bot.store.metrics import Metrics
from bot.store.rights import revoked_rights

log = structlog.get_logger()

# Errors that say the channel itself is unusable until a person fixes it.
CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "restricted_action"}
AUTH_ERRORS = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
INTENT_TTL_SECONDS = 7 * 24 * 3600
LOCK_TTL_MS = 60_000
MAX_RATE_LIMIT_RETRIES = 5


# Called inside the MULTI that records a new case (e.g. to start its SLA clock atomically).
RecordHook = Callable[[redis.client.Pipeline, Mention, str, str], None]


class DeliveryPostponed(Exception):
    """The item stays pending and is retried later; `reason` says why."""


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    consumer: str
    default_channel: str
    retry_seconds: float = 10.0
    batch: int = 10
    tier: str = "self-serve"


class Deliverer:
    def __init__(
        self,
        client: redis.Redis,
        slack: WebClient,
        config: DeliveryConfig,
        pacer: ChannelPacer,
        route: Callable[[Mention], str] | None = None,
        clock: Callable[[], float] = time.time,
        on_recorded: Sequence[RecordHook] = (),
        place: Placement | None = None,
    ) -> None:
        self.client, self.slack, self.config, self.pacer = client, slack, config, pacer
        self.cases, self.metrics, self.health = CaseStore(client), Metrics(client), Health(client)
        self.route = route or (lambda _mention: config.default_channel)
        self.clock = clock
        self.on_recorded = list(on_recorded)
        # `place` (channel and card contents from every source that matched the post) wins
        # over `route`, which only picks a channel.
        self.merger = MatchMerger(client, slack, place, config.tier) if place else None
        self._slack_problem = False

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(keys.INBOX, keys.DELIVER_GROUP, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def run(self, stop: threading.Event) -> None:
        self.ensure_group()
        while not stop.is_set():
            started = time.monotonic()
            try:
                handled = self.step(block_ms=1000, stop=stop)
            except redis.ResponseError as error:
                if not str(error).startswith(("NOGROUP", "UNBLOCKED")):
                    raise
                # The stream or its group vanished (FLUSHDB, failover to an empty replica):
                # recreate the group and go on; the pollers refill what X still has.
                log.warning("delivery_group_recreated", reason=str(error)[:80])
                self.ensure_group()
                continue
            except redis.RedisError as error:  # Redis away: nothing is lost, wait and go on
                log.error("delivery_redis_error", error=repr(error))
                stop.wait(1)
                continue
            if not handled and time.monotonic() - started < 0.05:
                stop.wait(0.2)  # a Redis that ignores BLOCK (the demo's embedded one) must not spin

    def step(self, block_ms: int = 1000, stop: threading.Event | None = None) -> int:
        """Deliver what is reclaimable or new; returns how many entries were handled."""
        entries = self._reclaim() or self._read_new(block_ms)
        for entry_id, fields in entries:
            if stop is not None and stop.is_set():
                break  # leave the rest pending: another worker (or we, later) will reclaim them
            self.deliver(entry_id, fields)
        return len(entries)

    def _reclaim(self) -> list[tuple[str, dict[str, str]]]:
        min_idle = int(self.config.retry_seconds * 1000)
        reply: Any = self.client.xautoclaim(
            keys.INBOX,
            keys.DELIVER_GROUP,
            self.config.consumer,
            min_idle,
            "0-0",
            count=self.config.batch,
        )
        return [(entry_id, fields) for entry_id, fields in reply[1] if fields]

    def _read_new(self, block_ms: int) -> list[tuple[str, dict[str, str]]]:
        reply: Any = self.client.xreadgroup(
            keys.DELIVER_GROUP,
            self.config.consumer,
            {keys.INBOX: ">"},
            count=self.config.batch,
            block=block_ms,
        )
        return [(entry_id, fields) for _stream, items in reply or [] for entry_id, fields in items]

    def deliver(self, entry_id: str, fields: dict[str, str]) -> None:
        if "update" in fields:
            self._merge_update(entry_id, fields["update"])
            return
        try:
            mention = Mention.from_json(fields["mention"])
        except (KeyError, TypeError, ValueError) as error:
            self._dead_letter(entry_id, fields, repr(error))
            return
        if self.cases.exists(mention.post_id):
            self._ack(entry_id)  # delivered before; the ack was what got lost
            return
        if not take_item_lock(self.client, mention.post_id, self.config.consumer, LOCK_TTL_MS):
            return  # a live worker is on it
        try:
            channel, mention = self._placed(mention)
            channel, ts = self._post_once(mention, channel)
            self._record(entry_id, mention, channel, ts)
            if self.merger is not None and not self.merger.refresh(mention.post_id):
                self.client.xadd(keys.INBOX, {"update": mention.post_id})  # try again later
        except DeliveryPostponed as postponed:
            self.metrics.incr("delivery_errors")
            log.warning("card_postponed", post_id=mention.post_id, reason=str(postponed))
        finally:
            release_item_lock(self.client, mention.post_id, self.config.consumer)

    def _placed(self, mention: Mention) -> tuple[str, Mention]:
        if self.merger is None:
            return self.route(mention), mention
        return self.merger.placed(mention)

    def _merge_update(self, entry_id: str, post_id: str) -> None:
        """Another source matched a post already seen: re-render its card if it is out (if not,
        its delivery reads every source, and checks again once recorded)."""
        if self.merger is None or not post_id.isdigit() or not self.cases.exists(post_id):
            self._ack(entry_id)
            return
        if not take_item_lock(self.client, post_id, self.config.consumer, LOCK_TTL_MS):
            return  # left pending: retried once the lock is free
        try:
            if self.merger.refresh(post_id):
                self._ack(entry_id)
        finally:
            release_item_lock(self.client, post_id, self.config.consumer)

    def _post_once(self, mention: Mention, channel: str) -> tuple[str, str]:
        intent = read_hash(self.client, keys.intent(mention.post_id))
        if intent:
            found = self._find_posted_card(mention.post_id, intent["channel"], float(intent["at"]))
            if found is not None:
                log.info("card_reconciled", post_id=mention.post_id, channel=intent["channel"])
                return intent["channel"], found
        if self.client.exists(keys.channel_down(channel)):
            raise DeliveryPostponed(f"channel {channel} unusable, waiting before retrying")
        self.client.hset(
            keys.intent(mention.post_id), mapping={"channel": channel, "at": f"{self.clock():.3f}"}
        )
        self.client.expire(keys.intent(mention.post_id), INTENT_TTL_SECONDS)
        return channel, self._post(channel, mention)

    def _post(self, channel: str, mention: Mention) -> str:
        for _attempt in range(MAX_RATE_LIMIT_RETRIES):
            self.pacer.wait_for_slot(channel)
            try:
                response = self.slack.chat_postMessage(
                    channel=channel,
                    text=card_fallback_text(mention),
                    blocks=render_card(
                        mention, None, self.config.tier, revoked_rights(self.client)
                    ),
                    metadata=card_metadata(mention),
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as error:
                self._on_slack_error(channel, mention, error)
                continue
            except OSError as error:  # timeout or connection loss: the post may have happened
                raise DeliveryPostponed(f"Slack unreachable ({type(error).__name__})") from None
            if self._slack_problem:
                self.health.ok("slack")
                self._slack_problem = False
            return str(response["ts"])
        raise DeliveryPostponed("Slack kept rate limiting")

    def _on_slack_error(self, channel: str, mention: Mention, error: SlackApiError) -> None:
        status = error.response.status_code
        code = str(error.response.get("error", ""))
        if status == 429:
            retry_after = float(error.response.headers.get("Retry-After", 1) or 1)
            self.metrics.incr("slack_429")
            self.pacer.hold(channel, retry_after)
            log.info("slack_rate_limited", channel=channel, retry_after=retry_after)
            return
        # Slack said no: nothing was posted, so the intent is void.
        self.client.delete(keys.intent(mention.post_id))
        if code in CHANNEL_ERRORS:
            self.client.set(
                keys.channel_down(channel), code, ex=max(1, int(self.config.retry_seconds * 3))
            )
            self.health.problem(f"slack:{channel}", _channel_advice(channel, code))
        elif code in AUTH_ERRORS:
            self.health.problem(
                "slack", f"Slack refused the bot token ({code}): check SLACK_BOT_TOKEN"
            )
        self._slack_problem = True
        log.error("card_post_failed", post_id=mention.post_id, channel=channel, error=code)
        raise DeliveryPostponed(code or f"HTTP {status}")

    def _find_posted_card(self, post_id: str, channel: str, since: float) -> str | None:
        """Look for our card in the channel's recent history (only for in-doubt items)."""
        cursor: str | None = None
        for _page in range(10):
            try:
                page: Any = self.slack.conversations_history(
                    channel=channel,
                    oldest=f"{since - 5:.6f}",
                    limit=15,
                    include_all_metadata=True,
                    cursor=cursor,
                )
            except (SlackApiError, OSError) as error:
                raise DeliveryPostponed(f"could not check history: {error!r}") from None
            for message in page.get("messages", []):
                payload = (message.get("metadata") or {}).get("event_payload") or {}
                if str(payload.get("post_id")) == post_id:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None
        return None

    def _record(self, entry_id: str, mention: Mention, channel: str, ts: str) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            self.cases.record_delivery(pipe, mention, channel, ts)
            pipe.delete(keys.intent(mention.post_id))
            pipe.xack(keys.INBOX, keys.DELIVER_GROUP, entry_id)
            pipe.xdel(keys.INBOX, entry_id)
            pipe.hincrby(keys.METRICS, "cards_posted", 1)
            if mention.seen_at:
                self.metrics.observe_lag(max(0.0, self.clock() - mention.seen_at), pipe)
            for hook in self.on_recorded:
                hook(pipe, mention, channel, ts)
            pipe.execute()
        log.info("card_posted", post_id=mention.post_id, channel=channel, ts=ts)

    def _ack(self, entry_id: str) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.xack(keys.INBOX, keys.DELIVER_GROUP, entry_id)
            pipe.xdel(keys.INBOX, entry_id)
            pipe.execute()

    def _dead_letter(self, entry_id: str, fields: dict[str, str], reason: str) -> None:
        log.error("inbox_item_malformed", entry_id=entry_id, reason=reason)
        with self.client.pipeline(transaction=True) as pipe:
            dead: dict[Any, Any] = {**fields, "reason": reason}
            pipe.xadd(keys.DEAD, dead, maxlen=10_000, approximate=True)
            pipe.xack(keys.INBOX, keys.DELIVER_GROUP, entry_id)
            pipe.xdel(keys.INBOX, entry_id)
            pipe.hincrby(keys.METRICS, "malformed_items", 1)
            pipe.execute()


def _channel_advice(channel: str, code: str) -> str:
    if code == "not_in_channel":
        return f"Earshot is not in <#{channel}>: invite the app with /invite @Earshot"
    if code == "is_archived":
        return f"<#{channel}> is archived: unarchive it or set SLACK_MENTIONS_CHANNEL"
    return f"channel {channel} not found ({code}): check SLACK_MENTIONS_CHANNEL"
