"""Writes of the Mastodon fake: posting, deleting, favourites and boosts.

Sources (paths under contracts/mastodon/): docs/methods-statuses.md "Post a new status",
"Delete a status", "Favourite a status", "Boost a status" and their undo methods; KEY-FACTS
"Posting a reply / DM" (Idempotency-Key kept for 1 h) and "Length limits"; srv:
app/controllers/api/v1/statuses_controller.rb (set_thread: an unknown or invisible parent is
404 `statuses.errors.in_reply_not_found`), app/controllers/api/v1/statuses/reblogs_controller.rb
and app/policies/status_policy.rb (a boost the policy refuses is 403 NotPermitted, a status one
cannot see 404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.mastodon_data import VISIBILITIES, Account, MastodonStore, Status
from bot.sandbox.mastodon_rules import (
    NOT_ALLOWED,
    ApiError,
    Call,
    can_reblog,
    can_see,
    not_found,
    unprocessable,
)
from bot.sandbox.mastodon_text import countable_length

IDEMPOTENCY_SECONDS = 3600.0
REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist."
APPLICATION = "Earshot"


@dataclass
class Draft:
    """What a new status is made of, from the API or from a test."""

    author: Account
    text: str
    visibility: str = "public"
    spoiler_text: str = ""
    in_reply_to: Status | None = None
    language: str | None = "en"
    application: str | None = None


@dataclass
class Posting:
    """The posting rules that vary per instance, and the idempotency keys seen."""

    max_characters: int = 500
    keys: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict)


def publish(store: MastodonStore, draft: Draft) -> Status:
    """Store a status; notify the brand of a mention by someone else."""
    content, mentions, tags = store.render(draft.author, draft.text)
    status = Status(
        store.next_id(), draft.author, draft.text, content, store.clock(), draft.visibility,
        draft.spoiler_text, draft.language, draft.in_reply_to, mentions, tags,
        application=draft.application,
    )  # fmt: skip
    store.statuses[status.id] = status
    if draft.in_reply_to is not None:
        draft.in_reply_to.replies += 1
    if store.brand in mentions and draft.author is not store.brand:
        store.new_notification("mention", draft.author, status)
    return status


def post_status(
    store: MastodonStore, posting: Posting, call: Call, take_quota: Callable[[], None]
) -> dict[str, Any]:
    """POST /api/v1/statuses: the same Idempotency-Key within the hour answers the status it
    made the first time, without posting (nor counting) again."""
    author = call.account
    key = call.request.headers.get("idempotency-key")
    earlier = _idempotent(store, posting, author, key)
    if earlier is not None:
        return store.status_json(earlier, author)
    draft = _draft(store, call, author)
    _validate(draft, posting.max_characters)
    take_quota()
    status = publish(store, draft)
    if key:
        posting.keys[(author.id, key)] = (status.id, store.clock())
    return store.status_json(status, author)


def _idempotent(
    store: MastodonStore, posting: Posting, author: Account, key: str | None
) -> Status | None:
    if not key:
        return None
    seen = posting.keys.get((author.id, key))
    if seen is None or store.clock() - seen[1] > IDEMPOTENCY_SECONDS:
        return None
    return store.statuses.get(seen[0])


def _draft(store: MastodonStore, call: Call, author: Account) -> Draft:
    params = call.params
    parent = None
    parent_id = params.get("in_reply_to_id")
    if parent_id:
        parent = store.statuses.get(parent_id)
        if parent is None or not can_see(parent, author):
            raise ApiError(404, REPLY_NOT_FOUND)
    visibility = params.get("visibility") or "public"
    if visibility not in VISIBILITIES:
        raise unprocessable("Visibility is not included in the list")
    return Draft(
        author, params.text("status"), visibility, params.text("spoiler_text"), parent,
        params.get("language") or "en", APPLICATION,
    )  # fmt: skip


def _validate(draft: Draft, max_characters: int) -> None:
    if not draft.text.strip():
        raise unprocessable("Text can't be blank")
    if countable_length(draft.text, draft.spoiler_text) > max_characters:
        raise unprocessable(f"Text character limit of {max_characters} exceeded")


def delete_status(store: MastodonStore, call: Call) -> dict[str, Any]:
    """DELETE /api/v1/statuses/:id: only one's own; answers it with its source `text`."""
    status = store.statuses.get(call.args[0])
    if status is None or status.account is not call.account:
        raise not_found()
    body = store.status_json(status, call.account)
    remove(store, status)
    body["text"] = status.text
    return body


def remove(store: MastodonStore, status: Status) -> None:
    """Forget a status, its boosts and the notifications about it."""
    for other in list(store.statuses.values()):
        if other.reblog is status:
            remove(store, other)
    if status.reblog is not None:
        status.reblog.reblogged_by.discard(status.account.id)
    if status.in_reply_to is not None:
        status.in_reply_to.replies = max(status.in_reply_to.replies - 1, 0)
    store.statuses.pop(status.id, None)
    for key, note in list(store.notifications.items()):
        if note.status is status:
            del store.notifications[key]


def visible(store: MastodonStore, status_id: str, viewer: Account | None) -> Status:
    """The status, or 404 whether it does not exist or the viewer may not see it."""
    status = store.statuses.get(status_id)
    if status is None or not can_see(status, viewer):
        raise not_found()
    return status


def favourite(store: MastodonStore, call: Call, *, on: bool) -> dict[str, Any]:
    """POST .../favourite and .../unfavourite: both idempotent; a boost stands for its
    original."""
    status = visible(store, call.args[0], call.account)
    target = status.reblog or status
    if on:
        target.favourited_by.add(call.account.id)
    else:
        target.favourited_by.discard(call.account.id)
    return store.status_json(target, call.account)


def reblog(store: MastodonStore, call: Call, take_quota: Callable[[], None]) -> dict[str, Any]:
    """POST .../reblog: answers the wrapper status (its own ID, the original in `reblog`);
    boosting again answers the existing wrapper."""
    me = call.account
    original = visible(store, call.args[0], me)
    original = original.reblog or original
    if not can_reblog(original, me):
        raise ApiError(403, NOT_ALLOWED)
    for status in store.statuses.values():
        if status.reblog is original and status.account is me:
            return store.status_json(status, me)
    visibility = call.params.get("visibility") or "public"
    if visibility not in VISIBILITIES[:3]:
        raise unprocessable("Visibility is not included in the list")
    take_quota()
    wrapper = Status(store.next_id(), me, "", "", store.clock(), visibility, reblog=original)
    wrapper.language = None
    store.statuses[wrapper.id] = wrapper
    original.reblogged_by.add(me.id)
    return store.status_json(wrapper, me)


def unreblog(store: MastodonStore, call: Call) -> dict[str, Any]:
    """POST .../unreblog: answers the original, `reblogged` false, boosted or not."""
    me = call.account
    original = visible(store, call.args[0], me)
    for status in list(store.statuses.values()):
        if status.reblog is original and status.account is me:
            remove(store, status)
    return store.status_json(original, me)
