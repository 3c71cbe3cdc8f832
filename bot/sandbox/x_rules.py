"""Problem bodies, query-parameter checks and rate-limit windows of the X API v2 fake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from http import HTTPStatus
from typing import Any

from bot.sandbox.server import Response

PROBLEMS = "https://api.twitter.com/2/problems/"
ID_PATTERN = "^[0-9]{1,19}$"
WINDOW_SECONDS = 900.0


def names(text: str) -> frozenset[str]:
    """A set of names written as one space-separated string."""
    return frozenset(text.split())


# Enums copied from the OpenAPI parameters TweetFieldsParameter, UserFieldsParameter,
# TweetExpansionsParameter and UserExpansionsParameter (contracts/x/openapi.json, v2.159).
TWEET_FIELDS = names(
    "article attachments author_id card_uri community_id context_annotations conversation_id "
    "created_at display_text_range edit_controls edit_history_tweet_ids entities geo id "
    "in_reply_to_user_id lang media_metadata non_public_metrics note_tweet organic_metrics "
    "possibly_sensitive promoted_metrics public_metrics referenced_tweets reply_settings scopes "
    "source suggested_source_links suggested_source_links_with_counts text withheld"
)
USER_FIELDS = names(
    "affiliation confirmed_email connection_status created_at description entities id "
    "is_identity_verified location most_recent_tweet_id name parody pinned_tweet_id "
    "profile_banner_url profile_image_url protected public_metrics receives_your_dm subscription "
    "subscription_type url username verified verified_followers_count verified_type withheld"
)
TWEET_EXPANSIONS = names(
    "article.cover_media article.media_entities attachments.media_keys "
    "attachments.media_source_tweet attachments.poll_ids author_id edit_history_tweet_ids "
    "entities.mentions.username geo.place_id in_reply_to_user_id entities.note.mentions.username "
    "referenced_tweets.id referenced_tweets.id.attachments.media_keys "
    "referenced_tweets.id.author_id"
)
USER_EXPANSIONS = frozenset({"affiliation.user_id", "most_recent_tweet_id", "pinned_tweet_id"})
_OTHER_FIELDS = ("media.fields", "poll.fields", "place.fields")

# (per app, per user) requests per 15-minute window, from contracts/x/docs/rate-limits.mdx.
# None per app = the endpoint needs a user context (app-only Bearer is refused). A key is the
# path template; "GET /2/tweets" (post lookup) is told apart from POST /2/tweets by its method.
RATE_LIMITS: dict[str, tuple[int | None, int]] = {
    "/2/users/me": (None, 75),
    "/2/users/:id/mentions": (450, 300),
    "/2/users/:id/tweets": (10_000, 900),
    "/2/tweets/search/recent": (450, 300),
    "/2/tweets/:id": (450, 900),
    "GET /2/tweets": (3_500, 5_000),
    "/2/tweets": (None, 100),
    "/2/users/:id/likes": (None, 50),
    "/2/users/:id/likes/:tweet_id": (None, 50),
    "/2/users/:id/retweets": (None, 50),
    "/2/users/:id/retweets/:source_tweet_id": (None, 50),
    # "Direct Messages lookup" and "Manage Direct Messages": user context only.
    "/2/dm_events": (None, 15),
    "/2/dm_conversations/with/:participant_id/dm_events": (None, 15),
    "/2/dm_conversations/with/:participant_id/messages": (None, 15),
}
# 24-hour caps on top of the 15-minute windows, (per app, per user), same source: "Per App" of
# a user-context endpoint counts every user of the app together. See x_limits for the headers.
DAILY_LIMITS: dict[str, tuple[int | None, int | None]] = {
    "/2/dm_conversations/with/:participant_id/messages": (1_440, 1_440),
}
DAY_SECONDS = 86_400.0


def problem(status: int, detail: str | None = None) -> dict[str, Any]:
    """A generic (about:blank) RFC 7807 problem as X sends it, e.g. for 401, 403, 429, 503."""
    phrase = HTTPStatus(status).phrase
    return {"title": phrase, "detail": detail or phrase, "type": "about:blank", "status": status}


def invalid_request(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }


def param_error(name: str, value: str | None, message: str) -> dict[str, Any]:
    return {"parameters": {name: [] if value is None else [value]}, "message": message}


def not_found(parameter: str, value: str, resource_type: str) -> dict[str, Any]:
    return {
        "value": value,
        "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": resource_type,
        "parameter": parameter,
        "resource_id": value,
        "type": PROBLEMS + "resource-not-found",
    }


def client_forbidden(detail: str) -> dict[str, Any]:
    return {
        "title": "Client Forbidden",
        "detail": detail,
        "reason": "client-not-enrolled",
        "registration_url": "https://developer.x.com/en/portal/products",
        "type": PROBLEMS + "client-forbidden",
        "status": 403,
    }


UNSUPPORTED_AUTHENTICATION = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
    "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": PROBLEMS + "unsupported-authentication",
    "status": 403,
}
ROUTE_NOT_FOUND = {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}


@dataclass(frozen=True)
class QuerySpec:
    """What one endpoint accepts in its query string."""

    names: frozenset[str]
    lists: Mapping[str, frozenset[str]] = field(default_factory=dict)
    ranges: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    ids: frozenset[str] = frozenset({"since_id", "until_id"})
    times: frozenset[str] = frozenset({"start_time", "end_time"})
    required: frozenset[str] = frozenset()


def timeline_spec(extra: set[str], ranges: Mapping[str, tuple[int, int]]) -> QuerySpec:
    lists = {"tweet.fields": TWEET_FIELDS, "user.fields": USER_FIELDS}
    lists["expansions"] = TWEET_EXPANSIONS
    base = {"since_id", "until_id", "max_results", "start_time", "end_time", *_OTHER_FIELDS}
    return QuerySpec(frozenset(base | extra | set(lists)), lists, ranges)


ME_SPEC = QuerySpec(
    frozenset({"user.fields", "expansions", "tweet.fields"}),
    {"user.fields": USER_FIELDS, "expansions": USER_EXPANSIONS, "tweet.fields": TWEET_FIELDS},
)
MENTIONS_SPEC = timeline_spec({"pagination_token"}, {"max_results": (5, 100)})
USER_POSTS_SPEC = replace(
    timeline_spec({"pagination_token", "exclude"}, {"max_results": (5, 100)}),
    lists={**MENTIONS_SPEC.lists, "exclude": frozenset({"replies", "retweets"})},
)
# GET /2/tweets/:id and GET /2/tweets?ids= take only the field and expansion parameters.
LOOKUP_SPEC = QuerySpec(frozenset({*MENTIONS_SPEC.lists, *_OTHER_FIELDS}), MENTIONS_SPEC.lists)
IDS_LOOKUP_SPEC = replace(
    LOOKUP_SPEC, names=LOOKUP_SPEC.names | {"ids"}, required=frozenset({"ids"})
)
SEARCH_SPEC = replace(
    timeline_spec(
        {"query", "next_token", "pagination_token", "sort_order"}, {"max_results": (10, 100)}
    ),
    required=frozenset({"query"}),
)


def check_query(query: Mapping[str, str], spec: QuerySpec) -> list[dict[str, Any]]:
    """Every parameter error X would list for this query string, in one pass."""
    errors = [
        param_error(name, None, f"The `{name}` query parameter can not be empty")
        for name in sorted(spec.required)
        if not query.get(name)
    ]
    for name, value in query.items():
        if name not in spec.names:
            allowed = ",".join(sorted(spec.names))
            errors.append(
                param_error(name, value, f"The query parameter [{name}] is not one of [{allowed}]")
            )
        else:
            message = _check_value(name, value, spec)
            if message:
                errors.append(param_error(name, value, message))
    return errors


def _check_value(name: str, value: str, spec: QuerySpec) -> str | None:
    prefix = f"The `{name}` query parameter value [{value}]"
    if name in spec.lists:
        bad = [item for item in value.split(",") if item not in spec.lists[name]]
        if bad:
            allowed = ",".join(sorted(spec.lists[name]))
            return f"The `{name}` query parameter value [{bad[0]}] is not one of [{allowed}]"
    if name in spec.ranges:
        low, high = spec.ranges[name]
        if not value.isdigit() or not low <= int(value) <= high:
            return f"{prefix} is not between {low} and {high}"
    if name in spec.ids and not is_id(value):
        return f"{prefix} does not match {ID_PATTERN}"
    if name in spec.times and parse_time(value) is None:
        return f"{prefix} is not a valid RFC 3339 date-time"
    return None


def is_id(value: object) -> bool:
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19


def parse_time(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def encode_token(post_id: str) -> str:
    """An opaque base36 pagination token pointing below `post_id`."""
    number, digits = int(post_id), ""
    while number:
        number, rest = divmod(number, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return "7140dibd" + (digits or "0")


def decode_token(token: str) -> str | None:
    if not token.startswith("7140dibd"):
        return None
    try:
        return str(int(token[len("7140dibd") :], 36))
    except ValueError:
        return None


PROBLEM_JSON = "application/problem+json"


def ok(body: dict[str, Any], status: int = 200) -> Response:
    return Response(status, body)


def fail(status: int, body: dict[str, Any]) -> Response:
    """An error answer: RFC 7807 bodies travel as application/problem+json."""
    return Response(status, body, content_type=PROBLEM_JSON)


def is_problem(body: object) -> bool:
    return isinstance(body, dict) and "type" in body and "title" in body
