"""The /_control routes of the X fake that change its world: posts (add, edit, delete), direct
messages, config; and DmControl, the direct-message part of XFake's Python API.

Another process (the demo, a test in a subprocess) drives the fake through the routes; each
answers plain JSON, 400 for a malformed request and 404 for a post or user the fake does not hold.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.sandbox.server import Request, Response, Route
from bot.sandbox.x_data import XStore
from bot.sandbox.x_dm_reads import EVERY_EVENT_FIELD, render_event
from bot.sandbox.x_dms import DmLog, receive_dm

if TYPE_CHECKING:
    from bot.sandbox.x_api import XFake


class DmControl:
    """Direct messages for tests, mixed into XFake (whose lock, store and DM log these are)."""

    _lock: threading.RLock
    store: XStore
    dm_log: DmLog

    def add_dm(
        self,
        sender: tuple[str, str, str],
        text: str,
        to: str | None = None,
        *,
        created_at: datetime | str | None = None,
    ) -> dict[str, Any]:
        """`sender` (id, username, name) DMs our account (or the user `to`): the conversation
        ("<smaller id>-<larger id>") begins or goes on with a MessageCreate event, answered with
        every field. ValueError: empty or too long a text; KeyError: `to` is unknown."""
        with self._lock:
            event = receive_dm(self.store, self.dm_log, sender, text, to, created_at=created_at)
            return render_event(event, EVERY_EVENT_FIELD)

    def dms(self) -> list[dict[str, Any]]:
        """Every DM event (ours and others'), oldest first, with every field."""
        with self._lock:
            events = sorted(self.dm_log.events.values(), key=lambda event: event.order)
            return [render_event(event, EVERY_EVENT_FIELD) for event in events]

    def set_dm_open(self, user_id: str, open: bool) -> None:
        """Whether the user accepts DMs from our account (when not, a send is refused with 403;
        user field receives_your_dm). KeyError: a user the fake does not know."""
        with self._lock:
            self.store.users[user_id].dm_open = open


def control_routes(fake: XFake) -> list[tuple[str, str, Route]]:
    """(method, path, handler) of every control route below, bound to `fake`."""
    return [
        ("GET", "/_control/posts", lambda _: Response(200, {"posts": fake.all_posts()})),
        ("POST", "/_control/posts", lambda request: add_post(fake, request)),
        ("POST", "/_control/posts/edit", lambda request: edit_post(fake, request)),
        ("POST", "/_control/posts/delete", lambda request: delete_post(fake, request)),
        ("GET", "/_control/dms", lambda _: Response(200, {"dms": fake.dms()})),
        ("POST", "/_control/dms", lambda request: add_dm(fake, request)),
        ("POST", "/_control/dms/open", lambda request: set_dm_open(fake, request)),
        ("GET", "/_control/config", lambda _: Response(200, fake.config())),
        ("POST", "/_control/config", lambda request: set_config(fake, request)),
    ]


def add_post(fake: XFake, request: Request) -> Response:
    spec = request.json()
    author = spec.pop("author", ("2001", "alice", "Alice"))
    if isinstance(author, dict):
        author = (author["id"], author["username"], author["name"])
    try:
        return Response(200, fake.add_post(spec.pop("text"), author=tuple(author), **spec))
    except (KeyError, TypeError, ValueError) as exc:
        return Response(400, {"error": "invalid_post", "detail": str(exc)})


def edit_post(fake: XFake, request: Request) -> Response:
    """{"id", "text"}: the new version, rendered in full."""
    spec = request.json()
    post_id, text = field(spec, "id"), field(spec, "text")
    if not isinstance(post_id, str) or not isinstance(text, str):
        return Response(400, {"error": "invalid_post", "detail": "needs string id and text"})
    try:
        return Response(200, fake.edit_post(post_id, text))
    except KeyError as exc:
        return Response(404, {"error": "post_not_found", "detail": exc.args[0]})
    except ValueError as exc:
        return Response(400, {"error": "invalid_post", "detail": str(exc)})


def delete_post(fake: XFake, request: Request) -> Response:
    """{"id"}: {"deleted": [every id removed]}."""
    post_id = field(request.json(), "id")
    if not isinstance(post_id, str):
        return Response(400, {"error": "invalid_post", "detail": "needs a string id"})
    try:
        return Response(200, {"deleted": fake.delete_post(post_id)})
    except KeyError as exc:
        return Response(404, {"error": "post_not_found", "detail": exc.args[0]})


def add_dm(fake: XFake, request: Request) -> Response:
    """{"sender": [id, username, name] or {"id", "username", "name"}, "text", "to"?,
    "created_at"?}: the new event, with every field."""
    spec = request.json()
    sender = spec.get("sender") if isinstance(spec, dict) else None
    if isinstance(sender, dict):
        sender = [sender.get("id"), sender.get("username"), sender.get("name")]
    if (
        not isinstance(sender, list)
        or len(sender) != 3
        or not all(isinstance(part, str) for part in sender)
    ):
        return Response(400, {"error": "invalid_dm", "detail": "needs sender [id, username, name]"})
    try:
        event = fake.add_dm(
            (sender[0], sender[1], sender[2]), spec.get("text", ""), spec.get("to"),
            created_at=spec.get("created_at"),
        )  # fmt: skip
    except KeyError as exc:
        return Response(404, {"error": "user_not_found", "detail": exc.args[0]})
    except (TypeError, ValueError) as exc:
        return Response(400, {"error": "invalid_dm", "detail": str(exc)})
    return Response(200, event)


def set_dm_open(fake: XFake, request: Request) -> Response:
    """{"user_id", "open"}: {"user_id", "open"} as set."""
    spec = request.json()
    user_id, is_open = field(spec, "user_id"), field(spec, "open")
    if not isinstance(user_id, str) or not isinstance(is_open, bool):
        return Response(400, {"error": "invalid_dm_setting", "detail": "needs user_id and open"})
    try:
        fake.set_dm_open(user_id, is_open)
    except KeyError:
        return Response(404, {"error": "user_not_found", "detail": user_id})
    return Response(200, {"user_id": user_id, "open": is_open})


def set_config(fake: XFake, request: Request) -> Response:
    spec = request.json()
    known = {"tier", "revoked_token", "user_bearer_tokens", "rate_limit", "daily_limit"}
    unknown = set(spec) - known
    if unknown:
        return Response(400, {"error": "invalid_config", "detail": f"unknown {sorted(unknown)}"})
    try:
        if "tier" in spec:
            fake.set_tier(spec["tier"])
        if "revoked_token" in spec:
            fake.revoked_token = spec["revoked_token"]
        if "user_bearer_tokens" in spec:
            fake.user_bearer_tokens = set(spec["user_bearer_tokens"])
        for endpoint, limit in spec.get("rate_limit", {}).items():
            fake.set_rate_limit(endpoint, int(limit["limit"]), float(limit.get("window", 900)))
        for endpoint, caps in spec.get("daily_limit", {}).items():
            fake.set_daily_limit(endpoint, user=caps.get("user"), app=caps.get("app"))
    except (KeyError, TypeError, ValueError) as exc:
        return Response(400, {"error": "invalid_config", "detail": str(exc)})
    return Response(200, fake.config())


def field(body: Any, name: str) -> object:
    """body[name] of a JSON object body, None for any other body."""
    return body.get(name) if isinstance(body, dict) else None
