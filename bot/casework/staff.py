"""Who is acting on a case or on the templates, and whether they may (guests and outsiders not)."""

from __future__ import annotations

import structlog
from slack_sdk.errors import SlackApiError

from bot.casework.people import cached_home_team, cached_person, home_team, person
from bot.domain.acting import acting_refusal
from bot.domain.permissions import Person
from bot.services import Services

log = structlog.get_logger()

NOT_FOUND = "Earshot could not look you up in Slack; try again in a minute."


def acting_person(services: Services, user_id: str, what: str) -> tuple[Person | None, str | None]:
    """(the person, None) when they may do `what`; (…, why not) otherwise. Never raises for Slack
    trouble: that is a refusal to try again, and nothing is changed."""
    try:
        someone = person(services, user_id) if user_id else None
        team = home_team(services) if someone is not None else ""
    except (SlackApiError, OSError) as error:
        log.warning("acting_person_failed", user=user_id, error=repr(error))
        return None, NOT_FOUND
    if someone is None:
        return None, NOT_FOUND
    return someone, acting_refusal(someone, team, what)


def acting_person_cached(
    services: Services, user_id: str, what: str
) -> tuple[Person | None, str | None] | None:
    """As acting_person, from the caches alone, for deciding before an ack (inline form errors)
    without a Slack call; None when that would need one (then ack first and ask after)."""
    if not user_id:
        return None, NOT_FOUND
    someone, team = cached_person(services, user_id), cached_home_team(services)
    if someone is None or team is None:
        return None
    return someone, acting_refusal(someone, team, what)
