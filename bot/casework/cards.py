"""Keep a case's card and thread in step with its state."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import redis
import structlog
from redis.exceptions import LockError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.card import card_fallback_text, card_metadata, render_card
from bot.blocks.text import escape_mrkdwn
from bot.casework.groups import show_group
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.network import is_post_id
from bot.pipeline.pacing import ChannelPacer
from bot.services import Services
from bot.store import keys
from bot.store.cases import CaseStore
from bot.store.conversations import Conversations
from bot.store.dms import DmStore
from bot.store.rights import revoked_rights

log = structlog.get_logger()

RATE_LIMIT_TRIES = 4
MAX_RATE_LIMIT_WAIT = 10.0
HISTORY_PAGES = 10  # how far back a message in doubt is looked for
Pace = Callable[[str], None]  # waits for a channel's next slot
OWN_CARD_INTENT_SECONDS = 7 * 24 * 3600


def load_case(services: Services, post_id: str) -> tuple[Case, Mention] | None:
    return services.cases.get(post_id) if is_post_id(post_id) else None


def load_reply_target(services: Services, post_id: str) -> tuple[Case, Mention] | None:
    """The case and the post a reply answers: the case's own post, or one of the customer's
    follow-ups threaded into it (their Reply buttons carry the follow-up's id)."""
    found = load_case(services, post_id)
    if found is not None or not is_post_id(post_id):
        return found
    followup = Conversations(services.redis).followup(post_id)
    case = services.cases.get(followup.case_id) if followup else None
    if followup is None or case is None:
        return None
    return case[0], followup.mention


def refresh_card(services: Services, post_id: str) -> bool:
    """Re-render the card from the stored case; False (logged) when Slack refused."""
    return update_card(services.redis, services.slack, services.settings.x_access_tier, post_id)


def update_card(client: redis.Redis, slack: WebClient, tier: str, post_id: str) -> bool:
    """Re-render the card from the stored case (for callers without Services: delivery)."""
    found = CaseStore(client).get(post_id)
    if found is None:
        return False
    try:
        show_case(client, slack, tier, *found)
    except (SlackApiError, OSError, LockError) as error:
        log.warning("card_update_failed", post_id=post_id, error=repr(error))
        return False
    return True


def show_case(
    client: redis.Redis, slack: WebClient, tier: str, case: Case, mention: Mention
) -> None:
    """Put the case as it is now on its card, or on the group message that shows it among
    others (re-rendered whole, from the store); raises what Slack or the group's lock said."""
    if case.grouped:
        show_group(client, slack, tier, case.channel, case.ts)
        return
    if mention.is_dm:  # the text lives with the DM retention, not in the case
        kept = DmStore(client).first_text(case.post_id)
        mention = replace(mention, text=kept if kept is not None else "(message no longer kept)")
    blocks = render_card(mention, replace(case, group_ts=None), tier, revoked_rights(client))
    slack.chat_update(
        channel=case.channel, ts=case.ts, text=card_fallback_text(mention), blocks=blocks
    )
    if case.group_ts:  # it left a group for its own card: the group's line shows its status
        try:
            show_group(client, slack, tier, case.channel, case.group_ts)
        except (SlackApiError, OSError, LockError) as error:
            log.info("group_line_update_failed", post_id=case.post_id, error=repr(error)[:120])


def own_card(
    client: redis.Redis, slack: WebClient, tier: str, case: Case, pace: Pace | None = None
) -> Case:
    """The case with a card of its own: a case shown in a group message gets one (posted once,
    even across a crash or two workers at once) before anything goes into its thread, which
    must be its own. Raises what Slack or Redis said."""
    if not case.grouped:
        return case
    store = CaseStore(client)
    with client.lock(keys.own_card_lock(case.post_id), timeout=60, blocking_timeout=30):
        found = store.get(case.post_id)
        if found is None:
            return case
        case, mention = found
        if not case.grouped:
            return case  # someone else gave it one meanwhile
        ts = _post_own_card(client, slack, tier, case, mention, pace)
        link = permalink(slack, case.channel, ts)
        store.record_own_card(case.post_id, case.channel, ts, link)
    try:
        show_group(client, slack, tier, case.channel, case.ts)  # its entry now links the card
    except (SlackApiError, OSError, LockError) as error:
        log.warning("group_update_failed", post_id=case.post_id, error=repr(error))
    return replace(case, ts=ts, card_link=link)


def _post_own_card(
    client: redis.Redis,
    slack: WebClient,
    tier: str,
    case: Case,
    mention: Mention,
    pace: Pace | None,
) -> str:
    intent_key = keys.own_card_intent(case.post_id)
    since = client.hget(intent_key, "at")
    if since is not None:  # an earlier try may have posted it: look before posting again
        found = find_message(slack, case.channel, float(since), None, card_of(case.post_id))
        if found is not None:
            return found[0]
    client.hset(intent_key, "at", f"{time.time():.3f}")
    client.expire(intent_key, OWN_CARD_INTENT_SECONDS)
    single = replace(case, group_ts=None)
    posted = post_message(
        slack,
        pace=pace,
        channel=case.channel,
        text=card_fallback_text(mention),
        blocks=render_card(mention, single, tier, revoked_rights(client)),
        metadata=card_metadata(mention),
        unfurl_media=False,
    )
    return str(posted["ts"])


def card_of(post_id: str) -> Callable[[dict[str, Any]], bool]:
    """Matches the metadata of the post's own card (find_message)."""
    return lambda payload: str(payload.get("post_id")) == post_id


def find_message(
    slack: WebClient,
    channel: str,
    since: float,
    thread_ts: str | None,
    match: Callable[[dict[str, Any]], bool],
) -> tuple[str, dict[str, Any]] | None:
    """The ts and metadata of our message whose metadata `match`es, posted in the channel (or
    the thread) since `since`: how a post left in doubt by a crash or a timeout is found."""
    cursor: str | None = None
    for _page in range(HISTORY_PAGES):
        window: dict[str, Any] = {
            "channel": channel,
            "oldest": f"{since - 5:.6f}",
            "limit": 15,
            "include_all_metadata": True,
            "cursor": cursor,
        }
        page: Any = (
            slack.conversations_replies(ts=thread_ts, **window)
            if thread_ts
            else slack.conversations_history(**window)
        )
        for message in page.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if match(payload):
                return str(message["ts"]), payload
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not page.get("has_more") or not cursor:
            return None
    return None


def permalink(slack: WebClient, channel: str, ts: str) -> str | None:
    """A link to a Slack message (a card, its thread); None when Slack will not say (logged)."""
    try:
        link = slack.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except (SlackApiError, OSError) as error:
        log.info("permalink_failed", channel=channel, error=repr(error)[:120])
        return None
    return str(link) if link else None


def channel_pace(services: Services) -> Pace:
    """The per-channel slot card delivery uses: a note waits for it like a card does."""
    return ChannelPacer(services.redis, services.settings.slack_channel_interval_ms).wait_for_slot


def case_thread(services: Services, case: Case) -> Case | None:
    """The case with a thread of its own (a grouped case gets its own card first); None when
    Slack or Redis would not let that happen now (logged)."""
    try:
        tier = services.settings.x_access_tier
        return own_card(services.redis, services.slack, tier, case, channel_pace(services))
    except (SlackApiError, OSError, LockError) as error:
        log.warning("own_card_failed", post_id=case.post_id, error=repr(error)[:200])
        return None


def say_in_thread(services: Services, case: Case, text: str) -> None:
    """A message in the card's thread (staff see what happened where they talk about it). A
    note on a case in a group message goes to the group's thread, naming the post: resolving
    a hundred cases of a flood must not post a hundred cards."""
    if case.grouped:
        found = services.cases.get(case.post_id)
        who = f"@{found[1].author.username}" if found else case.post_id
        text = f"About {escape_mrkdwn(who)}'s post: {text}"
    try:
        post_message(
            services.slack,
            pace=channel_pace(services),
            channel=case.channel,
            thread_ts=case.ts,
            text=text,
        )
    except (SlackApiError, OSError) as error:
        log.warning("thread_message_failed", post_id=case.post_id, error=repr(error))


def post_message(slack: WebClient, *, pace: Pace | None = None, **message: Any) -> Any:
    """chat.postMessage that waits out Slack's 429s (Retry-After, a few times, briefly): a
    note in a busy channel's thread arrives late rather than not at all. `pace`: wait for the
    channel's slot first, shared with card delivery (bot/pipeline/pacing.py), so a note in a
    flood takes its turn rather than a 429."""
    for attempt in range(RATE_LIMIT_TRIES):
        if pace is not None:
            pace(str(message.get("channel", "")))
        try:
            return slack.chat_postMessage(unfurl_links=False, **message)
        except SlackApiError as error:
            if error.response.status_code != 429 or attempt == RATE_LIMIT_TRIES - 1:
                raise
            wait = float(error.response.headers.get("Retry-After", 1) or 1)
            time.sleep(min(wait, MAX_RATE_LIMIT_WAIT))
    raise AssertionError("unreachable")
