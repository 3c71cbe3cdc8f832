"""Card buttons besides Reply: Claim (and take over), Like, Repost and their undo."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.text import slack_time
from bot.casework.cards import load_case, refresh_card
from bot.casework.engage import like_post, repost_post
from bot.casework.people import person, refusal_to_send
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.permissions import Person
from bot.services import Services
from handlers.actions.reply import UNKNOWN_CASE, tell


def claim_case(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """ "I'm on it": a claim with an expiry; someone else's claim is shown, with Take over."""
    ack()
    _claim(context["services"], body, force=False)


def take_over(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    _claim(context["services"], body, force=True)


def _claim(services: Services, body: dict[str, Any], *, force: bool) -> None:
    user_id, post_id = body["user"]["id"], str(body["actions"][0].get("value", ""))
    found = load_case(services, post_id)
    if found is None:
        tell(services, body, user_id, UNKNOWN_CASE)
        return
    case, _mention = found
    ttl = services.settings.claim_minutes * 60
    holder = services.cases.claim(post_id, user_id, ttl, force=force)
    if holder != user_id:
        since = f" since {slack_time(case.claimed_at)}" if case.claimed_at else ""
        _tell_with_takeover(services, body, user_id, post_id, f"<@{holder}> is on it{since}.")
        return
    refresh_card(services, post_id)


def _tell_with_takeover(
    services: Services, body: dict[str, Any], user_id: str, post_id: str, text: str
) -> None:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": "claim_takeover",
        "value": post_id,
        "text": {"type": "plain_text", "text": "Take over"},
    }
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
        {"type": "actions", "elements": [button]},
    ]
    tell(services, body, user_id, text, blocks=blocks)


def engage(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Like / Unlike / Repost / Undo repost: public actions, so the same rights as sending."""
    ack()
    services: Services = context["services"]
    action_id = body["actions"][0]["action_id"]
    acting = acting_on_case(services, body)
    if acting is None:
        return
    case, _mention, who = acting
    act = like_post if action_id in ("like", "unlike") else repost_post
    problem = act(services, case, who, undo=action_id.startswith("un"))
    if problem is not None:
        tell(services, body, who.id, problem)


def acting_on_case(services: Services, body: dict[str, Any]) -> tuple[Case, Mention, Person] | None:
    """The clicked card's case and the person, when they may act on it in public; otherwise
    they are told why (ephemeral) and None is returned."""
    user_id, post_id = body["user"]["id"], str(body["actions"][0].get("value", ""))
    found = load_case(services, post_id)
    if found is None:
        tell(services, body, user_id, UNKNOWN_CASE)
        return None
    refusal = refusal_to_send(services, user_id)
    who = person(services, user_id)
    if refusal is not None or who is None:
        tell(services, body, user_id, refusal or "Earshot could not look you up in Slack.")
        return None
    return found[0], found[1], who


def register(app: App) -> None:
    app.action("claim")(guarded(claim_case))
    app.action("claim_takeover")(guarded(take_over))
    for action_id in ("like", "unlike", "repost", "unrepost"):
        app.action(action_id)(guarded(engage))
