"""Reads of the Mastodon fake: the account, notifications, statuses, search, hashtag timeline.

Sources (paths under contracts/mastodon/): docs/methods-accounts.md "Verify account
credentials", docs/methods-notifications.md "Get all notifications", docs/methods-statuses.md
"View a single status", docs/methods-search.md "Perform a search", docs/methods-timelines.md
"View hashtag timeline"; srv: app/services/search_service.rb (which query goes to which kind of
search; full-text status search only with Elasticsearch, over the statuses the searcher may
search: written, mentioned in, favourited, boosted, plus public posts of accounts that opted in).
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.mastodon_data import Account, MastodonStore, Status
from bot.sandbox.mastodon_rules import ApiError, Call, Page, can_see, link_header
from bot.sandbox.mastodon_text import plain
from bot.sandbox.mastodon_writes import visible
from bot.sandbox.server import Response

SEARCH_LIMIT, SEARCH_MAX = 20, 40
NEEDS_USER_RESOLVE = (
    "Search queries that resolve remote resources are not supported without authentication"
)
NEEDS_USER_OFFSET = "Search queries pagination is not supported without authentication"


def verify_credentials(store: MastodonStore, call: Call) -> Response:
    """The token's account, with `source` (its posting defaults) and `role`."""
    body = store.account_json(call.account)
    body["source"] = {
        "privacy": "public", "sensitive": False, "language": "", "note": "", "fields": [],
        "follow_requests_count": 0, "hide_collections": False, "discoverable": True,
        "indexable": call.account.indexable,
    }  # fmt: skip
    body["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "", "highlighted": False}
    return Response(200, body)


def notifications(store: MastodonStore, call: Call) -> Response:
    """The brand's notifications, newest first, filtered by types[]/exclude_types[]/
    account_id, paged by ID with a Link header (limit 40, at most 80)."""
    params = call.params
    types, excluded = set(params.many("types")), set(params.many("exclude_types"))
    sender = params.get("account_id")
    found = [
        note
        for note in store.notifications.values()
        if (not types or note.type in types)
        and note.type not in excluded
        and (sender is None or note.account.id == sender)
    ]
    page = Page.of(params, 40, 80).select(found, lambda note: note.id)
    body = [store.notification_json(note, call.account) for note in page]
    keep = params.keep("limit", "types", "exclude_types", "account_id")
    return Response(200, body, link_header(call.url(), keep, [n.id for n in page]))


def notification(store: MastodonStore, call: Call) -> Response:
    note = store.notifications.get(call.args[0])
    if note is None:
        raise ApiError(404, "Record not found")
    return Response(200, store.notification_json(note, call.account))


def status(store: MastodonStore, call: Call) -> Response:
    return Response(200, store.status_json(visible(store, call.args[0], call.viewer), call.viewer))


def context(store: MastodonStore, call: Call) -> Response:
    """{ancestors (oldest first), descendants (depth first)} the viewer may see."""
    target = visible(store, call.args[0], call.viewer)
    ancestors: list[Status] = []
    parent = target.in_reply_to
    while parent is not None and parent.id in store.statuses:
        ancestors.insert(0, parent)
        parent = parent.in_reply_to
    descendants = _descendants(store, target)
    seen = [s for s in ancestors if can_see(s, call.viewer)]
    below = [s for s in descendants if can_see(s, call.viewer)]
    return Response(200, {
        "ancestors": [store.status_json(s, call.viewer) for s in seen],
        "descendants": [store.status_json(s, call.viewer) for s in below],
    })  # fmt: skip


def _descendants(store: MastodonStore, root: Status) -> list[Status]:
    found: list[Status] = []
    for child in sorted(store.statuses.values(), key=lambda s: int(s.id)):
        if child.in_reply_to is root:
            found += [child, *_descendants(store, child)]
    return found


def tag_timeline(store: MastodonStore, call: Call) -> Response:
    """Public (not unlisted) statuses with the tag, newest first (limit 20, at most 40)."""
    params, tag = call.params, call.args[0].lower()
    local, remote = params.flag("local"), params.flag("remote")
    found = [
        s
        for s in store.statuses.values()
        if s.visibility == "public"
        and s.reblog is None
        and tag in s.tags
        and not (local and s.account.domain is not None)
        and not (remote and s.account.domain is None)
    ]
    page = Page.of(params, 20, 40).select(found, lambda s: s.id)
    body = [store.status_json(s, call.viewer) for s in page]
    keep = params.keep("limit", "local", "remote", "only_media")
    return Response(200, body, link_header(call.url(), keep, [s.id for s in page]))


# -- search -----------------------------------------------------------------------------------


def search(store: MastodonStore, call: Call, *, full_text: bool) -> Response:
    """GET /api/v2/search as SearchService decides: an https URL with resolve=true looks the
    resource up; otherwise accounts, statuses (full-text only) and hashtags by the query's shape."""
    params = call.params
    if call.viewer is None and params.flag("resolve"):
        raise ApiError(401, NEEDS_USER_RESOLVE)
    if call.viewer is None and params.get("offset"):
        raise ApiError(401, NEEDS_USER_OFFSET)
    query, kind = params.text("q").strip(), params.get("type") or ""
    limit = params.limit(SEARCH_LIMIT, SEARCH_MAX)
    offset = int(params.get("offset") or 0) if kind else 0
    results: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    if not query:
        return Response(200, results)
    if params.flag("resolve") and query.startswith(("https://", "http://")):
        return Response(200, _by_url(store, call, query, kind))
    window = slice(offset, offset + limit)
    if kind in ("", "accounts") and _account_query(query):
        results["accounts"] = [store.account_json(a) for a in _accounts(store, query)[window]]
    if kind in ("", "statuses") and full_text and call.viewer is not None and _text_query(query):
        found = _statuses(store, call.viewer, query)[window]
        results["statuses"] = [store.status_json(s, call.viewer) for s in found]
    if kind in ("", "hashtags") and "@" not in query:
        results["hashtags"] = [_tag_json(store, t) for t in _tags(store, query)[window]]
    return Response(200, results)


def _account_query(query: str) -> bool:
    return not (query.startswith("#") or ("@" in query and " " in query))


def _text_query(query: str) -> bool:
    """Not a lone `#tag` or `@handle` (those go to the other searches)."""
    return not ((query.startswith("#") or "@" in query) and " " not in query)


def _by_url(store: MastodonStore, call: Call, url: str, kind: str) -> dict[str, list[Any]]:
    """ResolveURLService, locally: a status by its uri/url, an account by its profile URL."""
    results: dict[str, list[Any]] = {"accounts": [], "statuses": [], "hashtags": []}
    for s in store.statuses.values():
        body = store.status_json(s, call.viewer)
        if (
            url in (body["uri"], body["url"])
            and can_see(s, call.viewer)
            and kind in ("", "statuses")
        ):
            results["statuses"] = [body]
            return results
    for account in store.accounts.values():
        if url == store.profile_url(account) and kind in ("", "accounts"):
            results["accounts"] = [store.account_json(account)]
    return results


def _accounts(store: MastodonStore, query: str) -> list[Account]:
    """An exact `@user@domain` first, then accounts whose username, acct or display name
    starts with (a word of) the query."""
    wanted = query.removeprefix("@").lower()
    exact = store.find_account(wanted) if "@" in wanted else None
    matches = [exact] if exact else []
    for account in store.accounts.values():
        words = [account.username, account.acct, *account.display_name.split()]
        if account is not exact and any(w.lower().startswith(wanted) for w in words):
            matches.append(account)
    return matches


def _statuses(store: MastodonStore, viewer: Account, query: str) -> list[Status]:
    """Every word of the query in the text or content warning, among the statuses the viewer
    may search (StatusesIndex searchable_by, plus public posts of indexable accounts)."""
    words = query.lower().split()
    found = [
        s
        for s in store.statuses.values()
        if s.reblog is None
        and _searchable_by(s, viewer)
        and all(w in (plain(s.content) + " " + s.spoiler_text).lower() for w in words)
    ]
    return sorted(found, key=lambda s: int(s.id), reverse=True)


def _searchable_by(status: Status, viewer: Account) -> bool:
    if not can_see(status, viewer):
        return False
    interacted = (
        status.account is viewer
        or viewer in status.mentions
        or viewer.id in status.favourited_by
        or viewer.id in status.reblogged_by
    )
    return interacted or (status.visibility == "public" and status.account.indexable)


def _tags(store: MastodonStore, query: str) -> list[str]:
    prefix = query.removeprefix("#").lower()
    names = {t for s in store.statuses.values() for t in s.tags}
    return sorted(t for t in names if t.startswith(prefix))


def _tag_json(store: MastodonStore, name: str) -> dict[str, Any]:
    return {"name": name, "url": store.tag_url(name), "history": [], "following": False}
