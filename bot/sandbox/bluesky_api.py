"""A contract-faithful fake of the Bluesky (AT Protocol XRPC) API Earshot uses, over loopback.

One fake plays the brand's PDS and the AppView behind it, as bsky.social does for a client that
sends everything to its PDS: sessions (bluesky_auth), record writes (bluesky_records), queries
(bluesky_reads), rate limits (bluesky_limits). Contract: contracts/bluesky/KEY-FACTS.md and the
lexicons there. Build the real SDK against it with
`atproto.Client(base_url=fake.base_url + "/xrpc")` (the SDK adds "/xrpc" itself when missing);
after login the SDK follows the DID document's PDS endpoint, which is this fake too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.sandbox.bluesky_auth import (
    ACCESS_SECONDS,
    REFRESH_SECONDS,
    Sessions,
    caller,
    create_session,
    get_session,
    refresh_session,
)
from bot.sandbox.bluesky_control import PostControl, control_routes
from bot.sandbox.bluesky_data import Actor, BlueskyStore
from bot.sandbox.bluesky_limits import CREATE_SESSION, RateLimits
from bot.sandbox.bluesky_reads import (
    get_post_thread,
    get_posts,
    get_profile,
    list_notifications,
    resolve_handle,
    search_posts,
    update_seen,
)
from bot.sandbox.bluesky_records import create_record, delete_record
from bot.sandbox.bluesky_rules import Params, XrpcError, error_body, input_object
from bot.sandbox.server import Fault, Request, Response, SandboxServer

BRAND_HANDLE = "earshot.bsky.social"
BRAND_PASSWORD = "abcd-efgh-ijkl-mnop"  # an app password
EMPTY = "text/plain; charset=utf-8"  # a method with no output answers no body, hence no JSON
_XRPC = "/xrpc/"


@dataclass(frozen=True)
class Call:
    """One XRPC call as a method handler sees it."""

    request: Request
    params: Params
    caller: Actor | None

    def input(self) -> dict[str, Any]:
        return input_object(self.request.body)

    @property
    def actor(self) -> Actor:
        if self.caller is None:
            raise XrpcError(401, "AuthMissing", "Authentication Required")
        return self.caller

    @property
    def viewer(self) -> str | None:
        return self.caller.did if self.caller is not None else None


Auth = Literal["none", "optional", "required", "refresh"]  # refresh: Bearer = refreshJwt


@dataclass(frozen=True)
class Method:
    http: str  # GET for a query, POST for a procedure
    auth: Auth  # "required" and "optional" take an access token
    run: Callable[[Call], dict[str, Any] | None]


class BlueskyFake(SandboxServer, PostControl):
    """Bluesky over XRPC on loopback: one brand account plus any number of other users.

    Python API for tests (PostControl, in bluesky_control, holds add_post and the other ways to
    change or inspect the world): add_user, add_post, add_like, add_repost, delete_post,
    posts, records, set_password, expire_tokens, set_token_lifetimes, set_rate, fault. Control
    endpoints (besides SandboxServer's calls, faults and reset) are listed in bluesky_control.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        handle: str = BRAND_HANDLE,
        password: str = BRAND_PASSWORD,
        display_name: str = "Earshot",
        email: str = "social@earshot.example",
        access_seconds: float = ACCESS_SECONDS,
        refresh_seconds: float = REFRESH_SECONDS,
        pds_endpoint: str | None = None,
    ) -> None:
        super().__init__(host, port)
        self._brand_spec = (handle, password, display_name, email)
        self._lifetimes = (access_seconds, refresh_seconds)
        self.clock: Callable[[], float] = time.time  # tokens, windows, indexedAt
        self.strict_reply_root = True  # refuse a reply whose root is not its parent's root
        self.notification_delay_seconds = 0.0  # the AppView's notificationsDelayMs
        # The PDS the DID document names, where the SDK sends every call after login: this
        # fake's base_url unless it is reached by another address (a proxy, a container name).
        self.pds_endpoint = pds_endpoint
        self._fresh()
        self._methods = self._method_table()
        for method in ("GET", "POST", "PUT", "DELETE"):
            self.route(method, _XRPC, self._serve_xrpc)
        for method, path, handler in control_routes(self):
            self.route(method, path, handler)

    def start(self) -> BlueskyFake:
        super().start()
        return self

    def __enter__(self) -> BlueskyFake:
        return self.start()

    @property
    def brand_did(self) -> str:
        return self.brand.did

    @property
    def pds(self) -> str:
        return self.pds_endpoint or self.base_url

    def reset(self) -> None:
        """Back to a fresh fake: only the brand account, no calls, faults, tokens or windows."""
        super().reset()
        with self._lock:
            self.clock = time.time
            self.strict_reply_root = True
            self.notification_delay_seconds = 0.0
            self._fresh()

    def set_password(self, password: str | None, actor: str | None = None) -> None:
        """The password (app password or main) `actor` (default: the brand) logs in with;
        None: the account cannot log in. Sessions already open stay open."""
        with self._lock:
            self._actor(actor).password = password

    def expire_tokens(self, *, refresh: bool = False) -> None:
        """Expire every access token now (with `refresh`, refresh tokens too). The next call
        with one is answered 400 ExpiredToken, though the JWT's `exp` is still ahead."""
        with self._lock:
            self.sessions.expire(refresh=refresh)

    def set_token_lifetimes(
        self, access_seconds: float | None = None, refresh_seconds: float | None = None
    ) -> None:
        """Lifetimes of tokens issued from now on. The SDK refreshes when less than 15 minutes
        of an access token remain, so an access lifetime under 900 s makes it refresh before
        every call."""
        with self._lock:
            if access_seconds is not None:
                self.sessions.access_seconds = access_seconds
            if refresh_seconds is not None:
                self.sessions.refresh_seconds = refresh_seconds

    def set_rate(self, name: str, limit: int, window_seconds: float = 300.0) -> None:
        """Set a limit: "global", "writes" (points), "com.atproto.server.createSession" or any
        other NSID (then per caller DID, or per IP without a token). See bluesky_limits."""
        with self._lock:
            self.limits.set(name, limit, window_seconds)

    @classmethod
    def fault(
        cls,
        nsid: str,
        status: int,
        message: str | None = None,
        *,
        error: str | None = None,
        count: int = 1,
    ) -> Fault:
        """A Fault answering calls of `nsid` with `status` and its XRPC error body."""
        body = error_body(status, message)
        if error is not None:
            body["error"] = error
        return Fault(_XRPC + nsid, Response(status, body), count=count)

    def _fresh(self) -> None:
        handle, password, display_name, email = self._brand_spec
        self.store = BlueskyStore(lambda: self.clock())
        self.brand = self.store.add_actor(
            handle, display_name=display_name, email=email, password=password
        )
        access, refresh = self._lifetimes
        self.sessions = Sessions(
            lambda: self.clock(), access_seconds=access, refresh_seconds=refresh
        )
        self.limits = RateLimits(lambda: self.clock())

    def _actor(self, identifier: str | None) -> Actor:
        if identifier is None:
            return self.brand
        actor = self.store.actor(identifier)
        if actor is None:
            raise KeyError(f"no account {identifier!r}")
        return actor

    # -- XRPC dispatch --------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        """As SandboxServer's; an injected fault on /xrpc/ gets the RateLimit-* headers too."""
        response = super().dispatch(request)
        if not request.path.startswith(_XRPC) or "RateLimit-Limit" in response.headers:
            return response
        nsid = request.path.removeprefix(_XRPC)
        with self._lock:
            headers = self.limits.headers(self.limits.charges(nsid, None, None))
        return replace(response, headers={**headers, **response.headers})

    def _serve_xrpc(self, request: Request) -> Response:
        nsid = request.path.removeprefix(_XRPC)
        with self._lock:
            charges = self.limits.charges(nsid, None, None)
            try:
                method = self._method(nsid, request.method)
                who = self._caller(method, request)
                did = who.did if who is not None else None
                charges = self.limits.charges(nsid, did, _identifier(nsid, request))
                self.limits.take(charges)
                body = method.run(Call(request, Params(self._query(request)), who))
                response = Response(200, body) if body is not None else _empty()
            except XrpcError as exc:
                response = exc.response()
            headers = {**self.limits.headers(charges), **response.headers}
        return replace(response, headers=headers)

    def _method(self, nsid: str, http_method: str) -> Method:
        method = self._methods.get(nsid)
        if method is None:
            raise XrpcError(501)
        if http_method != method.http:
            wanted = method.http
            raise XrpcError(400, message=f"Incorrect HTTP method ({http_method}) expected {wanted}")
        return method

    def _caller(self, method: Method, request: Request) -> Actor | None:
        if method.auth in ("none", "refresh"):
            return None
        who = caller(self.store, self.sessions, request.headers)
        if who is None and method.auth == "required":
            raise XrpcError(401, "AuthMissing", "Authentication Required")
        return who

    def _query(self, request: Request) -> str:
        """The request's query string as sent (arrays are repeated parameters)."""
        return request.raw_query

    def _method_table(self) -> dict[str, Method]:
        def store() -> BlueskyStore:
            return self.store

        def delay_ms() -> int:
            return int(self.notification_delay_seconds * 1000)

        return {
            "com.atproto.server.createSession": Method("POST", "none", lambda c: create_session(
                store(), self.sessions, c.input(), self.pds)),
            "com.atproto.server.refreshSession": Method("POST", "refresh", lambda c: (
                refresh_session(store(), self.sessions, c.request.headers, self.pds))),
            "com.atproto.server.getSession": Method("GET", "required", lambda c: get_session(
                c.actor, self.pds)),
            "app.bsky.notification.listNotifications": Method("GET", "required", lambda c: (
                list_notifications(store(), c.actor, c.params, delay_ms()))),
            "app.bsky.notification.updateSeen": Method("POST", "required", lambda c: update_seen(
                store(), c.actor, c.input())),
            "app.bsky.feed.getPosts": Method("GET", "optional", lambda c: get_posts(
                store(), c.viewer, c.params)),
            "app.bsky.feed.getPostThread": Method("GET", "optional", lambda c: get_post_thread(
                store(), c.viewer, c.params)),
            "app.bsky.feed.searchPosts": Method("GET", "optional", lambda c: search_posts(
                store(), c.viewer, c.params)),
            "com.atproto.identity.resolveHandle": Method("GET", "optional", lambda c: (
                resolve_handle(store(), c.params))),
            "app.bsky.actor.getProfile": Method("GET", "optional", lambda c: get_profile(
                store(), c.viewer, c.params)),
            "com.atproto.repo.createRecord": Method("POST", "required", lambda c: create_record(
                store(), c.actor, c.input(), strict_reply_root=self.strict_reply_root)),
            "com.atproto.repo.deleteRecord": Method("POST", "required", lambda c: delete_record(
                store(), c.actor, c.input())),
        }  # fmt: skip

    # -- control API (the rest is in bluesky_control) --------------------------------------

    def _control_faults(self, request: Request) -> Response:
        """As SandboxServer's; a fault with a status >= 400 and no body gets the XRPC body."""
        spec = request.json()
        status = int(spec.get("status", 0))
        if "body" not in spec and status >= 400:
            spec["body"] = error_body(status)
        request = replace(request, body=json.dumps(spec).encode())
        return super()._control_faults(request)


def _identifier(nsid: str, request: Request) -> str | None:
    """createSession's identifier: its rate limit counts per account tried, not per IP."""
    if nsid != CREATE_SESSION:
        return None
    try:
        body = input_object(request.body)
    except XrpcError:
        return None
    identifier = body.get("identifier")
    return identifier if isinstance(identifier, str) else None


def _empty() -> Response:
    return Response(200, None, content_type=EMPTY)
