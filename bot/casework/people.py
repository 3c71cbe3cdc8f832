"""Who is acting: Slack users (cached briefly), our home team, and who may send replies."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.domain.permissions import Person, sending_refusal
from bot.services import Services
from bot.store.keys import PREFIX

log = structlog.get_logger()
CACHE_SECONDS = 600


def person(services: Services, user_id: str) -> Person | None:
    """users.info, cached 10 minutes in Redis; None when Slack does not know the user."""
    key = f"{PREFIX}:person:{user_id}"
    cached = services.redis.get(key)
    if cached:
        return Person(**json.loads(str(cached)))
    try:
        user: dict[str, Any] = services.slack.users_info(user=user_id)["user"]
    except SlackApiError as error:
        log.warning("users_info_failed", user=user_id, error=error.response.get("error"))
        return None
    found = Person.from_slack(user)
    services.redis.set(key, json.dumps(asdict(found)), ex=CACHE_SECONDS)
    return found


def cached_person(services: Services, user_id: str) -> Person | None:
    """The person from the users.info cache alone (None: not cached; nothing asks Slack)."""
    cached = services.redis.get(f"{PREFIX}:person:{user_id}")
    return Person(**json.loads(str(cached))) if cached else None


def cached_home_team(services: Services) -> str | None:
    """Our team id from the auth.test cache alone (None: not cached)."""
    cached = services.redis.get(f"{PREFIX}:home-team")
    return str(cached) if cached else None


def home_team(services: Services) -> str:
    key = f"{PREFIX}:home-team"
    cached = services.redis.get(key)
    if cached:
        return str(cached)
    team = str(services.slack.auth_test().get("team_id", ""))
    services.redis.set(key, team, ex=CACHE_SECONDS)
    return team


def group_members(services: Services, groups: list[str]) -> frozenset[str]:
    members: set[str] = set()
    for group in groups:
        key = f"{PREFIX}:group:{group}"
        cached = services.redis.get(key)
        if cached:
            members.update(json.loads(str(cached)))
            continue
        try:
            users: list[str] = list(
                services.slack.usergroups_users_list(usergroup=group).get("users", [])
            )
        except SlackApiError as error:
            log.warning("usergroup_failed", group=group, error=error.response.get("error"))
            continue
        services.redis.set(key, json.dumps(users), ex=CACHE_SECONDS // 2)
        members.update(users)
    return frozenset(members)


def refusal_to_send(services: Services, user_id: str) -> str | None:
    """Why this person may not send a public reply (None: they may)."""
    someone = person(services, user_id)
    if someone is None:
        return "Earshot could not look you up in Slack; try again in a minute."
    groups = services.settings.reply_allowed_groups
    allowed = group_members(services, groups) if groups else None
    return sending_refusal(someone, home_team(services), allowed)


def is_approver(services: Services, user_id: str) -> bool:
    group = services.settings.reply_approvers_group
    return group is not None and user_id in group_members(services, [group])
