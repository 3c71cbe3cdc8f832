"""The X adapter: tweepy's Client pointed at X_API_BASE_URL with timeouts; pages become Mentions."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import requests
import structlog
import tweepy
from requests.adapters import HTTPAdapter

from bot.config import Settings
from bot.domain.mention import Author
from bot.domain.poll_pace import RateWindow
from bot.sources.x_parse import OwnPage, Page, parse_dm_page, parse_own_page, parse_page

log = structlog.get_logger()

TWEEPY_BASE = "https://api.twitter.com"
TWEET_FIELDS = [
    "author_id",
    "created_at",
    "conversation_id",
    "referenced_tweets",
    "entities",
    "edit_history_tweet_ids",
]
USER_FIELDS = ["name", "username", "public_metrics", "verified", "verified_type"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id"]
SEARCH_ENDPOINT = "tweets/search/recent"  # key of its x-rate-limit-* headers in rate_limits
OWN_TIMELINE_ENDPOINT = "users/tweets"
MENTIONS_ENDPOINT = "users/mentions"
DM_EVENTS_ENDPOINT = "dm_events"
RATE_LIMIT_HEADERS = ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour")

ErrorKind = Literal["rate_limited", "unauthorized", "forbidden", "bad_request", "server", "network"]


class RebasingAdapter(HTTPAdapter):
    """Sends tweepy's requests to `base_url` with a timeout on each (tweepy sets none)."""

    def __init__(self, base_url: str, timeout: tuple[float, float] = (3.05, 20.0)) -> None:
        super().__init__(max_retries=0)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(TWEEPY_BASE):
            request.url = self.base_url + request.url[len(TWEEPY_BASE) :]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class XError(Exception):
    """A failed X call, classified so callers can decide: wait, back off, or tell a person."""

    def __init__(
        self,
        kind: ErrorKind,
        detail: str,
        *,
        status: int | None = None,
        retry_at: float | None = None,
        body: dict[str, Any] | None = None,
        maybe_delivered: bool = False,
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail, self.status = kind, detail, status
        self.retry_at, self.body = retry_at, body or {}
        # A network failure after the request may have reached X (a read timeout, a connection
        # dropped mid-answer): for a write, its outcome is unknown.
        self.maybe_delivered = maybe_delivered


@dataclass(slots=True)
class RateLimit:
    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None


@dataclass
class XSource:
    """Reads (and later writes) X through tweepy; one instance per worker or web process."""

    settings: Settings
    rate_limits: dict[str, RateLimit] = field(default_factory=dict)
    _me: Author | None = None

    def __post_init__(self) -> None:
        s = self.settings
        self.client = tweepy.Client(
            bearer_token=_secret(s.x_bearer_token),
            consumer_key=_secret(s.x_api_key),
            consumer_secret=_secret(s.x_api_secret),
            access_token=_secret(s.x_access_token),
            access_token_secret=_secret(s.x_access_token_secret),
            return_type=requests.Response,
            wait_on_rate_limit=False,
        )
        self.client.session.mount(TWEEPY_BASE, RebasingAdapter(s.x_api_base_url))

    def me(self) -> Author:
        """Our own account (id and @handle), resolved once."""
        if self._me is None:
            body = self.call("users/me", self.client.get_me, user_auth=True)
            data = body.get("data") or {}
            self._me = Author(
                id=str(data["id"]),
                username=str(data["username"]),
                name=str(data.get("name", data["username"])),
            )
        return self._me

    def rate_window(self, endpoint: str) -> RateWindow | None:
        """The endpoint's rate-limit headers as last seen, or None before its first answer."""
        seen = self.rate_limits.get(endpoint)
        if seen is None:
            return None
        return RateWindow(seen.limit, seen.remaining, float(seen.reset) if seen.reset else None)

    def known_me(self) -> Author | None:
        """Our account if already resolved, without asking X (for paths that must not wait)."""
        return self._me

    def mentions_page(
        self, since_id: str | None, pagination_token: str | None, max_results: int = 100
    ) -> Page:
        me = self.me()
        body = self.call(
            MENTIONS_ENDPOINT,
            self.client.get_users_mentions,
            me.id,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=max(5, min(100, max_results)),
            tweet_fields=TWEET_FIELDS,
            user_fields=USER_FIELDS,
            expansions=EXPANSIONS,
            user_auth=True,
        )
        return parse_page(body, me, rules=("mentions",))

    def own_posts_page(
        self, since_id: str | None, pagination_token: str | None, max_results: int = 100
    ) -> OwnPage:
        """One page of our own timeline (GET /2/users/:id/tweets, user auth), newest first:
        replies typed in X's own app show up here."""
        me = self.me()
        body = self.call(
            OWN_TIMELINE_ENDPOINT,
            self.client.get_users_tweets,
            me.id,
            since_id=since_id,
            pagination_token=pagination_token,
            max_results=max(5, min(100, max_results)),
            tweet_fields=["created_at", "conversation_id", "referenced_tweets"],
            user_auth=True,
        )
        return parse_own_page(body)

    def dm_events_page(self, pagination_token: str | None, max_results: int = 100) -> Page:
        """One page of the account's DM events (GET /2/dm_events, user auth), newest first;
        the customers' MessageCreate events come back as Mentions of kind "dm"."""
        me = self.me()
        body = self.call(
            DM_EVENTS_ENDPOINT,
            self.client.get_direct_message_events,
            pagination_token=pagination_token,
            max_results=max(1, min(100, max_results)),
            event_types="MessageCreate",
            dm_event_fields=["id", "event_type", "text", "sender_id", "created_at",
                             "dm_conversation_id"],
            expansions=["sender_id"],
            user_fields=USER_FIELDS,
            user_auth=True,
        )  # fmt: skip
        return parse_dm_page(body, me)

    def search_page(
        self,
        query: str,
        since_id: str | None,
        next_token: str | None,
        max_results: int = 100,
        *,
        start_time: datetime | None = None,
        source: str = "search",
    ) -> Page:
        """One page of recent search (app-only Bearer auth: its own 450/15 min window), newest
        first; each post comes back tagged with `source` as its rule."""
        me = self.me()
        body = self.call(
            SEARCH_ENDPOINT,
            self.client.search_recent_tweets,
            query,
            since_id=since_id,
            next_token=next_token,
            start_time=start_time if since_id is None else None,
            max_results=max(10, min(100, max_results)),
            tweet_fields=TWEET_FIELDS,
            user_fields=USER_FIELDS,
            expansions=EXPANSIONS,
            user_auth=False,
        )
        return parse_page(body, me, rules=(source,))

    def call(self, endpoint: str, method: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """Run one tweepy call; classify failures as XError and remember rate-limit headers."""
        try:
            response: requests.Response = method(*args, **kwargs)
        except tweepy.TooManyRequests as error:
            self._remember(endpoint, error.response)
            reset = self.rate_limits[endpoint].reset or time.time() + 60
            raise XError(
                "rate_limited", "X rate limit reached", status=429, retry_at=reset
            ) from None
        except tweepy.HTTPException as error:
            self._remember(endpoint, error.response)
            raise _classify(error) from None
        except requests.RequestException as error:
            reached = not _never_connected(error)
            raise XError("network", type(error).__name__, maybe_delivered=reached) from None
        self._remember(endpoint, response)
        try:
            parsed: dict[str, Any] = response.json()
        except ValueError:
            raise XError("server", "X answered with a body that is not JSON") from None
        return parsed

    def _remember(self, endpoint: str, response: requests.Response | None) -> None:
        if response is None:
            return
        headers = response.headers
        # Besides its 15-minute window, an endpoint may have 24-hour caps (DM sends: 1,440 a
        # day per user and per app): the window with the least left is the one that binds.
        windows = [
            RateLimit(
                limit=_int(headers.get(f"{prefix}-limit")),
                remaining=_int(headers.get(f"{prefix}-remaining")),
                reset=_int(headers.get(f"{prefix}-reset")),
            )
            for prefix in RATE_LIMIT_HEADERS
        ]
        known = [w for w in windows if w.remaining is not None and w.reset is not None]
        binding = min(known, key=lambda w: (w.remaining, -(w.reset or 0))) if known else None
        self.rate_limits[endpoint] = binding or windows[0]


def _never_connected(error: requests.RequestException) -> bool:
    """True when the request cannot have reached X: no connection was ever made."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        text = repr(error)
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def _classify(error: tweepy.HTTPException) -> XError:
    status = error.response.status_code if error.response is not None else None
    try:
        body = error.response.json() if error.response is not None else {}
    except ValueError:
        body = {}
    detail = str(body.get("detail") or body.get("title") or status)
    kind: ErrorKind
    if isinstance(error, tweepy.Unauthorized):
        kind = "unauthorized"
    elif isinstance(error, tweepy.Forbidden):
        kind = "forbidden"
    elif isinstance(error, tweepy.TwitterServerError):
        kind = "server"
    else:
        kind = "bad_request"
    return XError(kind, detail, status=status, body=body)


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
