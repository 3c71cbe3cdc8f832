"""com.atproto.repo.createRecord / deleteRecord of the Bluesky fake, with record validation.

Validation follows the lexicons (contracts/bluesky/lexicons/app/bsky/feed/post.json, like.json,
repost.json, richtext/facet.json, com/atproto/repo/strongRef.json) and the reference PDS's
wording: "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"
(the lexicon validator checks the UTF-8 byte limit, which it calls "characters", first).

Stricter than the reference PDS, on purpose (a real PDS stores such records and the AppView
silently detaches or ignores them, which a test could not see): a reply's root and parent, and a
like's or repost's subject, must name existing records with their current cid; a reply's root
must be the root of its parent's thread (`strict_reply_root`); facets must lie inside the text,
on character boundaries, and not overlap.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from bot.domain.bluesky_text import POST_BYTES, POST_GRAPHEMES, graphemes
from bot.sandbox.bluesky_data import LIKE, POST, REPOST, Actor, BlueskyStore, Record
from bot.sandbox.bluesky_rules import XrpcError, cid_of, invalid, parse_datetime, require, tid

VALIDATED = (POST, LIKE, REPOST)
_RKEY = re.compile(r"^[A-Za-z0-9._:~-]{1,512}$")
_NSID = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)+$")


class RecordInvalid(ValueError):
    """A record the lexicon (or the fake's stricter checks) refuses; the text says where."""


def create_record(
    store: BlueskyStore, caller: Actor, body: dict[str, Any], *, strict_reply_root: bool
) -> dict[str, Any]:
    repo, collection = str(require(body, "repo")), str(require(body, "collection"))
    value = require(body, "record")
    _own_repo(store, caller, repo)
    if not _NSID.match(collection):
        raise invalid("Input/collection must be a valid NSID")
    if not isinstance(value, dict):
        raise invalid("Input/record must be an object")
    record = {"$type": collection, **value}
    if record["$type"] != collection:
        raise invalid(f"Invalid $type: expected {collection}, got {record['$type']}")
    try:
        validate(store, collection, record, strict_reply_root=strict_reply_root)
    except RecordInvalid as exc:
        raise invalid(f"Invalid {collection} record: {exc}") from None
    rkey = _new_rkey(store, caller, collection, body.get("rkey"))
    stored = store.put(caller.did, collection, record, rkey)
    status = "valid" if collection in VALIDATED else "unknown"
    return {**stored.ref(), "commit": _commit(store, stored.uri), "validationStatus": status}


def delete_record(store: BlueskyStore, caller: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """Delete a record, or make sure it does not exist: a missing one is no error."""
    repo, collection = str(require(body, "repo")), str(require(body, "collection"))
    rkey = str(require(body, "rkey"))
    _own_repo(store, caller, repo)
    uri = f"at://{caller.did}/{collection}/{rkey}"
    store.delete(uri)
    return {"commit": _commit(store, uri)}


def validate(
    store: BlueskyStore, collection: str, record: dict[str, Any], *, strict_reply_root: bool
) -> None:
    """Raise RecordInvalid for a post, like or repost the service would refuse."""
    if collection not in VALIDATED:
        return
    created = require_field(record, "createdAt")
    if parse_datetime(created) is None:
        raise RecordInvalid(
            "Record/createdAt must be an valid atproto datetime (both RFC-3339 and ISO-8601)"
        )
    if collection == POST:
        _validate_post(store, record, strict_reply_root)
    else:
        _strong_ref(store, require_field(record, "subject"), "Record/subject")


def require_field(record: dict[str, Any], name: str, path: str = "Record") -> Any:
    if name not in record:
        raise RecordInvalid(f'{path} must have the property "{name}"')
    return record[name]


def _validate_post(store: BlueskyStore, post: dict[str, Any], strict_reply_root: bool) -> None:
    text = require_field(post, "text")
    if not isinstance(text, str):
        raise RecordInvalid("Record/text must be a string")
    if len(text.encode("utf-8", "surrogatepass")) > POST_BYTES:
        raise RecordInvalid(f"Record/text must not be longer than {POST_BYTES} characters")
    if graphemes(text) > POST_GRAPHEMES:
        raise RecordInvalid(f"Record/text must not be longer than {POST_GRAPHEMES} graphemes")
    _validate_facets(text, post.get("facets"))
    if post.get("reply") is not None:
        _validate_reply(store, post["reply"], strict_reply_root)


def _validate_facets(text: str, facets: Any) -> None:
    """Byte ranges inside the text, on character boundaries, none overlapping another."""
    if facets is None:
        return
    if not isinstance(facets, list):
        raise RecordInvalid("Record/facets must be an array")
    encoded = text.encode("utf-8", "surrogatepass")
    spans = [_facet_span(encoded, facet, f"Record/facets/{i}") for i, facet in enumerate(facets)]
    for (_, end, earlier), (start, _, later) in pairwise(sorted(spans)):
        if start < end:
            raise RecordInvalid(f"{later} overlaps {earlier} (facets must not overlap)")


def _facet_span(encoded: bytes, facet: Any, path: str) -> tuple[int, int, str]:
    if not isinstance(facet, dict):
        raise RecordInvalid(f"{path} must be an object")
    index = require_field(facet, "index", path)
    features = require_field(facet, "features", path)
    if not isinstance(features, list):
        raise RecordInvalid(f"{path}/features must be an array")
    if not isinstance(index, dict):
        raise RecordInvalid(f"{path}/index must be an object")
    start = require_field(index, "byteStart", f"{path}/index")
    end = require_field(index, "byteEnd", f"{path}/index")
    if not (_natural(start) and _natural(end)):
        raise RecordInvalid(f"{path}/index: byteStart and byteEnd must be integers >= 0")
    if start > end:
        raise RecordInvalid(f"{path}/index: byteStart ({start}) is after byteEnd ({end})")
    if end > len(encoded):
        raise RecordInvalid(
            f"{path}/index: byteEnd ({end}) is past the end of the text "
            f"({len(encoded)} UTF-8 bytes)"
        )
    if any(0 < at < len(encoded) and encoded[at] & 0xC0 == 0x80 for at in (start, end)):
        raise RecordInvalid(f"{path}/index splits a UTF-8 character (offsets count bytes)")
    return start, end, path


def _validate_reply(store: BlueskyStore, reply: Any, strict_root: bool) -> None:
    if not isinstance(reply, dict):
        raise RecordInvalid("Record/reply must be an object")
    root = _strong_ref(store, require_field(reply, "root", "Record/reply"), "Record/reply/root")
    parent_ref = require_field(reply, "parent", "Record/reply")
    parent = _strong_ref(store, parent_ref, "Record/reply/parent")
    for path, target in (("root", root), ("parent", parent)):
        if target.collection != POST:
            raise RecordInvalid(f"Record/reply/{path} must name a post, not {target.uri}")
    thread_root = ((parent.value.get("reply") or {}).get("root") or {}).get("uri")
    expected = store.get(thread_root) if thread_root else parent
    if strict_root and expected is not None and root.uri != expected.uri:
        raise RecordInvalid(
            f"Record/reply/root must be the root of the parent's thread ({expected.uri}), "
            f"not {root.uri}: take it from the parent's reply.root"
        )


def _strong_ref(store: BlueskyStore, ref: Any, path: str) -> Record:
    """The record a strongRef {uri, cid} names, in the version it names."""
    if not isinstance(ref, dict):
        raise RecordInvalid(f"{path} must be an object")
    uri, cid = require_field(ref, "uri", path), require_field(ref, "cid", path)
    if not (isinstance(uri, str) and isinstance(cid, str)):
        raise RecordInvalid(f"{path}/uri and {path}/cid must be strings")
    target = store.get(uri)
    if target is None:
        raise RecordInvalid(f"{path}/uri names a record that does not exist: {uri}")
    if target.cid != cid:
        raise RecordInvalid(f"{path}/cid {cid} is not the current version of {uri}")
    return target


def _own_repo(store: BlueskyStore, caller: Actor, repo: str) -> None:
    target = store.actor(repo)
    if target is None:
        raise invalid(f"Could not find repo: {repo}")
    if target.did != caller.did:
        raise XrpcError(401)  # the PDS writes only the caller's own repository


def _new_rkey(store: BlueskyStore, caller: Actor, collection: str, rkey: Any) -> str | None:
    if rkey is None:
        return None
    if not isinstance(rkey, str) or not _RKEY.match(rkey) or rkey in (".", ".."):
        raise invalid("Input/rkey must be a valid Record Key")
    if store.get(f"at://{caller.did}/{collection}/{rkey}") is not None:
        raise invalid(f"Record already exists: at://{caller.did}/{collection}/{rkey}")
    return rkey


def _commit(store: BlueskyStore, uri: str) -> dict[str, str]:
    rev = tid(store.tick() * 1000, store.clock_id)
    return {"cid": cid_of({"rev": rev, "uri": uri}), "rev": rev}


def _natural(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
