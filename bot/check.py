"""`earshot check`: settings are valid (already), and Redis, Slack and each network answer."""

from __future__ import annotations

import sys

from slack_sdk.errors import SlackApiError

from bot.config import Settings
from bot.services import Services, build_services
from bot.sources.bluesky import BlueskyError
from bot.sources.mastodon import MastodonCallError
from bot.sources.x import XError
from bot.store.connection import cluster_problem, redis_answers


def find_problems(settings: Settings) -> list[str]:
    services = build_services(settings)
    problems: list[str] = []
    if not redis_answers(services.redis):
        problems.append(
            f"REDIS_URL: Redis does not answer at {_public(settings.redis_url)}: "
            "start Redis or fix the URL"
        )
    elif cluster := cluster_problem(services.redis):
        problems.append(cluster)
    try:
        services.slack.auth_test()
    except SlackApiError as error:
        problems.append(
            f"SLACK_BOT_TOKEN: Slack refused it ({error.response.get('error')}): "
            "reinstall the app and copy the new token"
        )
    except OSError as error:
        problems.append(
            f"SLACK_API_BASE_URL: Slack is unreachable ({type(error).__name__}): "
            "check the network or the URL"
        )
    problems += _bluesky_problems(services) + _mastodon_problems(services)
    if not settings.x_configured:
        return problems  # X is left out: another network is configured instead
    try:
        services.x.me()
    except XError as error:
        if error.kind in ("unauthorized", "forbidden"):
            problems.append(
                f"X_ACCESS_TOKEN: X refused the credentials ({error.status}): "
                "regenerate the keys and tokens in the X developer portal"
            )
        else:
            problems.append(
                f"X_API_BASE_URL: X did not answer properly ({error.kind}): "
                "check the network or the URL"
            )
    return problems


def _bluesky_problems(services: Services) -> list[str]:
    """The Bluesky account logs in with its app password (one login: the limit is low)."""
    if services.bluesky is None:
        return []
    try:
        services.bluesky.login()
    except BlueskyError as error:
        if error.kind == "unauthorized":
            return [f"BLUESKY_APP_PASSWORD: {error.user_text}"]
        return [
            f"BLUESKY_SERVICE_URL: Bluesky did not answer properly ({error.kind}) for "
            f"{services.settings.bluesky_handle}: check the network, the URL or the handle"
        ]
    finally:
        services.bluesky.close()
    return []


def _mastodon_problems(services: Services) -> list[str]:
    """The Mastodon token is accepted (verify_credentials) and the instance says its limits."""
    source = services.mastodon
    if source is None:
        return []
    try:
        source.me()
        source.limits()
    except MastodonCallError as error:
        if error.kind == "unauthorized":
            return [f"MASTODON_ACCESS_TOKEN: {error.user_text}"]
        return [
            f"MASTODON_BASE_URL: {source.base_url} did not answer properly ({error.kind}): "
            "check the network or the URL"
        ]
    finally:
        source.close()
    return []


def find_warnings(settings: Settings) -> list[str]:
    """What works but should be changed: a public channel receiving customers' DMs; an AI
    helper that is configured but cannot work (Earshot runs without it: no suggestions)."""
    services = build_services(settings)
    ai = services.ai.reachability() if services.ai is not None else None
    return _dm_channel_warnings(services) + ([f"{ai} (the AI helper stays off)"] if ai else [])


def _dm_channel_warnings(services: Services) -> list[str]:
    settings = services.settings
    channel = settings.slack_dm_channel or settings.slack_mentions_channel
    if not channel:
        return []
    try:
        info = services.slack.conversations_info(channel=channel)
    except (SlackApiError, OSError):
        return []  # an unreachable Slack or unknown channel is a problem reported elsewhere
    if (info.get("channel") or {}).get("is_private"):
        return []
    name = "SLACK_DM_CHANNEL" if settings.slack_dm_channel else "SLACK_MENTIONS_CHANNEL"
    return [
        f"{name}: <#{channel}> is public, and customers' direct messages land there: set "
        "SLACK_DM_CHANNEL to a private channel"
    ]


def run_check(settings: Settings) -> int:
    problems = find_problems(settings)
    for line in problems:
        print(f"earshot: {line}", file=sys.stderr)
    for line in [] if problems else find_warnings(settings):
        print(f"earshot: warning: {line}", file=sys.stderr)
    if not problems:
        print("earshot: configuration OK (Redis, Slack and X answer)")
    return 1 if problems else 0


def _public(url: str) -> str:
    """The Redis URL without a password."""
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
