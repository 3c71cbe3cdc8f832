"""The /_control routes of the X fake that change its world: posts (add, edit, delete), config.

Another process (the demo, a test in a subprocess) drives the fake through them; each answers
plain JSON, 400 for a malformed request and 404 for a post the fake does not hold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.server import Request, Response, Route

if TYPE_CHECKING:
    from bot.sandbox.x_api import XFake


def control_routes(fake: XFake) -> list[tuple[str, str, Route]]:
    """(method, path, handler) of every control route below, bound to `fake`."""
    return [
        ("GET", "/_control/posts", lambda _: Response(200, {"posts": fake.all_posts()})),
        ("POST", "/_control/posts", lambda request: add_post(fake, request)),
        ("POST", "/_control/posts/edit", lambda request: edit_post(fake, request)),
        ("POST", "/_control/posts/delete", lambda request: delete_post(fake, request)),
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


def set_config(fake: XFake, request: Request) -> Response:
    spec = request.json()
    unknown = set(spec) - {"tier", "revoked_token", "user_bearer_tokens", "rate_limit"}
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
    except (KeyError, TypeError, ValueError) as exc:
        return Response(400, {"error": "invalid_config", "detail": str(exc)})
    return Response(200, fake.config())


def field(body: Any, name: str) -> object:
    """body[name] of a JSON object body, None for any other body."""
    return body.get(name) if isinstance(body, dict) else None
