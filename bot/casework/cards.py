"""Keep a case's card and thread in step with its state."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import redis
import structlog
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.card import card_fallback_text, render_card
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.services import Services
from bot.store.cases import CaseStore
from bot.store.conversations import Conversations
from bot.store.dms import DmStore
from bot.store.rights import revoked_rights

log = structlog.get_logger()

RATE_LIMIT_TRIES = 4
MAX_RATE_LIMIT_WAIT = 10.0


def load_case(services: Services, post_id: str) -> tuple[Case, Mention] | None:
    return services.cases.get(post_id) if post_id.isdigit() else None


def load_reply_target(services: Services, post_id: str) -> tuple[Case, Mention] | None:
    """The case and the post a reply answers: the case's own post, or one of the customer's
    follow-ups threaded into it (their Reply buttons carry the follow-up's id)."""
    found = load_case(services, post_id)
    if found is not None or not post_id.isdigit():
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
    case, mention = found
    if mention.is_dm:  # the text lives with the DM retention, not in the case
        kept = DmStore(client).first_text(post_id)
        mention = replace(mention, text=kept if kept is not None else "(message no longer kept)")
    blocks = render_card(mention, case, tier, revoked_rights(client))
    try:
        slack.chat_update(
            channel=case.channel, ts=case.ts, text=card_fallback_text(mention), blocks=blocks
        )
    except (SlackApiError, OSError) as error:
        log.warning("card_update_failed", post_id=post_id, error=repr(error))
        return False
    return True


def permalink(slack: WebClient, channel: str, ts: str) -> str | None:
    """A link to a Slack message (a card, its thread); None when Slack will not say (logged)."""
    try:
        link = slack.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except (SlackApiError, OSError) as error:
        log.info("permalink_failed", channel=channel, error=repr(error)[:120])
        return None
    return str(link) if link else None


def say_in_thread(services: Services, case: Case, text: str) -> None:
    """A message in the card's thread (staff see what happened where they talk about it)."""
    try:
        post_message(services.slack, channel=case.channel, thread_ts=case.ts, text=text)
    except (SlackApiError, OSError) as error:
        log.warning("thread_message_failed", post_id=case.post_id, error=repr(error))


def post_message(slack: WebClient, **message: Any) -> Any:
    """chat.postMessage that waits out Slack's 429s (Retry-After, a few times, briefly): a
    note in a busy channel's thread arrives late rather than not at all."""
    for attempt in range(RATE_LIMIT_TRIES):
        try:
            return slack.chat_postMessage(unfurl_links=False, **message)
        except SlackApiError as error:
            if error.response.status_code != 429 or attempt == RATE_LIMIT_TRIES - 1:
                raise
            wait = float(error.response.headers.get("Retry-After", 1) or 1)
            time.sleep(min(wait, MAX_RATE_LIMIT_WAIT))
    raise AssertionError("unreachable")
