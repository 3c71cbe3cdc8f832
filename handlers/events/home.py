"""The App Home tab: the /track rules, published whenever someone opens it."""

from __future__ import annotations

from typing import Any

import structlog
from slack_bolt import App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.blocks.home import home_view
from bot.services import Services
from bot.store.track_usage import TrackUsage
from bot.store.tracks import TrackStore

log = structlog.get_logger()


def publish_home(
    services: Services, client: WebClient, user: str, notice: str | None = None
) -> None:
    """Render and publish `user`'s Home tab; never raises (logged)."""
    try:
        view = home_view(
            TrackStore(services.redis).all(),
            services.settings.slack_mentions_channel or "",
            TrackUsage(services.redis).budget(),
            notice,
        )
        client.views_publish(user_id=user, view=view)
    except SlackApiError as error:
        log.warning("home_publish_failed", user=user, error=error.response.get("error"))
    except Exception:
        log.exception("home_publish_failed", user=user)


def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home" or not event.get("user"):
        return
    publish_home(context["services"], client, str(event["user"]))


def register(app: App) -> None:
    app.event("app_home_opened")(guarded(home_opened))
