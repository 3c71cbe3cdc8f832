"""How tests build and inspect the Mastodon fake's world: WorldControl (mixed into MastodonFake)
and the /_control routes that give another process (the demo, a subprocess) the same powers.

Control routes, besides SandboxServer's /_control/calls, /faults and /reset; each answers JSON,
400 for a malformed request and 404 for an unknown account or status:
  GET  /_control/statuses?account=     statuses(), oldest first ({"statuses": [...]})
  POST /_control/accounts              add_account() from {"username", "domain", ...}
  POST /_control/statuses              add_status() from {"account", "text", "in_reply_to",
                                       "visibility", "mention_brand", "spoiler_text"}
  POST /_control/statuses/delete       delete_status() from {"id"}
  POST /_control/config                {"max_characters", "full_text_search", "token",
                                        "rate": {"<name>": {"limit", "period"}}}
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from bot.sandbox.mastodon_data import Account, MastodonStore, Status
from bot.sandbox.mastodon_limits import RateLimits
from bot.sandbox.mastodon_writes import Draft, Posting, publish, remove
from bot.sandbox.server import Request, Response, Route

if TYPE_CHECKING:
    from bot.sandbox.mastodon_api import MastodonFake


class WorldControl:
    """Accounts, statuses and settings for tests (MastodonFake's lock, store and limits)."""

    _lock: threading.RLock
    store: MastodonStore
    posting: Posting
    limits: RateLimits
    token: str
    full_text_search: bool

    @property
    def brand_id(self) -> str:
        return self.store.brand_id

    def add_account(
        self,
        username: str,
        *,
        domain: str | None = None,
        display_name: str | None = None,
        followers: int = 0,
        indexable: bool = False,
    ) -> str:
        """A new account, local (no domain) or remote; answers its ID. `indexable`: its
        public posts are in full-text search. ValueError: the acct is taken."""
        with self._lock:
            account = self.store.add_account(username, domain, display_name, followers)
            account.indexable = indexable
            return account.id

    def add_status(
        self,
        account: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        visibility: str = "public",
        mention_brand: bool = True,
        spoiler_text: str = "",
        language: str | None = "en",
    ) -> dict[str, Any]:
        """A status by `account` (ID, username or acct; an unknown acct is created). With
        `mention_brand`, `@earshot` (`@earshot@<domain>` from a remote author) is put in
        front unless the text already mentions the brand, so the brand gets a mention
        notification. Answers the status JSON as the brand sees it."""
        with self._lock:
            author = self._author(account)
            parent = self._status(in_reply_to) if in_reply_to else None
            if mention_brand and not self._mentions_brand(author, text):
                brand = self.store.brand
                handle = brand.username if author.domain is None else self._brand_acct()
                text = f"@{handle} {text}"
            draft = Draft(author, text, visibility, spoiler_text, parent, language)
            status = publish(self.store, draft)
            return self.store.status_json(status, self.store.brand)

    def add_follow(self, account: str) -> str:
        """`account` follows the brand: a `follow` notification; answers its ID."""
        with self._lock:
            self.store.brand.followers += 1
            return self.store.new_notification("follow", self._author(account), None)

    def add_favourite(self, account: str, status_id: str) -> str:
        """`account` favourites a status (of the brand: a `favourite` notification)."""
        with self._lock:
            status, who = self._status(status_id), self._author(account)
            status.favourited_by.add(who.id)
            if status.account is not self.store.brand:
                return ""
            return self.store.new_notification("favourite", who, status)

    def statuses(self, account: str | None = None) -> list[dict[str, Any]]:
        """The statuses `account` (default: the brand) has posted and boosted, oldest first."""
        with self._lock:
            author = self.store.brand if account is None else self._author(account, create=False)
            mine = [s for s in self._ordered() if s.account is author]
            return [self.store.status_json(s, self.store.brand) for s in mine]

    def favourites(self) -> list[dict[str, Any]]:
        """The statuses the brand has favourited, oldest first."""
        with self._lock:
            brand = self.store.brand
            liked = [s for s in self._ordered() if brand.id in s.favourited_by]
            return [self.store.status_json(s, brand) for s in liked]

    def reblogs(self) -> list[dict[str, Any]]:
        """The statuses the brand has boosted (the originals), oldest first."""
        with self._lock:
            brand = self.store.brand
            boosted = [s for s in self._ordered() if brand.id in s.reblogged_by]
            return [self.store.status_json(s, brand) for s in boosted]

    def delete_status(self, status_id: str) -> None:
        """The author deletes a status: it, its boosts and its notifications disappear."""
        with self._lock:
            remove(self.store, self._status(status_id))

    def set_max_characters(self, limit: int) -> None:
        with self._lock:
            self.posting.max_characters = limit

    def set_full_text_search(self, enabled: bool) -> None:
        """Whether the server has Elasticsearch: without it /api/v2/search finds no statuses
        by words (only by URL with resolve=true)."""
        with self._lock:
            self.full_text_search = enabled

    def set_rate(self, name: str, limit: int, period_seconds: float | None = None) -> None:
        """Set one of mastodon_limits' limits ("token", "user", "ip", "paging", "deletes",
        "statuses"), starting its window afresh."""
        with self._lock:
            self.limits.set(name, limit, period_seconds)

    def set_token(self, token: str) -> None:
        """The brand's access token from now on; the old one answers 401."""
        with self._lock:
            self.token = token

    def _author(self, ref: str, *, create: bool = True) -> Account:
        account = self.store.find_account(ref)
        if account is not None:
            return account
        username, _, domain = ref.removeprefix("@").partition("@")
        if not create or not username:
            raise KeyError(f"no account {ref!r}")
        return self.store.add_account(username, domain or None, None, 0)

    def _status(self, status_id: str) -> Status:
        status = self.store.statuses.get(status_id)
        if status is None:
            raise KeyError(f"no status {status_id!r}")
        return status

    def _ordered(self) -> list[Status]:
        return sorted(self.store.statuses.values(), key=lambda s: int(s.id))

    def _mentions_brand(self, author: Account, text: str) -> bool:
        return self.store.brand in self.store.render(author, text)[1]

    def _brand_acct(self) -> str:
        return f"{self.store.brand.username}@{self.store.domain}"


def control_routes(fake: MastodonFake) -> list[tuple[str, str, Route]]:
    """(method, path, handler) of the control routes above, bound to `fake`."""

    def listed(request: Request) -> Response:
        account = request.query.get("account") or None
        return _guarded(lambda: {"statuses": fake.statuses(account)})

    def account(request: Request) -> Response:
        spec = request.json()
        options = {
            "domain": spec.get("domain"),
            "display_name": spec.get("display_name"),
            "followers": int(spec.get("followers", 0)),
            "indexable": bool(spec.get("indexable")),
        }
        return _guarded(lambda: {"id": fake.add_account(spec["username"], **options)})

    def status(request: Request) -> Response:
        spec = request.json()
        return _guarded(lambda: fake.add_status(
            spec["account"], spec["text"], in_reply_to=spec.get("in_reply_to"),
            visibility=spec.get("visibility", "public"),
            mention_brand=bool(spec.get("mention_brand", True)),
            spoiler_text=spec.get("spoiler_text", "")))  # fmt: skip

    def delete(request: Request) -> Response:
        def run() -> dict[str, bool]:
            fake.delete_status(request.json()["id"])
            return {"ok": True}

        return _guarded(run)

    return [
        ("GET", "/_control/statuses", listed),
        ("POST", "/_control/accounts", account),
        ("POST", "/_control/statuses/delete", delete),
        ("POST", "/_control/statuses", status),
        ("POST", "/_control/config", lambda request: _guarded(lambda: _config(fake, request))),
    ]


def _config(fake: MastodonFake, request: Request) -> dict[str, Any]:
    spec = request.json()
    if "max_characters" in spec:
        fake.set_max_characters(int(spec["max_characters"]))
    if "full_text_search" in spec:
        fake.set_full_text_search(bool(spec["full_text_search"]))
    if "token" in spec:
        fake.set_token(str(spec["token"]))
    for name, rate in dict(spec.get("rate", {})).items():
        fake.set_rate(name, int(rate["limit"]), rate.get("period"))
    return {"ok": True}


def _guarded(run: Any) -> Response:
    """Run a control action: KeyError (unknown account or status) 404, bad input 400."""
    try:
        return Response(200, run())
    except KeyError as exc:
        return Response(404, {"error": str(exc)})
    except (ValueError, TypeError) as exc:
        return Response(400, {"error": str(exc)})
