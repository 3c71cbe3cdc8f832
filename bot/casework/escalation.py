"""Escalate a case: a card in the escalation channel, the on-call person pinged, the case marked,
an audit entry, and (when configured) a signed webhook queued for the worker to deliver."""

from __future__ import annotations

import json
import time

import redis
import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.escalation import escalation_message
from bot.casework.cards import refresh_card, say_in_thread
from bot.casework.notices import UNKNOWN_CASE
from bot.domain.case import Case, CaseStatus
from bot.domain.escalation import SEVERITIES, EscalationForm, escalation_status_note
from bot.domain.mention import Mention
from bot.domain.permissions import Person
from bot.domain.resolution import RESOLVABLE_FROM
from bot.domain.webhook import webhook_body
from bot.oncall.paging import page_oncall
from bot.pipeline.pacing import ChannelPacer
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.oncall import OncallStore, current_oncall
from bot.store.outbox import Outbox

log = structlog.get_logger()

CHANNEL_PROBLEMS = {
    "channel_not_found": "Earshot cannot see <#{c}> (a private channel it was not invited to, or "
    "a deleted one). Invite it with `/invite @Earshot` or choose another channel.",
    "not_in_channel": "Earshot is not a member of <#{c}>. Invite it with `/invite @Earshot`, or "
    "choose another channel.",
    "is_archived": "<#{c}> is archived. Choose another channel.",
    "ratelimited": "Slack asked Earshot to slow down. Try again in a minute.",
    "network": "Earshot could not reach Slack. Try again in a minute.",
}


def oncall_teams(services: Services) -> list[str]:
    """Teams that have an on-call rotation (issue 6), for the modal's team picker."""
    try:
        return sorted(rotation.team for rotation in OncallStore(services.redis).rotations())
    except (redis.RedisError, ValueError, AttributeError):
        log.exception("oncall_teams_failed")
        return []


def oncall_for(services: Services, team: str) -> str | None:
    """Slack user id of whoever is on call for `team` now, to mention on the escalation card
    (None: no team or no rotation: the channel alone is alerted)."""
    if not team:
        return None
    try:
        return current_oncall(services.redis, team, services.clock())
    except (redis.RedisError, ValueError):
        log.exception("oncall_lookup_failed", team=team)
        return None


def _page(services: Services, form: EscalationForm, who: Person, link: str, post_id: str) -> None:
    """Page the team's on-call person directly (issue 6's page_oncall: a DM with Acknowledge);
    the escalation stands if the page fails, since the card in the channel already mentions them."""
    if not form.team:
        return
    text = (
        f"{SEVERITIES[form.severity]} escalation for {form.team} from <@{who.id}>: "
        f"<{link}|see the escalation>"
    )
    try:
        page_oncall(services, form.team, text, post_id=post_id)
    except (SlackApiError, OSError, redis.RedisError) as error:
        log.warning("oncall_page_failed", team=form.team, post_id=post_id, error=repr(error))


def escalate_case(
    services: Services, post_id: str, who: Person, form: EscalationForm
) -> str | None:
    """Escalate; None when done, else what to tell the person (nothing was changed)."""
    found = services.cases.get(post_id)
    if found is None:
        return UNKNOWN_CASE
    case, mention = found
    if case.status not in RESOLVABLE_FROM:
        return "This case is resolved. Reopen it first if it needs escalating."
    card_link = permalink(services, case.channel, case.ts)
    oncall = oncall_for(services, form.team)
    text, blocks = escalation_message(
        mention, form, by=who.id, card_permalink=card_link, oncall=oncall
    )
    pacer = ChannelPacer(services.redis, services.settings.slack_channel_interval_ms)
    pacer.wait_for_slot(form.channel)  # the channel also gets cards and on-call alerts
    try:
        posted = services.slack.chat_postMessage(
            channel=form.channel, text=text, blocks=blocks, unfurl_links=False
        )
    except (SlackApiError, OSError) as error:
        code = str(error.response.get("error")) if isinstance(error, SlackApiError) else "network"
        log.warning("escalation_post_failed", post_id=post_id, channel=form.channel, error=code)
        default = f"Slack refused the escalation ({code}). Try again in a minute."
        return "Nothing was escalated. " + CHANNEL_PROBLEMS.get(code, default).format(
            c=form.channel
        )
    escalation_ts = str(posted["ts"])
    escalation_link = permalink(services, form.channel, escalation_ts)
    note = escalation_status_note(form, _channel_name(services, form.channel))
    changed, _before = services.cases.transition(
        post_id, CaseStatus.ESCALATED, who.id, note, RESOLVABLE_FROM
    )
    AuditLog(services.redis).record(
        post_id,
        "escalated",
        who.id,
        who.real_name,
        channel=form.channel,
        team=form.team or None,
        severity=form.severity,
        note=form.note or None,
        oncall=oncall,
        escalation=escalation_link,
    )
    log.info("case_escalated", post_id=post_id, user=who.id, channel=form.channel)
    refresh_card(services, post_id)
    where = f"<{escalation_link}|escalation>" if escalation_link else "escalation"
    say_in_thread(
        services,
        case,
        f":rotating_light: <@{who.id}> escalated this to <#{form.channel}> "
        f"({SEVERITIES[form.severity]}): see the {where}.",
    )
    _page(services, form, who, escalation_link or mention.url, post_id)
    _queue_webhook(services, case, mention, form, who, (card_link, escalation_link, escalation_ts))
    if not changed:
        return "Escalated, but the case was resolved meanwhile, so its status stays Resolved."
    return None


def permalink(services: Services, channel: str, ts: str) -> str | None:
    try:
        return str(services.slack.chat_getPermalink(channel=channel, message_ts=ts)["permalink"])
    except (SlackApiError, OSError, KeyError) as error:
        log.info("permalink_failed", channel=channel, error=repr(error))
        return None


def _channel_name(services: Services, channel: str) -> str | None:
    try:
        return str(services.slack.conversations_info(channel=channel)["channel"]["name"])
    except (SlackApiError, OSError, KeyError, TypeError) as error:
        log.info("channel_name_failed", channel=channel, error=repr(error))
        return None


def _queue_webhook(
    services: Services,
    case: Case,
    mention: Mention,
    form: EscalationForm,
    who: Person,
    links: tuple[str | None, str | None, str],
) -> None:
    """Queue the ticket webhook (the worker sends it, with retries): never on the ack path."""
    if not services.settings.escalation_webhook_url:
        return
    card_link, escalation_link, escalation_ts = links
    body = webhook_body(
        mention,
        form,
        escalated_by=(who.id, who.real_name),
        slack_permalink=card_link,
        escalation_permalink=escalation_link,
        at=time.time(),
    )
    context = {"post_id": case.post_id, "channel": form.channel, "ts": escalation_ts}
    item_id = Outbox(services.redis).enqueue(json.dumps(body, ensure_ascii=False), context)
    log.info("escalation_webhook_queued", post_id=case.post_id, item=item_id)
