"""Who may change /track rules, and whether Earshot can post in a rule's channel."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.casework.staff import acting_person
from bot.services import Services
from bot.store import keys

log = structlog.get_logger()

ADMINS_CACHE_SECONDS = 60
WHAT = "add, change, pause or remove /track rules, the budget or the VIP authors"
READS = "`/track list`, `/track test` and `/track stats` still work for you."


@dataclass(frozen=True, slots=True)
class ChannelCheck:
    problem: str | None = None  # mrkdwn, shown to the person as is
    joined: bool = False


def change_refusal(services: Services, user: str) -> str | None:
    """Why `user` may not change rules, the budget or VIPs (mrkdwn), or None. Guests and people
    from other organisations never may, whatever TRACK_ADMIN_GROUP says (the same check as
    casework); then everyone may when no group is set, else only its members (a group Slack
    cannot list refuses everyone)."""
    _someone, refusal = acting_person(services, user, WHAT)
    if refusal is not None:
        return f"{refusal} {READS}"
    group = services.settings.track_admin_group
    if not group:
        return None
    cached = services.redis.get(keys.TRACK_ADMINS)
    if cached:
        members = set(json.loads(str(cached)))
    else:
        try:
            reply: Any = services.slack.usergroups_users_list(usergroup=group)
        except SlackApiError as error:
            code = error.response.get("error", "error")
            log.warning("track_admin_group_failed", group=group, error=code)
            return (
                f"Earshot could not check who may change /track rules (Slack said `{code}` for "
                "TRACK_ADMIN_GROUP). Ask whoever runs Earshot to check that setting."
            )
        members = {str(member) for member in reply.get("users") or []}
        services.redis.set(keys.TRACK_ADMINS, json.dumps(sorted(members)), ex=ADMINS_CACHE_SECONDS)
    if user in members:
        return None
    return (
        f"Only members of <!subteam^{group}> can add, change or remove /track rules. "
        "Anyone can `/track list`, `/track test` and `/track stats`; ask a member to make the "
        "change."
    )


def prepare_channel(services: Services, channel: str) -> ChannelCheck:
    """Make sure cards can land in `channel`: join it if public, else say what to do."""
    invite = (
        f"invite Earshot there first (in <#{channel}>: `/invite @Earshot`), then run the "
        "command again."
    )
    try:
        info: Any = services.slack.conversations_info(channel=channel)
    except SlackApiError as error:
        code = str(error.response.get("error", "error"))
        if code == "channel_not_found":
            return ChannelCheck(
                f"Earshot cannot see <#{channel}>. If it is a private channel, {invite}"
            )
        return ChannelCheck(
            f"Slack would not let Earshot check <#{channel}> (`{code}`). Try again."
        )
    found = info.get("channel") or {}
    if found.get("is_archived"):
        return ChannelCheck(f"<#{channel}> is archived: pick a channel that is in use.")
    if found.get("is_member"):
        return ChannelCheck()
    if found.get("is_private"):
        return ChannelCheck(f"<#{channel}> is private and Earshot is not in it: {invite}")
    try:
        services.slack.conversations_join(channel=channel)
    except SlackApiError as error:
        code = str(error.response.get("error", "error"))
        return ChannelCheck(f"Earshot could not join <#{channel}> (`{code}`): {invite}")
    log.info("track_channel_joined", channel=channel)
    return ChannelCheck(joined=True)
