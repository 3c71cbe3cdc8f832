"""Mastodon through Mastodon.py: the brand account's mentions, its replies, favourites, boosts.

Mentions come from notifications (`types[]=mention`), read forward with `min_id` from the
checkpoint: `since_id` would return only the newest page and leave a gap after a burst
(contracts/mastodon/KEY-FACTS.md). A reply keeps the visibility of the status it answers (a
direct mention is answered directly: a private conversation never widens) and carries an
Idempotency-Key derived from the draft, so a retry or a second Send is one status.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from bot.domain.mastodon_text import DEFAULT_MAX_CHARACTERS, URL_CHARACTERS, status_text
from bot.domain.mention import Author, Mention
from bot.domain.network import MASTODON, mastodon_post_id, mastodon_status_id
from bot.sources.social_error import Kind, SocialError

log = structlog.get_logger()

PAGE_LIMIT = 80  # the most Mastodon returns per page (since 4.1)


class MastodonCallError(SocialError):
    network = "Mastodon"
    credentials = "MASTODON_BASE_URL and MASTODON_ACCESS_TOKEN"


@dataclass(frozen=True, slots=True)
class Limits:
    """The instance's status limit and what a URL counts for (/api/v2/instance)."""

    max_characters: int = DEFAULT_MAX_CHARACTERS
    url_characters: int = URL_CHARACTERS


class MastodonSource:
    def __init__(self, base_url: str, access_token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = Mastodon(
            access_token=access_token,
            api_base_url=self.base_url,
            ratelimit_method="throw",  # we wait, not Mastodon.py inside a Slack handler
            request_timeout=10,
            version_check_mode="none",
        )
        self._lock = threading.Lock()
        self._me: dict[str, Any] | None = None
        self._limits: Limits | None = None

    def known(self) -> bool:
        """Has the account been looked up already (so `me()` makes no call)?"""
        return self._me is not None

    def me(self) -> dict[str, Any]:
        """The brand's account (verify_credentials, once per process)."""
        with self._lock:
            if self._me is None:
                self._me = dict(self._call(self.client.account_verify_credentials))
            return self._me

    def limits(self) -> Limits:
        """The instance's max_characters and URL weight (read once; defaults if it will not say)."""
        if self._limits is None:
            instance = self._call(self.client.instance_v2)
            statuses = (instance.get("configuration") or {}).get("statuses") or {}
            self._limits = Limits(
                int(statuses.get("max_characters") or DEFAULT_MAX_CHARACTERS),
                int(statuses.get("characters_reserved_per_url") or URL_CHARACTERS),
            )
        return self._limits

    def mentions_after(self, min_id: str | None) -> list[tuple[str, Mention | None]]:
        """One page of mention notifications right after `min_id` (None: the newest page):
        (notification id, mention; None for our own status or a status we cannot read)."""
        own = str(self.me()["id"])
        page = self._call(
            lambda: self.client.notifications(types=["mention"], min_id=min_id, limit=PAGE_LIMIT)
        )
        items = [
            (str(item["id"]), _mention(item["status"], self.base_url))
            if item.get("status") and str(item["account"]["id"]) != own
            else (str(item["id"]), None)
            for item in page
        ]
        return sorted(items, key=lambda pair: (len(pair[0]), pair[0]), reverse=True)

    def reply(self, mention: Mention, text: str, idempotency_key: str) -> str:
        """Post `text` in reply to the status, with its visibility; the reply's post id."""
        status = self._call(
            lambda: self.client.status_post(
                text,
                in_reply_to_id=mastodon_status_id(mention.post_id),
                visibility=mention.visibility or "public",
                idempotency_key=idempotency_key,
            )
        )
        return mastodon_post_id(str(status["id"]))

    def favourite(self, mention: Mention, *, undo: bool) -> None:
        status_id = mastodon_status_id(mention.post_id)
        call = self.client.status_unfavourite if undo else self.client.status_favourite
        self._call(lambda: call(status_id))

    def boost(self, mention: Mention, *, undo: bool) -> None:
        status_id = mastodon_status_id(mention.post_id)
        call = self.client.status_unreblog if undo else self.client.status_reblog
        self._call(lambda: call(status_id))

    def close(self) -> None:
        self.client.session.close()

    def _call(self, call: Any) -> Any:
        try:
            return call()
        except MastodonRatelimitError:
            reset = self.client.ratelimit_reset
            raise MastodonCallError("rate_limited", "429", status=429, retry_at=reset) from None
        except MastodonUnauthorizedError as error:
            raise MastodonCallError("unauthorized", _detail(error), status=401) from None
        except MastodonNotFoundError as error:
            raise MastodonCallError("not_found", _detail(error), status=404) from None
        except MastodonServerError as error:
            raise MastodonCallError("server", _detail(error)) from None
        except MastodonAPIError as error:
            raise MastodonCallError(
                _api_kind(error), _detail(error), status=_status(error)
            ) from None
        except MastodonNetworkError as error:
            raise MastodonCallError("network", type(error).__name__) from None
        except MastodonError as error:
            raise MastodonCallError("server", type(error).__name__) from None


def _status(error: MastodonAPIError) -> int | None:
    args = error.args
    return int(args[1]) if len(args) > 1 and isinstance(args[1], int) else None


def _api_kind(error: MastodonAPIError) -> Kind:
    return "bad_request" if (_status(error) or 400) < 500 else "server"


def _detail(error: MastodonError) -> str:
    """What Mastodon said (its `error` text), never the request (it carries the token)."""
    args = error.args
    said = args[-1] if args else ""
    return str(said)[:300]


def _mention(status: dict[str, Any], instance: str) -> Mention | None:
    content = status.get("content")
    if not isinstance(content, str):
        return None
    account = status["account"]
    acct = str(account["acct"])
    if "@" not in acct:  # a local account: name its instance, so a reply's @mention reaches it
        acct = f"{acct}@{instance.split('://', 1)[-1]}"
    post_id = mastodon_post_id(str(status["id"]))
    parent = status.get("in_reply_to_id")
    created = status.get("created_at")
    return Mention(
        post_id=post_id,
        text=status_text(content),
        author=Author(
            id=str(account["id"]),
            username=acct,
            name=str(account.get("display_name") or account.get("username") or acct),
            followers=int(account.get("followers_count") or 0),
            network=MASTODON,
            profile=account.get("url"),
        ),
        created_at=created if isinstance(created, datetime) else datetime.now(UTC),
        conversation_id=post_id,
        replied_to=mastodon_post_id(str(parent)) if parent else None,
        web_url=status.get("url") or status.get("uri"),
        visibility=str(status.get("visibility") or "public"),
        kind="post",
    )
