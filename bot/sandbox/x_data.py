"""Users and posts of the X API v2 fake, and how X renders them (fields, expansions, includes)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from twitter_text import extract_urls_with_indices

from bot.sandbox.x_rules import parse_time

FIRST_POST_ID = 1_900_000_000_000_000_000
REFERENCE_TYPES = ("replied_to", "quoted", "retweeted")
EDIT_WINDOW, MAX_EDITS = timedelta(minutes=30), 5  # contracts/x/docs/edit-posts.mdx

# twitter-text's rules, simplified: what may precede and follow each entity.
_MENTION = re.compile(r"(?<![A-Za-z0-9_!#$%&*@\uFF20])[@\uFF20]([A-Za-z0-9_]{1,15})(?![\w@\uFF20])")
_HASHTAG = re.compile(r"(?<![\w&#\uFF03])[#\uFF03](\w*[^\W\d]\w*)")
_CASHTAG = re.compile(r"(?<!\S)\$([A-Za-z]{1,6}(?:[._][A-Za-z]{1,2})?)(?![\w$])")


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def as_datetime(value: datetime | str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    moment = parse_time(value) if isinstance(value, str) else value
    if moment is None:
        raise ValueError(f"created_at must be an ISO 8601 time with a zone, not {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class XUser:
    id: str
    username: str
    name: str
    followers: int = 0
    verified: bool = False
    created_at: datetime = field(default_factory=lambda: datetime(2020, 1, 1, tzinfo=UTC))
    dm_open: bool = True  # accepts DMs from our account (user field receives_your_dm)


@dataclass
class XPost:
    """One stored post; its properties are what the search matcher reads (x_query.Searchable)."""

    id: str
    text: str
    author: XUser
    created_at: datetime
    lang: str
    conversation_id: str
    referenced_tweets: list[dict[str, str]]
    in_reply_to_user_id: str | None
    entities: dict[str, list[dict[str, Any]]]
    mentions: frozenset[str]

    @property
    def author_id(self) -> str:
        return self.author.id

    @property
    def author_username(self) -> str:
        return self.author.username

    @property
    def author_verified(self) -> bool:
        return self.author.verified

    @property
    def hashtags(self) -> frozenset[str]:
        return frozenset(tag["tag"].casefold() for tag in self.entities.get("hashtags", []))

    @property
    def cashtags(self) -> frozenset[str]:
        return frozenset(tag["tag"].casefold() for tag in self.entities.get("cashtags", []))

    @property
    def kinds(self) -> frozenset[str]:
        names = {"replied_to": "reply", "quoted": "quote", "retweeted": "retweet"}
        return frozenset(names[ref["type"]] for ref in self.referenced_tweets)

    def reference(self, kind: str) -> str | None:
        return next((ref["id"] for ref in self.referenced_tweets if ref["type"] == kind), None)


def extract_entities(text: str, users: Callable[[str], XUser | None]) -> dict[str, Any]:
    """Mentions, hashtags, cashtags and URLs with code-point indices, as in Tweet.entities."""
    entities: dict[str, list[dict[str, Any]]] = {}
    for match in _MENTION.finditer(text):
        mention: dict[str, Any] = {"start": match.start(), "end": match.end()}
        mention["username"] = match.group(1)
        user = users(match.group(1))
        if user is not None:
            mention["id"] = user.id
        entities.setdefault("mentions", []).append(mention)
    for kind, pattern in (("hashtags", _HASHTAG), ("cashtags", _CASHTAG)):
        for match in pattern.finditer(text):
            entity = {"start": match.start(), "end": match.end(), "tag": match.group(1)}
            entities.setdefault(kind, []).append(entity)
    for found in extract_urls_with_indices(text):
        entities.setdefault("urls", []).append(_url_entity(found["url"], *found["indices"]))
    return entities


def _url_entity(url: str, start: int, end: int) -> dict[str, Any]:
    expanded = url if "://" in url else "https://" + url
    short = hashlib.blake2s(expanded.encode(), digest_size=5).hexdigest()
    display = expanded.split("://", 1)[1]
    return {
        "start": start,
        "end": end,
        "url": f"https://t.co/{short}",
        "expanded_url": expanded,
        "display_url": display if len(display) <= 26 else display[:25] + "…",
    }


class XStore:
    """The fake's world: users by id, posts by id (ids are increasing numeric strings).

    An edited post is a chain of versions, each a post of its own id; `chains` maps every
    version's id to the one shared list of the chain's ids, oldest first. Deleted ids stay taken.
    """

    def __init__(self, own: XUser) -> None:
        self.own = own
        self.users: dict[str, XUser] = {own.id: own}
        self.posts: dict[str, XPost] = {}
        self.chains: dict[str, list[str]] = {}
        self.deleted: set[str] = set()
        self.ours: list[str] = []
        self.likes: set[str] = set()
        self.reposts: set[str] = set()
        self._next_id = FIRST_POST_ID

    def upsert_user(self, user_id: str, username: str, name: str) -> XUser:
        user = self.users.setdefault(user_id, XUser(user_id, username, name))
        user.username, user.name = username, name
        return user

    def user_by_username(self, username: str) -> XUser | None:
        wanted = username.casefold()
        return next((u for u in self.users.values() if u.username.casefold() == wanted), None)

    def add_post(
        self,
        text: str,
        author: XUser,
        *,
        post_id: str | None = None,
        created_at: datetime | str | None = None,
        referenced_tweets: Iterable[dict[str, str]] | None = None,
        lang: str = "en",
    ) -> XPost:
        new_id = self._take_id(post_id)
        refs = [{"type": ref["type"], "id": str(ref["id"])} for ref in referenced_tweets or ()]
        if any(ref["type"] not in REFERENCE_TYPES for ref in refs):
            raise ValueError(f"referenced_tweets types must be among {REFERENCE_TYPES}")
        entities = extract_entities(text, self.user_by_username)
        mentioned = {m["username"].casefold() for m in entities.get("mentions", [])}
        conversation_id, reply_to_user = new_id, None
        parent = self.posts.get(next((r["id"] for r in refs if r["type"] == "replied_to"), ""))
        if parent is not None:
            # X prefixes a reply with the parent author's @handle, so the reply mentions them.
            conversation_id, reply_to_user = parent.conversation_id, parent.author.id
            mentioned.add(parent.author.username.casefold())
        post = XPost(
            new_id, text, author, as_datetime(created_at), lang, conversation_id, refs,
            reply_to_user, entities, frozenset(mentioned),
        )  # fmt: skip
        self.posts[new_id] = post
        return post

    def history(self, post_id: str) -> list[str]:
        """edit_history_tweet_ids: the ids of every version of the post, the original first."""
        return list(self.chains.get(post_id, [post_id]))

    def is_current(self, post: XPost) -> bool:
        """True for the newest version of its chain (the only one timelines and search show)."""
        return self.chains.get(post.id, [post.id])[-1] == post.id

    def current(self) -> Iterator[XPost]:
        """Every post that is the newest version of its chain, in no particular order."""
        return (post for post in self.posts.values() if self.is_current(post))

    def newest_first(
        self, keep: Callable[[XPost], bool], *, every_version: bool = False
    ) -> list[XPost]:
        """Posts that `keep` accepts, newest first; only each chain's newest version unless
        `every_version`."""
        kept = (p for p in self.posts.values() if (every_version or self.is_current(p)) and keep(p))
        return sorted(kept, key=lambda p: -int(p.id))

    def edit_eligible(self, post: XPost) -> bool:
        """Editable when posted: not a repost, not a reply to someone else (self-threads are)."""
        if "retweet" in post.kinds:
            return False
        return "reply" not in post.kinds or post.in_reply_to_user_id == post.author.id

    def edit_controls(self, post: XPost) -> dict[str, Any]:
        """The chain's edit_controls: eligibility when first posted, window end, edits left."""
        chain = self.history(post.id)
        first = self.posts.get(chain[0], post)
        return {
            "is_edit_eligible": self.edit_eligible(first),
            "editable_until": iso(first.created_at + EDIT_WINDOW),
            "edits_remaining": MAX_EDITS - (len(chain) - 1),
        }

    def metrics(self, post: XPost) -> dict[str, int]:
        counts = dict.fromkeys(REFERENCE_TYPES, 0)
        for other in self.current():
            for ref in other.referenced_tweets:
                if ref["id"] == post.id:
                    counts[ref["type"]] += 1
        return {
            "retweet_count": counts["retweeted"] + (post.id in self.reposts),
            "reply_count": counts["replied_to"],
            "like_count": int(post.id in self.likes),
            "quote_count": counts["quoted"],
            "bookmark_count": 0,
            "impression_count": 0,
        }

    def next_id(self) -> str:
        """A fresh id from the posts' counter: DM events share X's one snowflake id space."""
        return self._take_id(None)

    def _take_id(self, post_id: str | None) -> str:
        if post_id is None:
            self._next_id += 1
            return str(self._next_id)
        if post_id in self.posts or post_id in self.deleted or not post_id.isdigit():
            raise ValueError(f"post_id {post_id!r} is taken or not a numeric string")
        self._next_id = max(self._next_id, int(post_id))
        return post_id


_POST_FIELDS: dict[str, Callable[[XPost, XStore], Any]] = {
    "author_id": lambda p, s: p.author.id,
    "edit_controls": lambda p, s: s.edit_controls(p),
    "created_at": lambda p, s: iso(p.created_at),
    "conversation_id": lambda p, s: p.conversation_id,
    "referenced_tweets": lambda p, s: [dict(ref) for ref in p.referenced_tweets] or None,
    "entities": lambda p, s: p.entities or None,
    "in_reply_to_user_id": lambda p, s: p.in_reply_to_user_id,
    "lang": lambda p, s: p.lang,
    "public_metrics": lambda p, s: s.metrics(p),
    "possibly_sensitive": lambda p, s: False,
    "reply_settings": lambda p, s: "everyone",
}
_USER_FIELDS: dict[str, Callable[[XUser, XStore], Any]] = {
    "created_at": lambda u, s: iso(u.created_at),
    "description": lambda u, s: "",
    "protected": lambda u, s: False,
    "receives_your_dm": lambda u, s: u.dm_open,
    "verified": lambda u, s: u.verified,
    "verified_type": lambda u, s: "blue" if u.verified else "none",
    "profile_image_url": lambda u, s: f"https://pbs.twimg.com/profile_images/{u.id}/a_normal.jpg",
    "public_metrics": lambda u, s: {
        "followers_count": u.followers,
        "following_count": 0,
        "tweet_count": sum(p.author is u for p in s.current()),
        "listed_count": 0,
        "like_count": len(s.likes) if u is s.own else 0,
    },
}
POST_FIELDS_SUPPORTED = frozenset(_POST_FIELDS)


def render_post(post: XPost, fields: Iterable[str], store: XStore) -> dict[str, Any]:
    """Default fields (id, text, edit_history_tweet_ids) plus requested fields that have a value."""
    out: dict[str, Any] = {"id": post.id, "text": post.text}
    out["edit_history_tweet_ids"] = store.history(post.id)
    for name in sorted(set(fields) & set(_POST_FIELDS)):
        value = _POST_FIELDS[name](post, store)
        if value is not None:
            out[name] = value
    return out


def render_user(user: XUser, fields: Iterable[str], store: XStore) -> dict[str, Any]:
    out: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    for name in sorted(set(fields) & set(_USER_FIELDS)):
        out[name] = _USER_FIELDS[name](user, store)
    return out
