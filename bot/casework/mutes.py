"""Mute an author for a day from one of their cards: their posts go into that card's thread
instead of new cards (nothing is dropped), and the card says so until it runs out."""

from __future__ import annotations

from bot.blocks.text import slack_time
from bot.casework.cards import refresh_card, say_in_thread
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.permissions import Person
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.quiet import mute_author, unmute_author


def mute_case_author(services: Services, case: Case, mention: Mention, who: Person) -> str:
    """Mute the case's author; returns what to tell the person who did it."""
    handle = mention.author.username
    if case.muted_by:
        return f"@{handle} is already muted by <@{case.muted_by}>."
    until = mute_author(services.redis, mention.author.id, case.post_id, who.id, services.clock())
    when = slack_time(until, "until")
    AuditLog(services.redis).record(
        case.post_id, "mute_author", who.id, who.real_name, handle=handle, until=round(until)
    )
    say_in_thread(
        services,
        case,
        f":mute: <@{who.id}> muted @{handle} {when}: their posts go into this thread "
        "instead of new cards.",
    )
    refresh_card(services, case.post_id)
    return f"Muted @{handle} {when}. Their posts will wait in this card's thread."


def unmute_case_author(services: Services, case: Case, mention: Mention, who: Person) -> str:
    handle = mention.author.username
    if not case.muted_by:
        return f"@{handle} is not muted (any more)."
    unmute_author(services.redis, mention.author.id, case.post_id)
    AuditLog(services.redis).record(case.post_id, "unmute_author", who.id, who.real_name)
    say_in_thread(services, case, f":loud_sound: <@{who.id}> unmuted @{handle}.")
    refresh_card(services, case.post_id)
    return f"Unmuted @{handle}: their next posts get cards again."
