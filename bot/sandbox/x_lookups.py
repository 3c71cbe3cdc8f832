"""Post lookup endpoints of the X fake: GET /2/tweets/:id and GET /2/tweets?ids=.

A post that does not exist (never posted, or deleted) is not an HTTP error: X answers 200 with
a resource-not-found problem in `errors`, next to the posts it found.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.server import Response
from bot.sandbox.x_data import XStore
from bot.sandbox.x_reads import Selection, render_posts
from bot.sandbox.x_rules import (
    ID_PATTERN,
    IDS_LOOKUP_SPEC,
    LOOKUP_SPEC,
    check_query,
    fail,
    invalid_request,
    is_id,
    not_found,
    ok,
    param_error,
)

MAX_IDS = 100  # GET /2/tweets `ids`: maxItems 100 (contracts/x/openapi.json)


def get_post(store: XStore, post_id: str, query: dict[str, str]) -> Response:
    """One post by id, `data` an object; any version of an edited post answers its own id."""
    errors = check_query(query, LOOKUP_SPEC)
    if not is_id(post_id):
        errors.insert(0, param_error("id", post_id, _invalid_id("id", post_id)))
    if errors:
        return fail(400, invalid_request(errors))
    post = store.posts.get(post_id)
    if post is None:
        return ok({"errors": [not_found("id", post_id, "tweet")]})
    body = render_posts([post], Selection.from_query(query), store)
    body["data"] = body["data"][0]
    return ok(body)


def get_posts(store: XStore, query: dict[str, str]) -> Response:
    """Up to 100 posts by id, in the order asked, with one not-found error per missing id."""
    errors = check_query(query, IDS_LOOKUP_SPEC)
    raw = query.get("ids", "")
    ids = list(dict.fromkeys(raw.split(","))) if raw else []
    if raw and not 1 <= len(raw.split(",")) <= MAX_IDS:
        count = len(raw.split(","))
        message = (
            f"The number of values in the `ids` query parameter list [{count}] "
            f"is not between 1 and {MAX_IDS}"
        )
        errors.append(param_error("ids", raw, message))
    errors += [param_error("ids", raw, _invalid_id("ids", one)) for one in ids if not is_id(one)]
    if errors:
        return fail(400, invalid_request(errors))
    found = [store.posts[one] for one in ids if one in store.posts]
    missing = [not_found("ids", one, "tweet") for one in ids if one not in store.posts]
    body: dict[str, Any] = render_posts(found, Selection.from_query(query), store)
    if missing or "errors" in body:
        body["errors"] = missing + body.get("errors", [])
    return ok(body)


def _invalid_id(name: str, value: str) -> str:
    """X's words: a value that is no number "is not valid"; too long a number fails the pattern."""
    if value.isascii() and value.isdigit():
        return f"The `{name}` query parameter value [{value}] does not match {ID_PATTERN}"
    return f"The `{name}` query parameter value [{value}] is not valid"
