"""Direct messages in the X fake: the DM events it holds and one-to-one sends by our account.

  POST /2/dm_conversations/with/:participant_id/messages  201 {"data": {dm_conversation_id,
                                                          dm_event_id}}

The reads are in x_dm_reads. Contract: contracts/x/openapi.json (CreateMessageRequest,
CreateDmEventResponse, DmEvent). X's DM guides add: a one-to-one conversation's id is
"<smaller user id>-<larger user id>", text or attachments are required (one attachment at most),
and a Post URL in the text becomes referenced_tweets. Only one-to-one conversations exist here,
so only MessageCreate events are made.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.sandbox.server import Response
from bot.sandbox.x_data import XStore, XUser, as_datetime, extract_entities
from bot.sandbox.x_rules import (
    ID_PATTERN,
    fail,
    invalid_request,
    is_id,
    not_found,
    ok,
    param_error,
    problem,
)

MAX_TEXT_LENGTH = 10_000  # X's endpoint reference: "Text messages support up to 10,000 characters"
MAX_ATTACHMENTS = 1  # "Only one attachment per message is supported"
# Not in the contract docs: X's own wording for these refusals in its v1.1 DM API (codes 349
# and 354); v2 answers them as problems (about:blank 403, invalid-request 400).
CANNOT_SEND = "You cannot send messages to this user."
TOO_LONG = "The text of your direct message is over the max character limit."

_STATUS_URL = re.compile(
    r"https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/\w{1,15}/status/(\d{1,19})", re.IGNORECASE
)


def one_to_one(user_id: str, other_id: str) -> str:
    low, high = sorted((user_id, other_id), key=int)
    return f"{low}-{high}"


@dataclass
class DmEvent:
    id: str
    event_type: str
    dm_conversation_id: str
    created_at: datetime
    sender_id: str | None = None
    text: str | None = None
    participant_ids: list[str] = field(default_factory=list)  # who joined or left
    media_keys: list[str] = field(default_factory=list)
    referenced_tweets: list[str] = field(default_factory=list)
    entities: dict[str, Any] = field(default_factory=dict)

    @property
    def members(self) -> frozenset[str]:
        """Who may read the event: a one-to-one conversation's id names both users."""
        return frozenset(self.dm_conversation_id.split("-"))

    @property
    def order(self) -> tuple[datetime, int]:
        return self.created_at, int(self.id)


class DmLog:
    """Every DM event the fake holds, by id."""

    def __init__(self) -> None:
        self.events: dict[str, DmEvent] = {}

    def message(
        self,
        store: XStore,
        sender: XUser,
        recipient: XUser,
        text: str,
        *,
        media_ids: Iterable[str] = (),
        created_at: datetime | str | None = None,
    ) -> DmEvent:
        event = DmEvent(
            store.next_id(), "MessageCreate", one_to_one(sender.id, recipient.id),
            as_datetime(created_at), sender.id, text,
            media_keys=[f"3_{media_id}" for media_id in media_ids],
            referenced_tweets=list(dict.fromkeys(_STATUS_URL.findall(text))),
            entities=extract_entities(text, store.user_by_username),
        )  # fmt: skip
        self.events[event.id] = event
        return event

    def newest_first(self, keep: Callable[[DmEvent], bool]) -> list[DmEvent]:
        return sorted((e for e in self.events.values() if keep(e)), key=lambda e: e.order)[::-1]


def receive_dm(
    store: XStore,
    log: DmLog,
    sender: tuple[str, str, str],
    text: str,
    to: str | None = None,
    *,
    created_at: datetime | str | None = None,
) -> DmEvent:
    """A DM from `sender` (id, username, name) to our account, or to the user `to`.

    The sender joins the users table (10 followers when new). ValueError: empty or too long
    a text, or a DM to oneself; KeyError: `to` is no user the fake knows.
    """
    if not text or len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"a DM's text has 1 to {MAX_TEXT_LENGTH} characters")
    recipient = store.own if to is None else store.users.get(to)
    if recipient is None:
        raise KeyError(f"no user {to!r}")
    if sender[0] == recipient.id:
        raise ValueError("the sender cannot be the recipient")
    new = sender[0] not in store.users
    user = store.upsert_user(*sender)
    if new:
        user.followers = 10
    return log.message(store, user, recipient, text, created_at=created_at)


# -- POST /2/dm_conversations/with/:participant_id/messages --------------------------------------


def send_dm(store: XStore, log: DmLog, participant_id: str, body: Any) -> Response:
    """Our account sends `participant_id` a DM: 201 with the conversation and event ids."""
    errors = _participant_errors(store, participant_id)
    errors += [{"message": message} for message in check_message(body)]
    if errors:
        return fail(400, invalid_request(errors))
    recipient = store.users.get(participant_id)
    if recipient is None:
        return fail(404, {**not_found("participant_id", participant_id, "user"), "status": 404})
    if not recipient.dm_open:
        return fail(403, problem(403, CANNOT_SEND))
    media_ids = [item["media_id"] for item in body.get("attachments") or []]
    event = log.message(store, store.own, recipient, body.get("text", ""), media_ids=media_ids)
    data = {"dm_conversation_id": event.dm_conversation_id, "dm_event_id": event.id}
    return ok({"data": data}, status=201)


def check_message(body: object) -> list[str]:
    """Errors of a CreateMessageRequest (text or attachments, text 1 to 10,000 characters)."""
    if not isinstance(body, dict):
        return ["$: the request body must be a JSON object"]
    text, attachments = body.get("text"), body.get("attachments")
    messages = _check_attachments(attachments, bool(text)) if "attachments" in body else []
    if "text" in body and not isinstance(text, str):
        messages.append("$.text: is not a string")
    elif "text" in body and not text:
        messages.append("$.text: must be at least 1 characters long")
    elif isinstance(text, str) and len(text) > MAX_TEXT_LENGTH:
        messages.append(TOO_LONG)
    if "text" not in body and "attachments" not in body:
        messages += [f"$.{key}: is missing but it is required" for key in ("text", "attachments")]
    return messages


def _check_attachments(attachments: object, has_text: bool) -> list[str]:
    if not isinstance(attachments, list):
        return ["$.attachments: is not an array"]
    messages = []
    if not attachments and not has_text:
        messages.append("$.attachments: there must be a minimum of 1 items in the array")
    if len(attachments) > MAX_ATTACHMENTS:
        messages.append("$.attachments: there must be a maximum of 1 items in the array")
    for index, item in enumerate(attachments):
        media_id = item.get("media_id") if isinstance(item, dict) else None
        if media_id is None:
            messages.append(f"$.attachments[{index}].media_id: is missing but it is required")
        elif not is_id(media_id):
            messages.append(f"$.attachments[{index}].media_id: does not match {ID_PATTERN}")
    return messages


def _participant_errors(store: XStore, participant_id: str) -> list[dict[str, Any]]:
    prefix = f"The `participant_id` query parameter value [{participant_id}]"
    if not is_id(participant_id):
        return [
            param_error("participant_id", participant_id, f"{prefix} does not match {ID_PATTERN}")
        ]
    if participant_id == store.own.id:
        message = f"{prefix} must not be the authenticating user"
        return [param_error("participant_id", participant_id, message)]
    return []
