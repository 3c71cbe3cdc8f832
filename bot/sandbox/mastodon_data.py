"""The Mastodon fake's world: accounts, statuses, notifications, and their REST JSON.

Entity shapes: contracts/mastodon/docs/entities-Account.md, entities-Status.md,
entities-Notification.md. IDs are strings (docs/api-guidelines.md "Handling IDs"): statuses and
accounts get Snowflake-style IDs (milliseconds << 16, so Mastodon.py's datetime-to-ID conversion
lands between them), notifications a plain sequence, as on a real server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.sandbox.mastodon_text import Entity, mention_link, to_html

VISIBILITIES = ("public", "unlisted", "private", "direct")
FIRST_NOTIFICATION_ID = 34_975_000


@dataclass
class Account:
    id: str
    username: str
    domain: str | None  # None: local to this server
    display_name: str
    followers: int
    created_at: float
    indexable: bool = False  # opted in to full-text search of its public posts (4.2+)

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


@dataclass
class Status:
    id: str
    account: Account
    text: str
    content: str
    created_at: float
    visibility: str
    spoiler_text: str = ""
    language: str | None = "en"
    in_reply_to: Status | None = None
    mentions: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    reblog: Status | None = None
    application: str | None = None
    favourited_by: set[str] = field(default_factory=set)
    reblogged_by: set[str] = field(default_factory=set)
    replies: int = 0


@dataclass
class Notification:
    id: str
    type: str
    account: Account
    created_at: float
    status: Status | None = None


class MastodonStore:
    """Accounts by ID, statuses by ID (deleted ones removed), the brand's notifications."""

    def __init__(self, domain: str, clock: Callable[[], float]) -> None:
        self.domain = domain
        self.clock = clock
        self.accounts: dict[str, Account] = {}
        self.statuses: dict[str, Status] = {}
        self.notifications: dict[str, Notification] = {}
        self._last_id = 0
        self._last_notification = FIRST_NOTIFICATION_ID
        self.brand_id = ""  # the account the access token belongs to, notified of mentions

    @property
    def brand(self) -> Account:
        return self.accounts[self.brand_id]

    # -- identity -------------------------------------------------------------------------

    def next_id(self) -> str:
        """A Snowflake-like ID: the time in ms << 16, kept strictly increasing."""
        candidate = int(self.clock() * 1000) << 16
        self._last_id = max(candidate, self._last_id + 1)
        return str(self._last_id)

    def add_account(
        self, username: str, domain: str | None, display_name: str | None, followers: int
    ) -> Account:
        domain = None if domain in (None, self.domain) else domain
        if self.find_account(username if domain is None else f"{username}@{domain}"):
            raise ValueError(f"account {username}@{domain or self.domain} exists")
        account = Account(
            self.next_id(), username, domain, display_name or username, followers, self.clock()
        )
        self.accounts[account.id] = account
        return account

    def find_account(self, ref: str) -> Account | None:
        """By ID, `username` (local), `acct` or `@acct`; `user@<this domain>` is local."""
        if ref in self.accounts:
            return self.accounts[ref]
        username, _, domain = ref.removeprefix("@").partition("@")
        wanted = None if domain.lower() in ("", self.domain) else domain.lower()
        for account in self.accounts.values():
            same_domain = (account.domain or "").lower() == (wanted or "")
            if account.username.lower() == username.lower() and same_domain:
                return account
        return None

    def resolve_mention(self, entity: Entity, author: Account) -> Account | None:
        """`@user` means user on the author's own server; `@user@domain` is explicit."""
        domain = entity.domain or author.domain or self.domain
        return self.find_account(f"{entity.value}@{domain}")

    def new_notification(self, kind: str, account: Account, status: Status | None) -> str:
        self._last_notification += 1
        key = str(self._last_notification)
        self.notifications[key] = Notification(key, kind, account, self.clock(), status)
        return key

    # -- content --------------------------------------------------------------------------

    def render(self, author: Account, text: str) -> tuple[str, list[Account], list[str]]:
        """(HTML content, mentioned accounts, tag names) of `text` written by `author`."""
        mentioned: list[Account] = []
        tags: list[str] = []

        def mention(entity: Entity) -> str | None:
            account = self.resolve_mention(entity, author)
            if account is None:
                return None
            if account not in mentioned:
                mentioned.append(account)
            return mention_link(self.profile_url(account), account.username)

        def tag_url(name: str) -> str:
            if name not in tags:
                tags.append(name)
            return self.tag_url(name)

        return to_html(text, mention, tag_url), mentioned, tags

    def host(self, account: Account) -> str:
        return account.domain or self.domain

    def profile_url(self, account: Account) -> str:
        return f"https://{self.host(account)}/@{account.username}"

    def tag_url(self, name: str) -> str:
        return f"https://{self.domain}/tags/{name}"

    # -- JSON -----------------------------------------------------------------------------

    def account_json(self, account: Account) -> dict[str, Any]:
        host = self.host(account)
        mine = [s for s in self.statuses.values() if s.account is account]
        last = max((s.created_at for s in mine), default=None)
        avatar = f"https://{self.domain}/avatars/original/missing.png"
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.acct,
            "display_name": account.display_name,
            "locked": False,
            "bot": False,
            "discoverable": True,
            "indexable": account.indexable,
            "group": False,
            "created_at": iso_date(account.created_at),
            "note": "",
            "url": self.profile_url(account),
            "uri": f"https://{host}/users/{account.username}",
            "avatar": avatar,
            "avatar_static": avatar,
            "header": f"https://{self.domain}/headers/original/missing.png",
            "header_static": f"https://{self.domain}/headers/original/missing.png",
            "followers_count": account.followers,
            "following_count": 0,
            "statuses_count": len(mine),
            "last_status_at": None if last is None else day(last),
            "hide_collections": False,
            "noindex": False,
            "emojis": [],
            "roles": [],
            "fields": [],
        }

    def status_json(self, status: Status, viewer: Account | None) -> dict[str, Any]:
        host, name = self.host(status.account), status.account.username
        wrapper = status.reblog is not None
        uri = f"https://{host}/users/{name}/statuses/{status.id}"
        return {
            "id": status.id,
            "created_at": iso_ms(status.created_at),
            "in_reply_to_id": status.in_reply_to.id if status.in_reply_to else None,
            "in_reply_to_account_id": (
                status.in_reply_to.account.id if status.in_reply_to else None
            ),
            "sensitive": bool(status.spoiler_text),
            "spoiler_text": status.spoiler_text,
            "visibility": status.visibility,
            "language": None if wrapper else status.language,
            "uri": uri + "/activity" if wrapper else uri,
            "url": None if wrapper else f"https://{host}/@{name}/{status.id}",
            "replies_count": status.replies,
            "reblogs_count": len(status.reblogged_by),
            "favourites_count": len(status.favourited_by),
            "quotes_count": 0,
            "edited_at": None,
            **self._viewer_flags(status, viewer),
            "content": status.content,
            "filtered": [],
            "reblog": self.status_json(status.reblog, viewer) if status.reblog else None,
            "application": (
                {"name": status.application, "website": None} if status.application else None
            ),
            "account": self.account_json(status.account),
            "media_attachments": [],
            "mentions": [self._mention_json(account) for account in status.mentions],
            "tags": [{"name": tag, "url": self.tag_url(tag)} for tag in status.tags],
            "emojis": [],
            "quote": None,
            "card": None,
            "poll": None,
        }

    def _viewer_flags(self, status: Status, viewer: Account | None) -> dict[str, Any]:
        if viewer is None:
            return {}
        flags: dict[str, Any] = {
            "favourited": viewer.id in status.favourited_by,
            "reblogged": viewer.id in status.reblogged_by,
            "muted": False,
            "bookmarked": False,
        }
        if status.account is viewer and status.reblog is None:
            flags["pinned"] = False
        return flags

    def _mention_json(self, account: Account) -> dict[str, str]:
        url = self.profile_url(account)
        return {"id": account.id, "username": account.username, "url": url, "acct": account.acct}

    def notification_json(self, note: Notification, viewer: Account) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": note.id,
            "type": note.type,
            "created_at": iso_ms(note.created_at),
            "group_key": f"ungrouped-{note.id}",
            "account": self.account_json(note.account),
        }
        if note.status is not None:
            body["status"] = self.status_json(note.status, viewer)
        return body


def iso_ms(epoch: float) -> str:
    """docs/api-datetime-format.md: ISO 8601 with milliseconds, UTC, `Z`."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def iso_date(epoch: float) -> str:
    """Account `created_at`: Mastodon rounds it to midnight."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT00:00:00.000Z")


def day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")
