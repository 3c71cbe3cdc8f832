"""Settings: the only place the environment is read; every problem is one line naming the fix."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.store.connection import SENTINEL_SCHEME, parse_sentinel_url

CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
USERGROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")

# The longest report window (30 days) plus the day in progress: reports read per-case clocks.
MIN_CASE_RETENTION_DAYS = 31

XAccessTier = Literal["self-serve", "enterprise"]


class SettingsError(Exception):
    """Raised with one human line per problem; never carries a secret value."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_base_url: str = "https://slack.com/api/"
    slack_mentions_channel: str | None = None
    slack_escalation_channel: str | None = None
    # Where a DM from someone with no case becomes a card (unset: the mentions channel).
    slack_dm_channel: str | None = None
    x_api_base_url: str = "https://api.twitter.com"
    x_bearer_token: SecretStr | None = None
    x_api_key: SecretStr | None = None
    x_api_secret: SecretStr | None = None
    x_access_token: SecretStr | None = None
    x_access_token_secret: SecretStr | None = None
    x_access_tier: XAccessTier = "self-serve"
    # Unset: each timeline is polled as often as its rate limit allows (bot/domain/poll_pace.py).
    x_poll_interval_seconds: float | None = Field(default=None, gt=0)
    # GET /2/dm_events allows 15 requests per 15 minutes per user: at most one a minute.
    x_dm_poll_interval_seconds: float = Field(default=60.0, ge=60)
    # Bluesky (optional): the brand account's handle and an app password (Settings > App
    # passwords), on its PDS (bsky.social for accounts Bluesky hosts).
    bluesky_handle: str | None = None
    bluesky_app_password: SecretStr | None = None
    bluesky_service_url: str = "https://bsky.social"
    bluesky_poll_interval_seconds: float = Field(default=10.0, ge=2)
    # Mastodon (optional): the instance and an access token of the brand's account (a token
    # made in Preferences > Development, with read and write scopes).
    mastodon_base_url: str | None = None
    mastodon_access_token: SecretStr | None = None
    mastodon_poll_interval_seconds: float = Field(default=10.0, ge=2)
    redis_url: str = "redis://localhost:6379/0"
    port: int = Field(default=3000, ge=0, le=65535)
    log_format: Literal["auto", "json", "console"] = "auto"
    # Replies (issue: anyone answers from Slack).
    reply_allowed_groups: Annotated[list[str], NoDecode] = Field(default_factory=list)
    reply_approvers_group: str | None = None
    reply_signature: str = ""
    claim_minutes: float = Field(default=15.0, gt=0)
    escalation_webhook_url: str | None = None
    escalation_webhook_secret: SecretStr | None = None
    escalation_webhook_max_attempts: int = Field(default=10, ge=1, le=50)
    escalation_webhook_retry_seconds: float = Field(default=5.0, gt=0)
    # /track: the user group (ID) allowed to change rules; unset = everyone.
    track_admin_group: str | None = None
    # Advanced knobs, documented in the README; the defaults are what production wants.
    slack_channel_interval_ms: int = Field(default=1000, ge=0)
    delivery_retry_seconds: float = Field(default=10.0, gt=0)
    # Failed deliveries (an unexpected error, a card Slack refuses) before the dead list.
    delivery_max_attempts: int = Field(default=5, ge=1, le=100)
    # Data lifecycle (bot/store/retention.py): per-case keys, and the audit trail (may be longer).
    case_retention_days: float = Field(default=180.0, gt=0)
    audit_retention_days: float = Field(default=400.0, gt=0)
    # Direct messages (Move to DM): their text lives this long, whatever the case's retention.
    dm_retention_days: float = Field(default=30.0, gt=0)
    dm_template: str = "Hi {first_name}, could you send us your order number here? Thank you!"
    # The optional AI helper (off unless AI_BASE_URL and AI_MODEL are set): an OpenAI-compatible
    # chat-completions server that refines a post's kind and suggests a reply draft.
    ai_base_url: str | None = None
    ai_api_key: SecretStr | None = None
    ai_model: str | None = None

    @field_validator("reply_allowed_groups", mode="before")
    @classmethod
    def _split_groups(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    def metadata_key(self) -> bytes:
        """Key that signs modal private_metadata (derived: never the secret itself)."""
        secret = self.slack_signing_secret or self.slack_bot_token
        seed = secret.get_secret_value() if secret else "earshot"
        return hashlib.sha256(b"earshot-modal-metadata:" + seed.encode()).digest()

    def secret_values(self) -> list[str]:
        """Every configured secret, so the log redactor can scrub them wherever they appear."""
        secrets = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.x_bearer_token,
            self.x_api_key,
            self.x_api_secret,
            self.x_access_token,
            self.x_access_token_secret,
            self.escalation_webhook_secret,
            self.ai_api_key,
            self.bluesky_app_password,
            self.mastodon_access_token,
        ]
        return [s.get_secret_value() for s in secrets if s is not None and s.get_secret_value()]

    @property
    def bluesky_configured(self) -> bool:
        return bool(self.bluesky_handle) and _present(self.bluesky_app_password)

    @property
    def mastodon_configured(self) -> bool:
        return bool(self.mastodon_base_url) and _present(self.mastodon_access_token)

    @property
    def x_configured(self) -> bool:
        """Every X credential is set (X is optional once another network is configured)."""
        return not self._x_problems()

    def problems(self) -> list[str]:
        """What is missing or malformed, one line each: the variable, what is wrong, the fix."""
        return self._slack_problems() + self._network_problems() + self._other_problems()

    def _network_problems(self) -> list[str]:
        """X's credentials, unless X is left out entirely beside another network; Bluesky's
        when half of them are set."""
        x_untouched = not any(_present(value) for _name, value in self._x_credentials())
        other_network = self.bluesky_configured or self.mastodon_configured
        found = [] if other_network and x_untouched else self._x_problems()
        if bool(self.bluesky_handle) != _present(self.bluesky_app_password):
            missing = "BLUESKY_APP_PASSWORD" if self.bluesky_handle else "BLUESKY_HANDLE"
            found.append(
                f"{missing} is not set: Bluesky needs the account's handle and an app password "
                "(bsky.app > Settings > Privacy and security > App passwords)"
            )
        if not self.bluesky_service_url.startswith(("http://", "https://")):
            found.append("BLUESKY_SERVICE_URL must be an http(s) URL, e.g. https://bsky.social")
        return found + self._mastodon_problems()

    def _mastodon_problems(self) -> list[str]:
        if bool(self.mastodon_base_url) != _present(self.mastodon_access_token):
            missing = "MASTODON_ACCESS_TOKEN" if self.mastodon_base_url else "MASTODON_BASE_URL"
            return [
                f"{missing} is not set: Mastodon needs the instance's URL and an access token "
                "of the brand's account (Preferences > Development > New application)"
            ]
        if self.mastodon_base_url and not self.mastodon_base_url.startswith(
            ("http://", "https://")
        ):
            return ["MASTODON_BASE_URL must be an http(s) URL, e.g. https://mastodon.social"]
        return []

    def _slack_problems(self) -> list[str]:
        found = _token_problem(
            "SLACK_BOT_TOKEN",
            self.slack_bot_token,
            "xoxb-",
            "the Bot User OAuth Token from the app's OAuth & Permissions page",
        )
        if self.slack_app_token is not None:
            found += _token_problem(
                "SLACK_APP_TOKEN",
                self.slack_app_token,
                "xapp-",
                "an app-level token with connections:write, or unset it",
            )
        elif not _present(self.slack_signing_secret):
            found.append(
                "SLACK_SIGNING_SECRET is not set: copy the Signing Secret from the "
                "app's Basic Information page (or set SLACK_APP_TOKEN for Socket Mode)"
            )
        found += _channel_problem(
            "SLACK_MENTIONS_CHANNEL", self.slack_mentions_channel, required=True
        )
        found += _channel_problem(
            "SLACK_ESCALATION_CHANNEL", self.slack_escalation_channel, required=False
        )
        found += _channel_problem("SLACK_DM_CHANNEL", self.slack_dm_channel, required=False)
        return found

    def _x_credentials(self) -> tuple[tuple[str, SecretStr | None], ...]:
        return (
            ("X_BEARER_TOKEN", self.x_bearer_token),
            ("X_API_KEY", self.x_api_key),
            ("X_API_SECRET", self.x_api_secret),
            ("X_ACCESS_TOKEN", self.x_access_token),
            ("X_ACCESS_TOKEN_SECRET", self.x_access_token_secret),
        )

    def _x_problems(self) -> list[str]:
        return [
            f"{name} is not set: copy it from the X developer portal (your app > Keys and tokens)"
            for name, value in self._x_credentials()
            if not _present(value)
        ]

    def _other_problems(self) -> list[str]:
        found = [
            f"{name} must be an http(s) URL, e.g. https://slack.com/api/"
            for name, url in (
                ("SLACK_API_BASE_URL", self.slack_api_base_url),
                ("X_API_BASE_URL", self.x_api_base_url),
                ("ESCALATION_WEBHOOK_URL", self.escalation_webhook_url or "https://"),
            )
            if not url.startswith(("http://", "https://"))
        ]
        groups = [*self.reply_allowed_groups]
        if self.reply_approvers_group:
            groups.append(self.reply_approvers_group)
        found += [
            f"REPLY_ALLOWED_GROUPS / REPLY_APPROVERS_GROUP: {group!r} is not a user group ID "
            "(like S0123ABCD): find it in the group's URL"
            for group in groups
            if not USERGROUP_ID.match(group)
        ]
        if self.track_admin_group and not USERGROUP_ID.match(self.track_admin_group):
            found.append(
                f"TRACK_ADMIN_GROUP={self.track_admin_group!r} is not a user group ID (like "
                "S0123ABCD): find it in the group's URL, or unset it to let everyone change rules"
            )
        if self.escalation_webhook_url and not _present(self.escalation_webhook_secret):
            found.append(
                "ESCALATION_WEBHOOK_SECRET is not set: set a long random string so the "
                "receiver can verify ESCALATION_WEBHOOK_URL calls"
            )
        found += _ai_problems(self.ai_base_url, self.ai_model)
        found += _redis_url_problem(self.redis_url)
        found += _retention_problems(self.case_retention_days, self.audit_retention_days)
        return found


def _retention_problems(case_days: float, audit_days: float) -> list[str]:
    found: list[str] = []
    if case_days < MIN_CASE_RETENTION_DAYS:
        found.append(
            f"CASE_RETENTION_DAYS={case_days:g} is too short: /earshot report looks back "
            f"{MIN_CASE_RETENTION_DAYS - 1} days, so keep cases at least "
            f"{MIN_CASE_RETENTION_DAYS} days (default 180)"
        )
    if audit_days < case_days:
        found.append(
            f"AUDIT_RETENTION_DAYS={audit_days:g} is shorter than CASE_RETENTION_DAYS="
            f"{case_days:g}: keep the audit trail at least as long as the cases it explains"
        )
    return found


def _redis_url_problem(url: str) -> list[str]:
    if url.startswith(f"{SENTINEL_SCHEME}://"):
        try:
            parse_sentinel_url(url)
        except ValueError as error:
            return [f"REDIS_URL is not a valid Sentinel URL: {error}"]
        return []
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return [
            "REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://, "
            "redis+sentinel://host:26379/service/0)"
        ]
    return []


def _present(value: SecretStr | None) -> bool:
    return value is not None and bool(value.get_secret_value().strip())


def _token_problem(name: str, value: SecretStr | None, prefix: str, where: str) -> list[str]:
    if not _present(value):
        return [f"{name} is not set: use {where}"]
    assert value is not None
    if not value.get_secret_value().startswith(prefix):
        return [f"{name} does not start with {prefix}: use {where}"]
    return []


def _channel_problem(name: str, value: str | None, *, required: bool) -> list[str]:
    if not value:
        return (
            [
                f"{name} is not set: use a channel ID like C0123ABCD "
                "(channel details > About, at the bottom)"
            ]
            if required
            else []
        )
    if not CHANNEL_ID.match(value):
        return [f"{name}={value!r} is not a channel ID: use the ID (like C0123ABCD), not the #name"]
    return []


def load_settings(**overrides: object) -> Settings:
    """Read the environment (and .env); raise SettingsError with one line per problem."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError([_describe(item) for item in error.errors()]) from None
    problems = settings.problems()
    if problems:
        raise SettingsError(problems)
    return settings


def _describe(item: object) -> str:
    detail = item if isinstance(item, dict) else {}
    location = detail.get("loc") or ("?",)
    name = str(location[0]).upper()
    return f"{name} is invalid: {detail.get('msg', 'bad value')}"


def _ai_problems(base_url: str | None, model: str | None) -> list[str]:
    if base_url and not base_url.startswith(("http://", "https://")):
        return ["AI_BASE_URL must be an http(s) URL, e.g. https://api.openai.com/v1"]
    if bool(base_url) != bool(model):
        return [
            "AI_BASE_URL and AI_MODEL go together: set both to turn the AI helper on "
            "(e.g. AI_MODEL=gpt-4o-mini), or neither to leave it off"
        ]
    return []
