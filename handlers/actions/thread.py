"""The Thread button of a case shown in a group message: the case gets its own card, whose
thread is where the team drafts and talks about it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.casework.cards import case_thread, load_case
from bot.services import Services
from handlers.actions.reply import UNKNOWN_CASE, tell

NO_CARD = "Slack would not take the case's own card just now: try *Thread* again in a minute."


def open_thread(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    ack()
    services: Services = context["services"]
    user_id, post_id = body["user"]["id"], str(body["actions"][0].get("value", ""))
    found = load_case(services, post_id)
    if found is None:
        tell(services, body, user_id, UNKNOWN_CASE)
        return
    case = case_thread(services, found[0])
    if case is None:
        tell(services, body, user_id, NO_CARD)
        return
    where = f"<{case.card_link}|its own card>" if case.card_link else "its own card"
    tell(services, body, user_id, f"This case has {where} now: talk it over in that thread.")


def register(app: App) -> None:
    app.action("open_thread")(guarded(open_thread))
