"""DM event reads of the X fake, as our account, and how X renders DM events.

  GET /2/dm_events                                       our events across conversations
  GET /2/dm_conversations/with/:participant_id/dm_events  the events of one conversation

Contract: contracts/x/openapi.json (DmEvent, Get2DmEventsResponse,
Get2DmConversationsWithParticipantIdDmEventsResponse). An event shows id, event_type and text by
default, or participant_ids for ParticipantsJoin/Leave (data-dictionary.mdx, "Direct Message
events"); since 2025-06-03 a MessageCreate event has no participant_ids (changelog.mdx). X's DM
guides add: newest first, 30 days back. `entities` is rendered as one object, as the data
dictionary and the newer spec (openapi-post-fields.json, DmEventEntities) have it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.server import Response
from bot.sandbox.x_data import XPost, XStore, XUser, iso, render_post, render_user
from bot.sandbox.x_dms import DmEvent, DmLog, one_to_one
from bot.sandbox.x_rules import (
    ID_PATTERN,
    TWEET_FIELDS,
    USER_FIELDS,
    QuerySpec,
    check_query,
    fail,
    invalid_request,
    is_id,
    names,
    not_found,
    ok,
    param_error,
)

REACHABLE = timedelta(days=30)
EVENT_TYPES = ("MessageCreate", "ParticipantsJoin", "ParticipantsLeave")
_BASE32 = "0123456789ABCDEFGHIJKLMNOPQRSTUV"

# Enums of DmEventFieldsParameter, DmEventExpansionsParameter, MediaFieldsParameter (v2.159).
DM_EVENTS_SPEC = QuerySpec(
    names(
        "dm_event.fields event_types expansions max_results media.fields pagination_token "
        "tweet.fields user.fields"
    ),
    {
        "dm_event.fields": names(
            "attachments created_at dm_conversation_id entities event_type id participant_ids "
            "referenced_tweets sender_id text"
        ),
        "event_types": frozenset(EVENT_TYPES),
        "expansions": names(
            "attachments.media_keys participant_ids referenced_tweets.id sender_id"
        ),
        "media.fields": names(
            "alt_text duration_ms height media_key non_public_metrics organic_metrics "
            "preview_image_url promoted_metrics public_metrics type url variants width"
        ),
        "tweet.fields": TWEET_FIELDS,
        "user.fields": USER_FIELDS,
    },
    {"max_results": (1, 100)},
)


def dm_events(
    store: XStore, log: DmLog, query: dict[str, str], participant_id: str | None = None
) -> Response:
    """A page of our DM events (with `participant_id`: of that one conversation), newest first.

    meta: result_count; previous_token (the newer events) on every page with events, as X's
    sample shows; next_token while older events remain.
    """
    errors = check_query(query, DM_EVENTS_SPEC)
    if participant_id is not None and not is_id(participant_id):
        message = f"The `participant_id` query parameter value [{participant_id}] does not match"
        errors.insert(0, param_error("participant_id", participant_id, f"{message} {ID_PATTERN}"))
    token = query.get("pagination_token")
    anchor = _anchor(log, token) if token else None
    if token and anchor is None:
        message = f"The `pagination_token` query parameter value [{token}] is not a valid token"
        errors.append(param_error("pagination_token", token, message))
    if errors:
        return fail(400, invalid_request(errors))
    if participant_id is not None and participant_id not in store.users:
        return ok({"errors": [not_found("participant_id", participant_id, "user")]})
    events = log.newest_first(_visible(store, query, participant_id))
    shown = _page(events, anchor, int(query.get("max_results", 100)))
    body = render_events(shown, query, store)
    meta: dict[str, Any] = {"result_count": len(shown)}
    if shown:
        meta["previous_token"] = encode_cursor("P", shown[0].id)
        if events[-1] is not shown[-1]:
            meta["next_token"] = encode_cursor("N", shown[-1].id)
    body["meta"] = meta
    return ok(body)


def _visible(
    store: XStore, query: dict[str, str], participant_id: str | None
) -> Callable[[DmEvent], bool]:
    wanted = set(_split(query, "event_types")) or set(EVENT_TYPES)
    conversation = one_to_one(store.own.id, participant_id) if participant_id else None
    oldest = datetime.now(UTC) - REACHABLE

    def keep(event: DmEvent) -> bool:
        if conversation is not None and event.dm_conversation_id != conversation:
            return False
        mine = store.own.id in event.members
        return mine and event.event_type in wanted and event.created_at >= oldest

    return keep


def _page(events: list[DmEvent], anchor: tuple[str, DmEvent] | None, size: int) -> list[DmEvent]:
    """The page `anchor` points at: the `size` events just older (N) or just newer (P)."""
    if anchor is None:
        return events[:size]
    kind, event = anchor
    if kind == "N":
        return [e for e in events if e.order < event.order][:size]
    return [e for e in events if e.order > event.order][-size:]


def encode_cursor(kind: str, event_id: str) -> str:
    """An opaque token (base32, PaginationToken32's 16 characters or more) from an event id."""
    number, digits = int(event_id), ""
    while number:
        number, rest = divmod(number, 32)
        digits = _BASE32[rest] + digits
    return f"{kind}{digits:0>13}ZZZZ"


def _anchor(log: DmLog, token: str) -> tuple[str, DmEvent] | None:
    body = token[1:-4]
    if len(token) != 18 or token[0] not in "NP" or not token.endswith("ZZZZ"):
        return None
    if any(char not in _BASE32 for char in body):
        return None
    event = log.events.get(str(int(body, 32)))
    return None if event is None else (token[0], event)


# -- rendering ----------------------------------------------------------------------------------

_EVENT_FIELDS: dict[str, Callable[[DmEvent], Any]] = {
    "text": lambda e: e.text,
    "created_at": lambda e: iso(e.created_at),
    "dm_conversation_id": lambda e: e.dm_conversation_id,
    "sender_id": lambda e: e.sender_id,
    "participant_ids": lambda e: list(e.participant_ids) or None,
    "attachments": lambda e: {"media_keys": list(e.media_keys)} if e.media_keys else None,
    "referenced_tweets": lambda e: [{"id": post_id} for post_id in e.referenced_tweets] or None,
    "entities": lambda e: e.entities or None,
}
EVERY_EVENT_FIELD = frozenset(_EVENT_FIELDS)


def render_event(event: DmEvent, fields: Iterable[str]) -> dict[str, Any]:
    """id and event_type, the type's default field, and the requested fields that have a value."""
    default = "text" if event.event_type == "MessageCreate" else "participant_ids"
    out: dict[str, Any] = {"id": event.id, "event_type": event.event_type}
    for name in sorted({default, *fields} & EVERY_EVENT_FIELD):
        value = _EVENT_FIELDS[name](event)
        if value is not None:
            out[name] = value
    return out


def render_events(events: list[DmEvent], query: dict[str, str], store: XStore) -> dict[str, Any]:
    """`data`, `includes` (users, tweets, media) and partial `errors`, keys only when non-empty."""
    expansions = _split(query, "expansions")
    body: dict[str, Any] = {}
    if events:
        body["data"] = [render_event(e, _split(query, "dm_event.fields")) for e in events]
    users = _expanded_users(events, expansions, store)
    posts, errors = _expanded_posts(events, expansions, store)
    media = [key for e in events for key in e.media_keys if "attachments.media_keys" in expansions]
    includes: dict[str, Any] = {}
    if users:
        includes["users"] = [render_user(u, _split(query, "user.fields"), store) for u in users]
    if posts:
        includes["tweets"] = [render_post(p, _split(query, "tweet.fields"), store) for p in posts]
    if media:  # no media upload here: every attachment is a photo known only by its key
        includes["media"] = [{"media_key": key, "type": "photo"} for key in dict.fromkeys(media)]
    if includes:
        body["includes"] = includes
    if errors:
        body["errors"] = errors
    return body


def _expanded_users(events: list[DmEvent], expansions: set[str], store: XStore) -> list[XUser]:
    ids: list[str] = []
    for event in events:
        if "sender_id" in expansions and event.sender_id:
            ids.append(event.sender_id)
        if "participant_ids" in expansions:
            ids += event.participant_ids
    found = (store.users.get(user_id) for user_id in dict.fromkeys(ids))
    return [user for user in found if user is not None]


def _expanded_posts(
    events: list[DmEvent], expansions: set[str], store: XStore
) -> tuple[list[XPost], list[dict[str, Any]]]:
    if "referenced_tweets.id" not in expansions:
        return [], []
    wanted = dict.fromkeys(post_id for event in events for post_id in event.referenced_tweets)
    errors = [not_found("referenced_tweets.id", p, "tweet") for p in wanted if p not in store.posts]
    return [store.posts[p] for p in wanted if p in store.posts], errors


def _split(query: dict[str, str], name: str) -> set[str]:
    return {item for item in query.get(name, "").split(",") if item}
