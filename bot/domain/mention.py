"""A post that mentions the company, as Earshot carries it from X to a Slack card."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from bot.domain.history import CustomerHistory
from bot.domain.network import BLUESKY, Network, X, bluesky_uri, bluesky_web_url, network_of
from bot.domain.triage import Triage


@dataclass(frozen=True, slots=True)
class Author:
    id: str
    username: str
    name: str
    followers: int = 0
    verified: bool = False
    network: str = X  # bot/domain/network.py; `username` is a handle on that network
    profile: str | None = None  # the profile's page, where the network gives it (Mastodon)

    @property
    def profile_url(self) -> str:
        if self.profile:
            return self.profile
        if self.network == BLUESKY:
            return f"https://bsky.app/profile/{self.username}"
        return f"https://x.com/{self.username}"


@dataclass(frozen=True, slots=True)
class Mention:
    """One post on X that matched a source (the mentions timeline or a /track rule)."""

    post_id: str
    text: str
    author: Author
    created_at: datetime
    rules: tuple[str, ...] = ("mentions",)
    conversation_id: str | None = None
    # The post this one answers (`referenced_tweets` replied_to): threads a follow-up into its
    # case when that post is the case's, a follow-up's or one of our replies.
    replied_to: str | None = None
    # True when the author @mentioned or quoted our account: self-serve X tiers may reply
    # through the API only to such posts.
    summons_us: bool = True
    # How the card is marked out: "high-priority" (a /track rule), "vip" (the author).
    marks: tuple[str, ...] = ()
    # How the card names `rules` (e.g. "App issues (t3)"); empty: `rules` as they are.
    rule_labels: tuple[str, ...] = ()
    # Set by ingest: when Earshot first saw the post (for the delivery-lag figure).
    seen_at: float = field(default=0.0, compare=False)
    # Set by delivery: the author's earlier cases, shown on the card.
    history: CustomerHistory | None = None
    # X's edit chain (`edit_history_tweet_ids`, oldest first): more than one id = an edit.
    edit_history: tuple[str, ...] = ()
    # Set when the author edited the post after its card was made (the card shows "edited").
    edited_at: float | None = None
    # "post", or "dm": a direct message to the brand (post_id is then the DM event's id, and
    # the text is private: it never goes public, nor into message metadata or logs).
    kind: str = "post"
    dm_conversation_id: str | None = None
    # Set by delivery: the post's language and kind, computed offline (bot/domain/triage.py).
    triage: Triage | None = None
    # Bluesky: the post's content id, and the (uri, cid) of its thread's first post: a reply
    # names both (strong refs).
    cid: str | None = None
    thread_root: tuple[str, str] | None = None
    # Mastodon: the status's page, and its visibility (a reply keeps it: never widen it).
    web_url: str | None = None
    visibility: str | None = None

    @property
    def network(self) -> Network:
        return network_of(self.post_id)

    @property
    def is_dm(self) -> bool:
        return self.kind == "dm"

    @property
    def earlier_versions(self) -> tuple[str, ...]:
        """The ids of the versions this post replaced (empty unless it is an edit)."""
        return tuple(i for i in self.edit_history if i != self.post_id)

    @property
    def url(self) -> str:
        if self.web_url:
            return self.web_url
        if self.network.key == BLUESKY:
            return bluesky_web_url(bluesky_uri(self.post_id), self.author.username)
        if self.is_dm:
            return f"https://x.com/messages/{self.dm_conversation_id or ''}"
        return f"https://x.com/{self.author.username}/status/{self.post_id}"

    def to_json(self) -> str:
        # Field by field rather than asdict(), which deep-copies and costs ~10x as much: this
        # runs for every post a poll ingests.
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["author"] = {f.name: getattr(self.author, f.name) for f in fields(self.author)}
        data["created_at"] = self.created_at.isoformat()
        data["rules"] = list(self.rules)
        data["marks"] = list(self.marks)
        data["rule_labels"] = list(self.rule_labels)
        data["history"] = self.history.to_dict() if self.history is not None else None
        data["edit_history"] = list(self.edit_history)
        data["triage"] = self.triage.to_dict() if self.triage is not None else None
        data["thread_root"] = list(self.thread_root) if self.thread_root else None
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str | bytes) -> Mention:
        data: dict[str, Any] = json.loads(raw)
        created = datetime.fromisoformat(data["created_at"])
        if created.tzinfo is None:
            created = created.replace(tzinfo=UTC)
        return cls(
            post_id=str(data["post_id"]),
            text=str(data["text"]),
            author=Author(**data["author"]),
            created_at=created,
            rules=tuple(data.get("rules") or ("mentions",)),
            conversation_id=data.get("conversation_id"),
            replied_to=data.get("replied_to"),
            summons_us=bool(data.get("summons_us", True)),
            marks=tuple(str(mark) for mark in data.get("marks") or ()),
            rule_labels=tuple(str(label) for label in data.get("rule_labels") or ()),
            seen_at=float(data.get("seen_at", 0.0)),
            history=CustomerHistory.from_dict(data["history"]) if data.get("history") else None,
            edit_history=tuple(str(i) for i in data.get("edit_history") or ()),
            edited_at=float(data["edited_at"]) if data.get("edited_at") else None,
            kind=str(data.get("kind") or "post"),
            dm_conversation_id=data.get("dm_conversation_id"),
            triage=Triage.from_dict(data["triage"]) if data.get("triage") else None,
            cid=data.get("cid"),
            thread_root=_pair(data.get("thread_root")),
            web_url=data.get("web_url"),
            visibility=data.get("visibility"),
        )


def _pair(value: Any) -> tuple[str, str] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        return str(value[0]), str(value[1])
    return None


def post_id_key(post_id: str) -> tuple[int, str]:
    """Sort key for X ids: snowflakes are numeric strings and compare as integers."""
    return (len(post_id), post_id)
