"""The services object handed to handlers and workers: store, X, Slack client, clock."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import redis
from slack_sdk import WebClient

from bot.config import Settings
from bot.sources.ai import AiConfig, AiHelper
from bot.sources.bluesky import BlueskySource
from bot.sources.mastodon import MastodonSource
from bot.sources.x import XSource
from bot.store.cases import CaseStore
from bot.store.connection import connect
from bot.store.health import Health
from bot.store.metrics import Metrics
from bot.store.retention import Retention, bind_retention


def slack_client(settings: Settings) -> WebClient:
    """A WebClient on SLACK_API_BASE_URL with a timeout and NO automatic retries: a retried
    chat.postMessage whose first attempt did reach Slack would post twice. Callers retry."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    base = settings.slack_api_base_url.rstrip("/") + "/"
    return WebClient(token=token, base_url=base, timeout=10, retry_handlers=[])


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    slack: WebClient
    clock: Callable[[], float] = time.time
    consumer: str = field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    )

    @cached_property
    def x(self) -> XSource:
        return XSource(self.settings)

    @cached_property
    def bluesky(self) -> BlueskySource | None:
        """The Bluesky account; None unless BLUESKY_HANDLE and BLUESKY_APP_PASSWORD are set."""
        s = self.settings
        if not s.bluesky_configured or s.bluesky_app_password is None or not s.bluesky_handle:
            return None
        password = s.bluesky_app_password.get_secret_value()
        return BlueskySource(s.bluesky_handle, password, s.bluesky_service_url)

    @cached_property
    def mastodon(self) -> MastodonSource | None:
        """The Mastodon account; None unless MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN are set."""
        s = self.settings
        if not s.mastodon_base_url or s.mastodon_access_token is None:
            return None
        return MastodonSource(s.mastodon_base_url, s.mastodon_access_token.get_secret_value())

    @cached_property
    def ai(self) -> AiHelper | None:
        """The optional AI helper; None unless AI_BASE_URL and AI_MODEL are set."""
        s = self.settings
        if not (s.ai_base_url and s.ai_model):
            return None
        key = s.ai_api_key.get_secret_value() if s.ai_api_key else None
        return AiHelper(AiConfig(base_url=s.ai_base_url, api_key=key, model=s.ai_model))

    @cached_property
    def cases(self) -> CaseStore:
        return CaseStore(self.redis)

    @cached_property
    def metrics(self) -> Metrics:
        return Metrics(self.redis)

    @cached_property
    def health(self) -> Health:
        return Health(self.redis)


def build_services(settings: Settings, client: redis.Redis | None = None) -> Services:
    store = client if client is not None else connect(settings.redis_url)
    retention = Retention.from_days(settings.case_retention_days, settings.audit_retention_days)
    bind_retention(store, retention)
    return Services(settings=settings, redis=store, slack=slack_client(settings))
