"""Read endpoints of the X fake (users/me, mentions, user posts, recent search), list rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.server import Response
from bot.sandbox.x_data import XPost, XStore, XUser, render_post, render_user
from bot.sandbox.x_query import Node, QueryError, matches, parse_query, uses_keywords
from bot.sandbox.x_rules import (
    ID_PATTERN,
    ME_SPEC,
    MENTIONS_SPEC,
    SEARCH_SPEC,
    USER_POSTS_SPEC,
    QuerySpec,
    check_query,
    decode_token,
    encode_token,
    fail,
    invalid_request,
    is_id,
    not_found,
    ok,
    param_error,
    parse_time,
)

MENTIONS_REACHABLE = 800  # contracts/x/docs/timelines-introduction.mdx
# contracts/x/docs/timelines-integrate.mdx, "Volume limits": 3,200 most recent, 800 without replies
POSTS_REACHABLE, POSTS_REACHABLE_NO_REPLIES = 3200, 800
SEARCH_DAYS = 7  # recent search covers the last seven days
_NEVER = 2**64


def get_me(store: XStore, query: dict[str, str]) -> Response:
    errors = check_query(query, ME_SPEC)
    if errors:
        return fail(400, invalid_request(errors))
    fields = Selection.from_query(query).user_fields
    return ok({"data": render_user(store.own, fields, store)})


def get_mentions(store: XStore, user_id: str, query: dict[str, str]) -> Response:
    """Posts @mentioning the user (replies to them included), newest first, 800 most recent."""
    user = _timeline_user(store, user_id, query, MENTIONS_SPEC)
    if isinstance(user, Response):
        return user
    name = user.username.casefold()
    timeline = store.newest_first(lambda post: name in post.mentions)
    return page(store, timeline[:MENTIONS_REACHABLE], query, "pagination_token", ids_win=True)


def get_user_posts(store: XStore, user_id: str, query: dict[str, str]) -> Response:
    """The user's own posts (replies and reposts too, unless excluded), newest first."""
    user = _timeline_user(store, user_id, query, USER_POSTS_SPEC)
    if isinstance(user, Response):
        return user
    hidden = {"replies": "reply", "retweets": "retweet"}
    dropped = {hidden[name] for name in query.get("exclude", "").split(",") if name}
    timeline = store.newest_first(lambda post: post.author is user and not post.kinds & dropped)
    reach = POSTS_REACHABLE_NO_REPLIES if "reply" in dropped else POSTS_REACHABLE
    return page(store, timeline[:reach], query, "pagination_token", ids_win=True)


def _timeline_user(
    store: XStore, user_id: str, query: dict[str, str], spec: QuerySpec
) -> XUser | Response:
    """The user of /2/users/:id/..., or the 400 (bad parameters) or 200 not-found answer."""
    errors = check_query(query, spec)
    if not is_id(user_id):
        message = f"The `id` query parameter value [{user_id}] does not match {ID_PATTERN}"
        errors.insert(0, param_error("id", user_id, message))
    if errors:
        return fail(400, invalid_request(errors))
    user = store.users.get(user_id)
    if user is None:
        return ok({"errors": [not_found("id", user_id, "user")]})
    return user


def search_recent(store: XStore, query: dict[str, str], *, max_query: int) -> Response:
    """Posts of the last seven days matching `query`, newest first."""
    node, errors = _parse_search(query, max_query)
    if node is None:
        return fail(400, invalid_request(errors))
    oldest = datetime.now(UTC) - timedelta(days=SEARCH_DAYS)
    # Since 2026-05-04 keyword searches no longer return reposts (contracts/x/docs/changelog.mdx).
    no_reposts = uses_keywords(node)

    def hit(post: XPost) -> bool:
        hidden = no_reposts and "retweet" in post.kinds
        return post.created_at >= oldest and not hidden and matches(node, post)

    token_name = "next_token" if "next_token" in query else "pagination_token"
    return page(store, store.newest_first(hit), query, token_name)


def _parse_search(query: dict[str, str], max_query: int) -> tuple[Node | None, list[Any]]:
    errors = check_query(query, SEARCH_SPEC)
    text = query.get("query", "")
    if len(text) > max_query:
        message = (
            f"The `query` query parameter value [{text}] is longer than {max_query} characters"
        )
        errors.append(param_error("query", text, message))
    start = parse_time(query.get("start_time", ""))
    floor = datetime.now(UTC) - timedelta(days=SEARCH_DAYS)
    if start is not None and start < floor:
        message = (
            f"Invalid 'start_time':'{query['start_time']}'. "
            f"'start_time' must be on or after {floor:%Y-%m-%dT%H:%MZ}"
        )
        errors.append(param_error("start_time", query["start_time"], message))
    if errors:
        return None, errors
    try:
        return parse_query(text), []
    except QueryError as exc:
        return None, [param_error("query", text, str(exc))]


def page(
    store: XStore,
    posts: list[XPost],
    query: dict[str, str],
    token_name: str,
    *,
    ids_win: bool = False,
) -> Response:
    """One page of `posts` (already newest first) after since_id/until_id/time/token filters.

    `ids_win`: since_id takes precedence over start_time, until_id over end_time (timelines).
    """
    token = query.get(token_name)
    below = decode_token(token) if token else None
    if token and below is None:
        message = f"The `{token_name}` query parameter value [{token}] is not a valid token"
        return fail(400, invalid_request([param_error(token_name, token, message)]))
    low = int(query.get("since_id", -1))
    high = min(int(query.get("until_id", _NEVER)), int(below or _NEVER))
    start = _time(query, "start_time", ids_win and "since_id" in query, datetime.min)
    end = _time(query, "end_time", ids_win and "until_id" in query, datetime.max)
    kept = [p for p in posts if low < int(p.id) < high and start <= p.created_at < end]
    size = int(query.get("max_results", 10))
    shown = kept[:size]
    body = render_posts(shown, Selection.from_query(query), store)
    meta: dict[str, Any] = {"result_count": len(shown)}
    if shown:
        meta.update(newest_id=shown[0].id, oldest_id=shown[-1].id)
    if len(kept) > size:
        meta["next_token"] = encode_token(shown[-1].id)
    body["meta"] = meta
    return ok(body)


def _time(query: dict[str, str], name: str, overridden: bool, default: datetime) -> datetime:
    moment = None if overridden else parse_time(query.get(name, ""))
    return moment or default.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Selection:
    """tweet.fields, user.fields and expansions of one request."""

    tweet_fields: frozenset[str] = frozenset()
    user_fields: frozenset[str] = frozenset()
    expansions: frozenset[str] = frozenset()

    @classmethod
    def from_query(cls, query: dict[str, str]) -> Selection:
        def split(name: str) -> frozenset[str]:
            return frozenset(item for item in query.get(name, "").split(",") if item)

        return cls(split("tweet.fields"), split("user.fields"), split("expansions"))


def render_posts(posts: list[XPost], sel: Selection, store: XStore) -> dict[str, Any]:
    """`data`, `includes` and partial `errors` of a list response (keys only when non-empty)."""
    users: dict[str, XUser] = {}
    for post in posts:
        for user in _expanded_users(post, sel.expansions, store):
            users.setdefault(user.id, user)
    tweets, errors = _expanded_tweets(posts, sel.expansions, store)
    body: dict[str, Any] = {}
    if posts:
        body["data"] = [render_post(post, sel.tweet_fields, store) for post in posts]
    includes: dict[str, Any] = {}
    if users:
        includes["users"] = [render_user(u, sel.user_fields, store) for u in users.values()]
    if tweets:
        includes["tweets"] = [render_post(t, sel.tweet_fields, store) for t in tweets]
    if includes:
        body["includes"] = includes
    if errors:
        body["errors"] = errors
    return body


def _expanded_tweets(
    posts: list[XPost], expansions: frozenset[str], store: XStore
) -> tuple[list[XPost], list[dict[str, Any]]]:
    """includes.tweets: referenced posts and the other versions of edited posts, if asked."""
    found: dict[str, XPost] = {}
    errors: list[dict[str, Any]] = []
    wanted: list[tuple[str, str]] = []
    for post in posts:
        if "referenced_tweets.id" in expansions:
            wanted += [("referenced_tweets.id", ref["id"]) for ref in post.referenced_tweets]
        if "edit_history_tweet_ids" in expansions:
            versions = store.history(post.id)
            wanted += [("edit_history_tweet_ids", v) for v in versions if v != post.id]
    for parameter, post_id in wanted:
        expanded = store.posts.get(post_id)
        if expanded is None:
            errors.append(not_found(parameter, post_id, "tweet"))
        else:
            found.setdefault(expanded.id, expanded)
    return list(found.values()), errors


def _expanded_users(post: XPost, expansions: frozenset[str], store: XStore) -> list[XUser]:
    found: list[XUser | None] = []
    if "author_id" in expansions:
        found.append(post.author)
    if "in_reply_to_user_id" in expansions and post.in_reply_to_user_id:
        found.append(store.users.get(post.in_reply_to_user_id))
    if "entities.mentions.username" in expansions:
        names = [m["username"] for m in post.entities.get("mentions", [])]
        found.extend(store.user_by_username(name) for name in names)
    if "referenced_tweets.id.author_id" in expansions:
        refs = (store.posts.get(ref["id"]) for ref in post.referenced_tweets)
        found.extend(ref.author for ref in refs if ref is not None)
    return [user for user in found if user is not None]
