"""The card's Mute author 24 h / Unmute author buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.casework.cards import load_case
from bot.casework.mutes import mute_case_author, unmute_case_author
from bot.casework.people import person, refusal_to_send
from bot.services import Services
from handlers.actions.reply import UNKNOWN_CASE, tell


def mute_or_unmute(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Anyone who may answer customers may mute one for a day (guests and outsiders not)."""
    ack()
    services: Services = context["services"]
    action = body["actions"][0]
    user_id, post_id = body["user"]["id"], str(action.get("value", ""))
    found = load_case(services, post_id)
    if found is None:
        tell(services, body, user_id, UNKNOWN_CASE)
        return
    refusal = refusal_to_send(services, user_id)
    who = person(services, user_id)
    if refusal is not None or who is None:
        tell(services, body, user_id, refusal or "Earshot could not look you up in Slack.")
        return
    case, mention = found
    if mention.is_dm:
        tell(services, body, user_id, "Direct messages are never muted: answer or resolve them.")
        return
    change = mute_case_author if action["action_id"] == "mute_author" else unmute_case_author
    tell(services, body, user_id, change(services, case, mention, who))


def register(app: App) -> None:
    app.action("mute_author")(guarded(mute_or_unmute))
    app.action("unmute_author")(guarded(mute_or_unmute))
