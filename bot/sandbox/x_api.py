"""A contract-faithful fake of the X API v2 endpoints Earshot uses, served over loopback HTTP."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from bot.sandbox.server import Fault, Request, Response, SandboxServer
from bot.sandbox.x_control import DmControl, control_routes, field
from bot.sandbox.x_data import POST_FIELDS_SUPPORTED, XPost, XStore, XUser, render_post
from bot.sandbox.x_dm_reads import dm_events
from bot.sandbox.x_dms import DmLog, send_dm
from bot.sandbox.x_edits import delete_post, edit_post
from bot.sandbox.x_limits import RateLimits
from bot.sandbox.x_lookups import get_post, get_posts
from bot.sandbox.x_reads import get_me, get_mentions, get_user_posts, search_recent
from bot.sandbox.x_rules import (
    PROBLEM_JSON,
    ROUTE_NOT_FOUND,
    UNSUPPORTED_AUTHENTICATION,
    fail,
    is_problem,
    problem,
)
from bot.sandbox.x_writes import create_post, engage

TIERS = ("self-serve", "enterprise")
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Principal:
    """Who is calling: one app-only window shared by Bearer tokens, one window per user token."""

    key: str
    app_only: bool


ANONYMOUS = Principal("anonymous", app_only=True)
Handler = Callable[[Request, dict[str, str]], Response]


class XFake(SandboxServer, DmControl):
    """X API v2 on loopback: /2/users/me, mentions, user posts, post lookup, recent search,
    posting, likes, reposts, one-to-one DMs and DM events (x_dms, x_dm_reads; Python API in
    x_control.DmControl: add_dm, dms, set_dm_open).

    Control endpoints, besides those of SandboxServer:
      GET  /_control/posts    every post (each version of edited ones), oldest first
      POST /_control/posts    add_post() from JSON (same names; author as [id, username, name])
      POST /_control/posts/edit    edit_post() from {"id", "text"}: the new version
      POST /_control/posts/delete  delete_post() from {"id"}: {"deleted": [ids]}
      GET  /_control/dms      every DM event, oldest first
      POST /_control/dms      add_dm() from {"sender": [id, username, name], "text", "to"?}
      POST /_control/dms/open set_dm_open() from {"user_id", "open"}
      GET  /_control/config   tier, revoked_token, user_bearer_tokens, rate_limit, daily_limit,
                              likes, reposts
      POST /_control/config   {"tier", "revoked_token", "user_bearer_tokens",
                               "rate_limit": {"/2/users/:id/mentions": {"limit": 2, "window": 900}},
                               "daily_limit": {"/2/dm_conversations/with/:participant_id/messages":
                                               {"user": 20, "app": 40}}}
      POST /_control/faults   as in SandboxServer; no "body" + status >= 400 = problem(status)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        own_user: tuple[str, str, str] = ("1000", "earshot_co", "Earshot Co"),
    ) -> None:
        super().__init__(host, port)
        self._own_user = own_user
        self.clock: Callable[[], float] = time.time  # rate-limit windows only
        self.limits = RateLimits(lambda: self.clock())
        self.tier = "self-serve"
        self.revoked_token: str | None = None
        self.user_bearer_tokens: set[str] = set()  # OAuth 2.0 user tokens (else Bearer = app-only)
        self.store = XStore(XUser(*own_user))
        self.dm_log = DmLog()
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "/2/users/me", lambda request, _: get_me(self.store, request.query)),
            ("GET", "/2/users/:id/mentions", self._get_mentions),
            ("GET", "/2/users/:id/tweets",
             lambda request, params: get_user_posts(self.store, params["id"], request.query)),
            ("GET", "/2/tweets/search/recent", self._search),
            ("GET", "/2/tweets/:id",
             lambda request, params: get_post(self.store, params["id"], request.query)),
            ("GET", "GET /2/tweets", lambda request, _: get_posts(self.store, request.query)),
            ("POST", "/2/tweets", self._create_post),
            ("POST", "/2/users/:id/likes", self._engagement("likes", on=True)),
            ("DELETE", "/2/users/:id/likes/:tweet_id", self._engagement("likes", on=False)),
            ("POST", "/2/users/:id/retweets", self._engagement("retweets", on=True)),
            ("DELETE", "/2/users/:id/retweets/:source_tweet_id",
             self._engagement("retweets", on=False)),
            ("POST", "/2/dm_conversations/with/:participant_id/messages",
             lambda request, params: send_dm(
                 self.store, self.dm_log, params["participant_id"], _json_or_none(request))),
            ("GET", "/2/dm_conversations/with/:participant_id/dm_events",
             lambda request, params: dm_events(
                 self.store, self.dm_log, request.query, params["participant_id"])),
            ("GET", "/2/dm_events",
             lambda request, _: dm_events(self.store, self.dm_log, request.query)),
        ]  # fmt: skip
        self._endpoints = [(method, _pattern(key), key, run) for method, key, run in routes]
        for method in ("GET", "POST", "DELETE", "PUT"):
            self.route(method, "/2/", self._serve_x)
        for method, path, handler in control_routes(self):
            self.route(method, path, handler)

    # -- Python API for tests ------------------------------------------------------------------

    def start(self) -> XFake:
        super().start()
        return self

    def __enter__(self) -> XFake:
        return self.start()

    @classmethod
    def problem(cls, status: int, detail: str | None = None) -> dict[str, Any]:
        """The about:blank problem body X sends for `status` (401, 403, 429, 500, 503...)."""
        return problem(status, detail)

    @classmethod
    def fault(cls, path: str, status: int, detail: str | None = None, *, count: int = 1) -> Fault:
        """A Fault answering `status` with its problem body, for SandboxServer.inject()."""
        body = problem(status, detail)
        return Fault(path, Response(status, body, content_type=PROBLEM_JSON), count=count)

    def add_post(
        self,
        text: str,
        *,
        author: tuple[str, str, str] = ("2001", "alice", "Alice"),
        followers: int | None = None,
        verified: bool | None = None,
        post_id: str | None = None,
        created_at: datetime | str | None = None,
        referenced_tweets: list[dict[str, str]] | None = None,
        lang: str = "en",
    ) -> dict[str, Any]:
        """Store a post by `author` and answer it rendered with every field the fake knows.

        The author joins the users table; `followers` (10 for a new user) and `verified`
        change an existing author only when given.
        """
        with self._lock:
            new_author = author[0] not in self.store.users
            user = self.store.upsert_user(*author)
            if followers is not None or new_author:
                user.followers = 10 if followers is None else followers
            if verified is not None:
                user.verified = verified
            post = self.store.add_post(
                text, user, post_id=post_id, created_at=created_at,
                referenced_tweets=referenced_tweets, lang=lang,
            )  # fmt: skip
            return self._full(post)

    def edit_post(self, post_id: str, new_text: str) -> dict[str, Any]:
        """Edit a post as its author does on X; answer the new version, rendered in full.

        The new version gets a new id and the chain's edit_history_tweet_ids; timelines and
        search show only it, lookups still answer every version. KeyError: unknown or deleted;
        ValueError: X refuses the edit (see x_edits.edit_post).
        """
        with self._lock:
            return self._full(edit_post(self.store, post_id, new_text))

    def delete_post(self, post_id: str) -> list[str]:
        """Delete a post as its author does on X: its whole edit chain and reposts of it go,
        from every read; replying to it is refused. Answers the ids deleted."""
        with self._lock:
            return delete_post(self.store, post_id)

    def set_tier(self, tier: str) -> None:
        if tier not in TIERS:
            raise ValueError(f"tier must be one of {TIERS}")
        self.tier = tier

    def set_rate_limit(self, endpoint: str, limit: int, window_seconds: float = 900.0) -> None:
        with self._lock:
            self.limits.set_limit(endpoint, limit, window_seconds)

    def set_daily_limit(
        self, endpoint: str, *, user: int | None = None, app: int | None = None
    ) -> None:
        """Lower or raise a 24-hour cap of DAILY_LIMITS (None: as documented); reopens it."""
        with self._lock:
            self.limits.set_daily_limit(endpoint, user=user, app=app)

    def posts_by_us(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self._full(self.store.posts[post_id]) for post_id in self.store.ours]

    def all_posts(self) -> list[dict[str, Any]]:
        with self._lock:
            posts = self.store.newest_first(bool, every_version=True)
            return [self._full(post) for post in reversed(posts)]

    def config(self) -> dict[str, Any]:
        with self._lock:
            return {
                "tier": self.tier,
                "revoked_token": self.revoked_token,
                "user_bearer_tokens": sorted(self.user_bearer_tokens),
                "rate_limit": {
                    k: {"limit": n, "window": w} for k, (n, w) in self.limits.overrides.items()
                },
                "daily_limit": {
                    k: {"user": u, "app": a} for k, (a, u) in self.limits.daily_overrides.items()
                },
                "likes": sorted(self.store.likes),
                "reposts": sorted(self.store.reposts),
            }

    def reset(self) -> None:
        """Back to a fresh fake: no calls, faults, posts, DMs, likes, windows or config changes."""
        super().reset()
        with self._lock:
            self.store = XStore(XUser(*self._own_user))
            self.dm_log = DmLog()
            self.limits.clear()
            self.tier, self.revoked_token = "self-serve", None
            self.user_bearer_tokens.clear()
            self.clock = time.time

    def _full(self, post: XPost) -> dict[str, Any]:
        return render_post(post, POST_FIELDS_SUPPORTED, self.store)

    # -- dispatch, authentication, rate limits --------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        response = super().dispatch(request)
        if not request.path.startswith("/2/") or "x-rate-limit-limit" in response.headers:
            return response
        # An injected fault: give it the headers and content type every X response carries.
        # Headers the fault names itself (say, a chosen x-rate-limit-reset) win.
        headers: dict[str, str] = {}
        found = self._endpoint_for(request)
        if found is not None:
            who = self._authenticate(request) or ANONYMOUS
            with self._lock:
                headers.update(self.limits.headers(found[0], who.key, who.app_only))
        headers.update(response.headers)
        content_type = PROBLEM_JSON if is_problem(response.body) else response.content_type
        return replace(response, headers=headers, content_type=content_type)

    def _serve_x(self, request: Request) -> Response:
        found = self._endpoint_for(request)
        if found is None:
            return Response(404, ROUTE_NOT_FOUND)
        endpoint, handler, params = found
        who = self._authenticate(request)
        with self._lock:
            if who is None:
                response = fail(401, problem(401))
                who = ANONYMOUS
            elif who.app_only and self.limits.needs_user(endpoint):
                response = fail(403, UNSUPPORTED_AUTHENTICATION)
            elif not self.limits.take(endpoint, who.key, who.app_only):
                response = fail(429, problem(429))
            else:
                response = handler(request, params)
            response.headers.update(self.limits.headers(endpoint, who.key, who.app_only))
        return response

    def _endpoint_for(self, request: Request) -> tuple[str, Handler, dict[str, str]] | None:
        for method, pattern, endpoint, handler in self._endpoints:
            match = pattern.fullmatch(request.path)
            if match is not None and method == request.method:
                return endpoint, handler, match.groupdict()
        return None

    def _authenticate(self, request: Request) -> Principal | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        credentials = credentials.strip()
        if scheme.lower() == "bearer" and credentials and credentials != self.revoked_token:
            if credentials in self.user_bearer_tokens:
                return Principal("user:" + credentials, app_only=False)
            return Principal("app", app_only=True)
        if scheme.lower() == "oauth":
            fields = {key: unquote(value) for key, value in _OAUTH_PARAM.findall(credentials)}
            token = fields.get("oauth_token")
            if token and "oauth_signature" in fields and token != self.revoked_token:
                return Principal("user:" + token, app_only=False)
        return None

    # -- endpoints ------------------------------------------------------------------------------

    def _get_mentions(self, request: Request, params: dict[str, str]) -> Response:
        return get_mentions(self.store, params["id"], request.query)

    def _search(self, request: Request, params: dict[str, str]) -> Response:
        max_query = 4096 if self.tier == "enterprise" else 512
        return search_recent(self.store, request.query, max_query=max_query)

    def _create_post(self, request: Request, params: dict[str, str]) -> Response:
        return create_post(self.store, self.tier, _json_or_none(request))

    def _engagement(self, kind: str, *, on: bool) -> Handler:
        """Like/unlike or repost/undo: the post id is in the JSON body to add, the path to undo."""

        def handle(request: Request, params: dict[str, str]) -> Response:
            undo_id = params.get("tweet_id") or params.get("source_tweet_id")
            tweet_id = field(_json_or_none(request), "tweet_id") if on else undo_id
            return engage(self.store, self.tier, params["id"], tweet_id, kind=kind, on=on)

        return handle

    # -- control API (the rest is in x_control) ----------------------------------------------

    def _control_faults(self, request: Request) -> Response:
        spec = request.json()
        status = int(spec.get("status", 0))
        body = spec.get("body", problem(status) if status >= 400 else None)
        response = Response(status, body, dict(spec.get("headers", {})))
        count, delay = int(spec.get("count", 1)), float(spec.get("delay", 0.0))
        after, drop = bool(spec.get("after", False)), bool(spec.get("drop", False))
        fault = Fault(spec["path"], response, count=count, delay_seconds=delay)
        self.inject(replace(fault, after=after, drop=drop))
        return Response(200, {"ok": True})


def _pattern(template: str) -> re.Pattern[str]:
    """`/2/users/:id/likes` -> a regex capturing `id` (the keys of RATE_LIMITS are templates,
    some prefixed by their method: "GET /2/tweets")."""
    path = template.rsplit(" ", 1)[-1]
    return re.compile(re.sub(r":(\w+)", r"(?P<\1>[^/]+)", path))


def _json_or_none(request: Request) -> Any:
    try:
        return request.json()
    except ValueError:
        return None
