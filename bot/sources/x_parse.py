"""Turning X API v2 pages into Earshot's objects: mentions, our own posts, direct messages.

Each parser skips (and logs) a malformed item rather than failing the page, leaves out our own
posts and pure reposts, and keeps X's ids as strings.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from bot.domain.mention import Author, Mention

log = structlog.get_logger()


@dataclass(frozen=True, slots=True)
class Page:
    mentions: list[Mention]
    newest_id: str | None
    next_token: str | None
    result_count: int = 0
    oldest_id: str | None = None  # the last item of the page, whatever it was (DM paging)


@dataclass(frozen=True, slots=True)
class OwnPost:
    """A post by our own account, as the own-timeline poll sees it."""

    id: str
    text: str
    created_at: datetime
    replied_to: str | None


@dataclass(frozen=True, slots=True)
class OwnPage:
    posts: list[OwnPost]
    newest_id: str | None
    next_token: str | None


def parse_page(body: dict[str, Any], me: Author, rules: tuple[str, ...]) -> Page:
    """Turn one X page into Mentions: skips our own posts, pure reposts and malformed items."""
    includes = body.get("includes") or {}
    users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
    referenced = {str(t.get("id")): t for t in includes.get("tweets") or [] if isinstance(t, dict)}
    mentions: list[Mention] = []
    for item in body.get("data") or []:
        try:
            mention = _parse_post(item, users, referenced, me, rules)
        except (KeyError, TypeError, ValueError) as error:
            post_id = item.get("id") if isinstance(item, dict) else None
            log.warning("x_item_malformed", post_id=post_id, error=repr(error))
            continue
        if mention is not None:
            mentions.append(mention)
    meta = body.get("meta") or {}
    return Page(
        mentions=mentions,
        newest_id=_str_or_none(meta.get("newest_id")),
        next_token=_str_or_none(meta.get("next_token")),
        result_count=int(meta.get("result_count") or 0),
    )


def parse_own_page(body: dict[str, Any]) -> OwnPage:
    """Our own posts of one page; a malformed item is logged and left out."""
    posts: list[OwnPost] = []
    for item in body.get("data") or []:
        try:
            refs = item.get("referenced_tweets") or []
            replied_to = next(
                (str(r["id"]) for r in refs if r.get("type") == "replied_to" and r.get("id")),
                None,
            )
            created = datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
            text = html.unescape(str(item["text"]))
            posts.append(OwnPost(str(item["id"]), text, created, replied_to))
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            post_id = item.get("id") if isinstance(item, dict) else None
            log.warning("x_own_item_malformed", post_id=post_id, error=repr(error))
    meta = body.get("meta") or {}
    return OwnPage(posts, _str_or_none(meta.get("newest_id")), _str_or_none(meta.get("next_token")))


def parse_dm_page(body: dict[str, Any], me: Author) -> Page:
    """Customers' direct messages of one page (ours and non-messages left out), newest first."""
    includes = body.get("includes") or {}
    users = {str(u.get("id")): u for u in includes.get("users") or [] if isinstance(u, dict)}
    found: list[Mention] = []
    for item in body.get("data") or []:
        try:
            if item.get("event_type") != "MessageCreate" or str(item["sender_id"]) == me.id:
                continue
            sender = str(item["sender_id"])
            user = users.get(sender) or {}
            author = Author(
                id=sender,
                username=str(user.get("username") or sender),
                name=str(user.get("name") or user.get("username") or sender),
                followers=int((user.get("public_metrics") or {}).get("followers_count") or 0),
            )
            created = datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00"))
            found.append(
                Mention(
                    post_id=str(item["id"]),
                    text=str(item.get("text") or ""),
                    author=author,
                    created_at=created,
                    rules=("dm",),
                    kind="dm",
                    dm_conversation_id=_str_or_none(item.get("dm_conversation_id")),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            log.warning(
                "x_dm_item_malformed", event_id=item.get("id") if isinstance(item, dict) else None
            )
    meta = body.get("meta") or {}
    newest = str(body["data"][0]["id"]) if body.get("data") else None
    return Page(
        found, newest, _str_or_none(meta.get("next_token")), int(meta.get("result_count") or 0)
    )


def _parse_post(
    item: dict[str, Any],
    users: dict[str, Any],
    referenced: dict[str, Any],
    me: Author,
    rules: tuple[str, ...],
) -> Mention | None:
    post_id, author_id = str(item["id"]), str(item["author_id"])
    text = html.unescape(str(item["text"]))  # X escapes &, < and > in post text
    if not post_id.isdigit():
        raise ValueError("post id is not numeric")
    if author_id == me.id:
        return None  # our own post (a reply of ours that mentions us back)
    refs = item.get("referenced_tweets") or []
    if any(ref.get("type") == "retweeted" for ref in refs):
        return None  # a pure repost carries nothing new to answer
    user = users.get(author_id) or {}
    metrics = user.get("public_metrics") or {}
    author = Author(
        id=author_id,
        username=str(user.get("username") or author_id),
        name=str(user.get("name") or user.get("username") or author_id),
        followers=int(metrics.get("followers_count") or 0),
        verified=bool(user.get("verified")) or user.get("verified_type") in ("blue", "business"),
    )
    return Mention(
        post_id=post_id,
        text=text,
        author=author,
        created_at=datetime.fromisoformat(str(item["created_at"]).replace("Z", "+00:00")),
        rules=rules,
        conversation_id=_str_or_none(item.get("conversation_id")),
        replied_to=next(
            (str(ref["id"]) for ref in refs if ref.get("type") == "replied_to" and ref.get("id")),
            None,
        ),
        summons_us=_summons(item, refs, referenced, me),
        edit_history=tuple(str(i) for i in item.get("edit_history_tweet_ids") or () if i),
    )


def _summons(
    item: dict[str, Any], refs: list[dict[str, Any]], referenced: dict[str, Any], me: Author
) -> bool:
    """Did the author @mention us or quote one of our posts? (X's rule for API replies.)"""
    entities = item.get("entities") or {}
    handles = {str(m.get("username", "")).lower() for m in entities.get("mentions") or []}
    if me.username.lower() in handles:
        return True
    if re.search(rf"@{re.escape(me.username)}\b", str(item["text"]), re.IGNORECASE):
        return True
    for ref in refs:
        quoted = referenced.get(str(ref.get("id")))
        if ref.get("type") == "quoted" and quoted and str(quoted.get("author_id")) == me.id:
            return True
    return False


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
