"""A contract-faithful fake of the Mastodon REST API Earshot uses, over loopback.

One fake plays the brand's home server (`social.example`, account `earshot`) and the accounts
it knows, local and remote: reads (mastodon_reads), writes (mastodon_writes), rate limits
(mastodon_limits), text rules (mastodon_text). Contract: contracts/mastodon/KEY-FACTS.md and the
docs beside it. Build the real client against it with
`Mastodon(access_token=fake.token, api_base_url=fake.base_url, ratelimit_method="throw")`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from bot.sandbox import mastodon_reads as reads
from bot.sandbox import mastodon_writes as writes
from bot.sandbox.mastodon_control import WorldControl, control_routes
from bot.sandbox.mastodon_data import MastodonStore
from bot.sandbox.mastodon_instance import instance_v1, instance_v2
from bot.sandbox.mastodon_limits import Charge, RateLimits, State, tightest
from bot.sandbox.mastodon_rules import INVALID_TOKEN, NOT_FOUND, ApiError, Call, Params
from bot.sandbox.server import Fault, Request, Response, SandboxServer

DOMAIN = "social.example"
BRAND_USERNAME = "earshot"
BRAND_TOKEN = "mastodon-sandbox-token"
VERSION = "4.3.8"
_API = "/api/"
_ID = r"([^/]+)"
_PAGING = ("max_id", "since_id", "min_id", "page")

Auth = Literal["public", "user"]  # public: a token is optional (but must be valid if sent)
Handler = Callable[[Call], Response]


@dataclass(frozen=True)
class Endpoint:
    """One REST method: a full-match path pattern whose groups become Call.args."""

    method: str
    pattern: re.Pattern[str]
    auth: Auth
    run: Handler


class MastodonFake(SandboxServer, WorldControl):
    """Mastodon's REST API on loopback: the brand's account (token `BRAND_TOKEN`) and others.

    Python API for tests (WorldControl, in mastodon_control, holds add_account, add_status and
    the other ways to change or inspect the world): add_account, add_status, add_follow,
    add_favourite, statuses, favourites, reblogs, delete_status, set_max_characters,
    set_full_text_search, set_rate, set_token, fault. Control endpoints (besides
    SandboxServer's calls, faults and reset) are listed in mastodon_control.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        domain: str = DOMAIN,
        username: str = BRAND_USERNAME,
        token: str = BRAND_TOKEN,
        version: str = VERSION,
        max_characters: int = 500,
        full_text_search: bool = False,
    ) -> None:
        super().__init__(host, port)
        self.clock: Callable[[], float] = time.time
        self._spec = (domain, username, token, version, max_characters, full_text_search)
        self._family: State | None = None  # this request's "statuses" window, if it posted
        self._fresh()
        self._endpoints = self._endpoint_table()
        for method in ("GET", "POST", "PUT", "DELETE", "PATCH"):
            self.route(method, _API, self._serve_api)
        for method, path, handler in control_routes(self):
            self.route(method, path, handler)

    def start(self) -> MastodonFake:
        super().start()
        return self

    def __enter__(self) -> MastodonFake:
        return self.start()

    def reset(self) -> None:
        """Back to a fresh fake: only the brand account, default settings, no calls or faults."""
        super().reset()
        with self._lock:
            self.clock = time.time
            self._fresh()

    def _fresh(self) -> None:
        domain, username, token, version, max_characters, full_text = self._spec
        self.store = MastodonStore(domain, lambda: self.clock())
        self.store.brand_id = self.store.add_account(username, None, "Earshot", 0).id
        self.token = token
        self.version = version
        self.full_text_search = full_text
        self.posting = writes.Posting(max_characters)
        self.limits = RateLimits(lambda: self.clock())

    @property
    def domain(self) -> str:
        return self.store.domain

    @classmethod
    def fault(cls, path: str, status: int, error: str | None = None, *, count: int = 1) -> Fault:
        """A Fault answering calls under `path` with `status` and Mastodon's error body."""
        return Fault(path, Response(status, {"error": error or _reason(status)}), count=count)

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        """As SandboxServer's; an injected fault on /api/ gets the rate-limit headers too."""
        response = super().dispatch(request)
        if not request.path.startswith(_API) or "X-RateLimit-Limit" in response.headers:
            return response
        with self._lock:
            who = self._who(request)
            states = [self.limits.peek(c) for c in self._charges(request, who)]
        return replace(response, headers={**tightest(states), **response.headers})

    def _serve_api(self, request: Request) -> Response:
        with self._lock:
            states: list[State] = []
            self._family = None
            try:
                who = self._who(request)
                states = self.limits.take(self._charges(request, who))
                response = self._call(request, who)
            except ApiError as exc:
                response = exc.response()
            if self._family is not None:  # override_rate_limit_headers family: :statuses
                states.append(self._family)
            headers = {**tightest(states), **response.headers}
        return replace(response, headers=headers)

    def _call(self, request: Request, who: str | None) -> Response:
        path = request.path.rstrip("/") or "/"
        endpoint, args = self._endpoint(request.method, path)
        if who == "":
            raise ApiError(401, INVALID_TOKEN)
        viewer = self.store.accounts.get(who) if who else None
        if endpoint.auth == "user" and viewer is None:
            raise ApiError(401, INVALID_TOKEN)
        params = Params(self._query(request), request.body, request.headers.get("content-type", ""))
        return endpoint.run(Call(request, params, viewer, args, self.base_url))

    def _endpoint(self, method: str, path: str) -> tuple[Endpoint, tuple[str, ...]]:
        for endpoint in self._endpoints:
            match = endpoint.pattern.fullmatch(path)
            if match and endpoint.method == method:
                return endpoint, match.groups()
        raise ApiError(404, NOT_FOUND)

    def _who(self, request: Request) -> str | None:
        """The token's account ID; "" for a token that is not valid; None without one."""
        header = request.headers.get("authorization", "")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self.token:
            return ""
        return self.store.brand_id

    def _charges(self, request: Request, who: str | None) -> list[Charge]:
        """The Rack::Attack throttles this request counts in (see mastodon_limits)."""
        user = who or None
        charges = (
            [Charge("token", self.token), Charge("user", user)] if user else [Charge("ip", "ip")]
        )
        query = self._query(request)
        if any(f"{name}=" in query for name in _PAGING):
            charges.append(Charge("paging", user or "ip"))
        deleting = (request.method == "DELETE" and _STATUS.fullmatch(request.path)) or (
            request.method == "POST" and request.path.endswith("/unreblog")
        )
        if deleting and user:
            charges.append(Charge("deletes", user))
        return charges

    def _query(self, request: Request) -> str:
        """The request's query string as sent (arrays are repeated parameters)."""
        return request.raw_query

    def _take_status(self) -> None:
        """Count a new status in the author's "statuses" window (RateLimiter#record!)."""
        self._family = self.limits.take_status(self.store.brand_id)

    def _endpoint_table(self) -> list[Endpoint]:
        def store() -> MastodonStore:
            return self.store

        def read(run: Callable[[MastodonStore, Call], Response]) -> Handler:
            return lambda call: run(store(), call)

        def write(run: Callable[[MastodonStore, Call], dict[str, Any]]) -> Handler:
            return lambda call: Response(200, run(store(), call))

        def post(call: Call) -> Response:
            body = writes.post_status(store(), self.posting, call, self._take_status)
            return Response(200, body)

        def boost(call: Call) -> Response:
            return Response(200, writes.reblog(store(), call, self._take_status))

        def search(call: Call) -> Response:
            return reads.search(store(), call, full_text=self.full_text_search)

        def instance(v2: bool) -> Handler:
            build = instance_v2 if v2 else instance_v1
            return lambda call: Response(200, build(self, call.base_url))

        table: list[tuple[str, str, Auth, Handler]] = [
            ("GET", "/api/v1/instance", "public", instance(False)),
            ("GET", "/api/v2/instance", "public", instance(True)),
            ("GET", "/api/v1/accounts/verify_credentials", "user", read(reads.verify_credentials)),
            ("GET", "/api/v1/notifications", "user", read(reads.notifications)),
            ("GET", f"/api/v1/notifications/{_ID}", "user", read(reads.notification)),
            ("POST", "/api/v1/statuses", "user", post),
            ("GET", f"/api/v1/statuses/{_ID}", "public", read(reads.status)),
            ("GET", f"/api/v1/statuses/{_ID}/context", "public", read(reads.context)),
            ("DELETE", f"/api/v1/statuses/{_ID}", "user", write(writes.delete_status)),
            ("POST", f"/api/v1/statuses/{_ID}/favourite", "user", write(
                lambda s, c: writes.favourite(s, c, on=True))),
            ("POST", f"/api/v1/statuses/{_ID}/unfavourite", "user", write(
                lambda s, c: writes.favourite(s, c, on=False))),
            ("POST", f"/api/v1/statuses/{_ID}/reblog", "user", boost),
            ("POST", f"/api/v1/statuses/{_ID}/unreblog", "user", write(writes.unreblog)),
            ("GET", "/api/v2/search", "public", search),
            ("GET", f"/api/v1/timelines/tag/{_ID}", "public", read(reads.tag_timeline)),
        ]  # fmt: skip
        return [Endpoint(m, re.compile(p), auth, run) for m, p, auth, run in table]


_STATUS = re.compile(r"/api/v1/statuses/[^/]+/?")


def _reason(status: int) -> str:
    """The `error` Mastodon answers a status with when nothing more specific applies."""
    return {
        401: INVALID_TOKEN,
        403: "This action is not allowed",
        404: NOT_FOUND,
        422: "Validation failed",
        429: "Too many requests",
        503: "There was a temporary problem serving your request, please try again",
    }.get(status, "Internal server error")
