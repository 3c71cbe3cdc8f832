"""Errors, parameters, visibility and pagination of the Mastodon fake.

Sources (paths under contracts/mastodon/): error shape docs/entities-Error.md and KEY-FACTS
"Error shape"; who may see or boost a status, srv: app/policies/status_policy.rb (show?,
reblog?); cursors docs/api-guidelines.md "Paginating" and KEY-FACTS "Receiving mentions".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from bot.sandbox.mastodon_data import Account, Status
from bot.sandbox.server import Request, Response

NOT_FOUND = "Record not found"
INVALID_TOKEN = "The access token is invalid"
NOT_ALLOWED = "This action is not allowed"
TOO_MANY = "Too many requests"
T = TypeVar("T")


class ApiError(Exception):
    """A failure a handler raises; answered as `{"error": ...}` (with `error_description` for
    the OAuth-style errors that carry one)."""

    def __init__(self, status: int, error: str, description: str | None = None) -> None:
        self.status, self.error, self.description = status, error, description
        self.headers: dict[str, str] = {}
        super().__init__(f"{status} {error}")

    def response(self) -> Response:
        body = {"error": self.error}
        if self.description is not None:
            body["error_description"] = self.description
        return Response(self.status, body, dict(self.headers))


def not_found() -> ApiError:
    return ApiError(404, NOT_FOUND)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, f"Validation failed: {message}")


class Params:
    """Query and body parameters with their repeats: `types[]=a&types[]=b` is a list."""

    def __init__(self, query: str, body: bytes, content_type: str) -> None:
        self._values: dict[str, list[Any]] = parse_qs(query, keep_blank_values=True)
        if "json" in content_type and body:
            loaded = json.loads(body)
            for key, value in (loaded if isinstance(loaded, dict) else {}).items():
                if value is not None:  # JSON null: the parameter is absent
                    self._values[key] = value if isinstance(value, list) else [value]
        elif body:
            for key, values in parse_qs(body.decode("utf-8", "replace"), True).items():
                self._values.setdefault(key, []).extend(values)

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return None if not values else str(values[-1])

    def text(self, name: str) -> str:
        return self.get(name) or ""

    def many(self, name: str) -> list[str]:
        """`name[]` repeats (Rails arrays), or `name` when sent bare."""
        return [str(v) for v in self._values.get(name + "[]", self._values.get(name, []))]

    def flag(self, name: str) -> bool:
        """Rails' truthy values: anything but empty, 0, false, f, off, no."""
        value = self.get(name)
        return value is not None and value.lower() not in ("", "0", "false", "f", "off", "no")

    def limit(self, default: int, maximum: int) -> int:
        value = self.get("limit")
        try:
            wanted = int(value) if value else default
        except ValueError:
            wanted = default
        return min(max(wanted, 1), maximum)

    def keep(self, *names: str) -> list[tuple[str, str]]:
        """The named parameters, arrays as `name[]` repeats, for a pagination link."""
        kept: list[tuple[str, str]] = []
        for name in names:
            if name + "[]" in self._values:
                kept += [(name + "[]", value) for value in self.many(name)]
            elif name in self._values:
                kept.append((name, self.text(name)))
        return kept


@dataclass(frozen=True)
class Call:
    """One API call as a handler sees it: `args` are the path's captured IDs."""

    request: Request
    params: Params
    viewer: Account | None
    args: tuple[str, ...]
    base_url: str

    @property
    def account(self) -> Account:
        """The token's account, for methods that need a user (Doorkeeper's 401 without)."""
        if self.viewer is None:
            raise ApiError(401, INVALID_TOKEN)
        return self.viewer

    def url(self) -> str:
        """This call's URL without its query, as pagination links name it."""
        return self.base_url + self.request.path


# -- StatusPolicy -----------------------------------------------------------------------------


def can_see(status: Status, viewer: Account | None) -> bool:
    """show?: direct needs a mention, private the author, a mention (or following, which the
    fake does not model); public and unlisted are open."""
    owned = viewer is not None and status.account is viewer
    mentioned = viewer is not None and viewer in status.mentions
    if status.visibility in ("direct", "private"):
        return owned or mentioned
    return True


def can_reblog(status: Status, viewer: Account) -> bool:
    """reblog?: never a direct status, a private one only by its author."""
    if status.visibility == "direct":
        return False
    return status.visibility != "private" or status.account is viewer


# -- pagination -------------------------------------------------------------------------------


def numeric(key: str | None) -> int | None:
    """A cursor as a number (IDs sort numerically); a junk cursor bounds nothing."""
    if key is None or key == "":
        return None
    try:
        return int(key)
    except ValueError:
        return None


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    @classmethod
    def of(cls, params: Params, default: int, maximum: int) -> Page:
        return cls(
            numeric(params.get("max_id")),
            numeric(params.get("since_id")),
            numeric(params.get("min_id")),
            params.limit(default, maximum),
        )

    def select(self, items: Sequence[T], key: Callable[[T], str]) -> list[T]:
        """Mastodon's paginate_by_id: below max_id and above since_id, newest first; with
        min_id the `limit` items right after it (then still answered newest first)."""
        lower = self.min_id if self.min_id is not None else self.since_id
        kept = [
            item
            for item in items
            if (self.max_id is None or int(key(item)) < self.max_id)
            and (lower is None or int(key(item)) > lower)
        ]
        kept.sort(key=lambda item: int(key(item)), reverse=self.min_id is None)
        chosen = kept[: self.limit]
        return sorted(chosen, key=lambda item: int(key(item)), reverse=True)


def link_header(url: str, keep: list[tuple[str, str]], ids: Sequence[str]) -> dict[str, str]:
    """`Link` with rel="next" (max_id = the oldest ID) and rel="prev" (min_id = the newest),
    as Mastodon sends for a non-empty page (none for an empty one)."""
    if not ids:
        return {}
    next_url = f"{url}?{urlencode([*keep, ('max_id', ids[-1])])}"
    prev_url = f"{url}?{urlencode([*keep, ('min_id', ids[0])])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}
