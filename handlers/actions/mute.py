"""The card's Mute author 24 h / Unmute author buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.casework.mutes import mute_case_author, unmute_case_author
from bot.services import Services
from handlers.actions.card import acting_on_case
from handlers.actions.reply import tell


def mute_or_unmute(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Anyone who may answer customers may mute one for a day (guests and outsiders not)."""
    ack()
    services: Services = context["services"]
    acting = acting_on_case(services, body)
    if acting is None:
        return
    case, mention, who = acting
    if mention.is_dm:
        tell(services, body, who.id, "Direct messages are never muted: answer or resolve them.")
        return
    muting = body["actions"][0]["action_id"] == "mute_author"
    change = mute_case_author if muting else unmute_case_author
    tell(services, body, who.id, change(services, case, mention, who))


def register(app: App) -> None:
    app.action("mute_author")(guarded(mute_or_unmute))
    app.action("unmute_author")(guarded(mute_or_unmute))
