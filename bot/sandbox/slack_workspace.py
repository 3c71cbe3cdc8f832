"""State of the Slack fake's workspace (channels, users, messages, views) and argument parsing."""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.server import Request, Response

TEAM_ID, TEAM_NAME, TEAM_DOMAIN = "T0SANDBOX", "Earshot Sandbox", "earshot-sandbox"
BOT_USER_ID, BOT_ID, APP_ID = "U0BOT", "B0BOT", "A0EARSHOT"

Args = dict[str, Any]


class SlackError(Exception):
    """A method failure, answered the way Slack answers it: HTTP 200 and `ok: false`."""

    def __init__(
        self,
        error: str,
        *,
        messages: list[str] | None = None,
        errors: list[str] | None = None,
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.body: Args = {"ok": False, "error": error}
        if errors:
            self.body["errors"] = errors
        if messages:
            self.body["response_metadata"] = {"messages": messages}
        self.status, self.headers = status, headers or {}

    def response(self) -> Response:
        return Response(self.status, self.body, self.headers)


def invalid_arguments(problems: list[str]) -> SlackError:
    """Slack's generic validation failure (views.* examples): messages prefixed `[ERROR]`."""
    return SlackError("invalid_arguments", messages=[f"[ERROR] {p}" for p in problems])


def text_arg(args: Args, key: str) -> str | None:
    value = args.get(key)
    return None if value is None or value == "" else str(value)


def flag_arg(args: Args, key: str) -> bool:
    value = args.get(key)
    return value is True or str(value).lower() in ("1", "true")


def json_arg(value: Any, error: str) -> Any:
    """A JSON argument: form posts carry it as a string, JSON posts as the value itself."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise SlackError(error) from None


def with_warning(fields: Args, warning: str | None) -> Args:
    if warning:
        fields.update(warning=warning, response_metadata={"warnings": [warning]})
    return fields


def request_args(request: Request) -> Args:
    """Query string plus form or JSON body; a JSON body cannot carry the token (Slack's rule)."""
    args: Args = dict(request.query)
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            body = request.json()
        except ValueError:
            raise SlackError("invalid_json") from None
        if isinstance(body, dict):
            args.update({k: v for k, v in body.items() if k != "token"})
    elif request.body:
        args.update(request.form())
    return args


@dataclass
class Channel:
    """A conversation the fake knows; `members` None means every user of the workspace."""

    id: str
    name: str
    is_member: bool = True
    is_private: bool = False
    is_archived: bool = False
    members: set[str] | None = None
    created: int = field(default_factory=lambda: int(time.time()))

    def as_object(self) -> Args:
        about = {"value": "", "creator": "", "last_set": 0}
        return {
            "id": self.id, "name": self.name, "name_normalized": self.name,
            "is_channel": not self.is_private, "is_group": self.is_private, "is_im": False,
            "is_mpim": False, "is_private": self.is_private, "is_archived": self.is_archived,
            "is_general": False, "is_member": self.is_member, "created": self.created,
            "updated": self.created * 1000, "creator": "U0ALICE", "unlinked": 0,
            "is_shared": False, "is_ext_shared": False, "is_org_shared": False,
            "is_pending_ext_shared": False, "is_frozen": False, "pending_shared": [],
            "pending_connected_team_ids": [], "shared_team_ids": [TEAM_ID],
            "context_team_id": TEAM_ID, "parent_conversation": None, "previous_names": [],
            "topic": dict(about), "purpose": dict(about),
        }  # fmt: skip


def user_object(user_id: str, name: str, real_name: str, **fields: Any) -> Args:
    """A users.info `user` with every key of the method page's example; `fields` override."""
    team_id = fields.pop("team_id", None) or TEAM_ID
    display_name = fields.pop("display_name", None) or name
    email = fields.pop("email", None) or f"{name}@{TEAM_DOMAIN}.example.com"
    image = "https://avatars.example.com/default.png"
    profile = {
        "avatar_hash": "g0000000000", "status_text": "", "status_emoji": "",
        "real_name": real_name, "real_name_normalized": real_name,
        "display_name": display_name, "display_name_normalized": display_name,
        "email": email, "image_original": image, "image_24": image, "image_32": image,
        "image_48": image, "image_72": image, "image_192": image, "image_512": image,
        "team": team_id,
    }  # fmt: skip
    user = {
        "id": user_id, "team_id": team_id, "name": name, "deleted": False, "color": "9f69e7",
        "real_name": real_name, "tz": "Europe/London", "tz_label": "Greenwich Mean Time",
        "tz_offset": 0, "profile": profile, "is_admin": False, "is_owner": False,
        "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False,
        "is_bot": False, "is_app_user": False, "updated": 1_700_000_000, "has_2fa": False,
    }  # fmt: skip
    user.update(fields)
    return user


class TokenBuckets:
    """Per-key token buckets: `rate` tokens a second, at most `burst` saved up; rate <= 0 = off."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._state: dict[str, tuple[float, float]] = {}

    def wait_for(self, key: str, now: float) -> float:
        """Take a token for `key`: 0 when granted, else the seconds until one is due."""
        if self.rate <= 0:
            return 0.0
        tokens, stamp = self._state.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - stamp) * self.rate)
        if tokens >= 1:
            self._state[key] = (tokens - 1, now)
            return 0.0
        self._state[key] = (tokens, now)
        return (1 - tokens) / self.rate

    def clear(self) -> None:
        self._state.clear()


@dataclass
class Workspace:
    """Everything the fake remembers; the server holds its lock around every use."""

    channels: dict[str, Channel] = field(default_factory=dict)
    users: dict[str, Args] = field(default_factory=dict)
    usergroups: dict[str, list[str]] = field(default_factory=dict)
    buckets: TokenBuckets = field(default_factory=lambda: TokenBuckets(1.0, 3))
    messages: list[Args] = field(default_factory=list)
    ephemerals: list[Args] = field(default_factory=list)
    views: dict[str, Args] = field(default_factory=dict)
    stacks: list[list[str]] = field(default_factory=list)  # modal stacks, root first
    homes: dict[str, str] = field(default_factory=dict)  # user id -> Home tab view id
    triggers: dict[str, tuple[float, str | None]] = field(default_factory=dict)
    used_triggers: set[str] = field(default_factory=set)
    files: dict[str, Args] = field(default_factory=dict)
    throttled: list[Args] = field(default_factory=list)
    # The app's Messages tab (App Home): when the manifest turns it off, Slack refuses every
    # message the bot sends into a direct message with messages_tab_disabled.
    messages_tab_enabled: bool = True
    _serials: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _last_micros: int = 0

    def clear_activity(self) -> None:
        """Forget messages, views, uploads and pacing; keep channels, users and user groups."""
        for store in (self.messages, self.ephemerals, self.stacks, self.throttled):
            store.clear()
        for mapping in (self.views, self.homes, self.triggers, self.files):
            mapping.clear()
        self.used_triggers.clear()
        self.buckets.clear()

    def new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._serials):010d}"

    def next_ts(self) -> str:
        """A message ts like Slack's ("1700000000.000100"): wall clock, unique, increasing."""
        micros = max(time.time_ns() // 1_000, self._last_micros + 1)
        self._last_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def channel(self, args: Args, *, member: bool) -> Channel:
        """The conversation a method names: an id, a #name, or a user id (the app's DM with
        that user, as chat.postMessage takes it)."""
        wanted = (text_arg(args, "channel") or text_arg(args, "channel_id") or "").lstrip("#")
        found = self.channels.get(wanted) or next(
            (c for c in self.channels.values() if c.name == wanted), None
        )
        user = self.users.get(wanted)
        if found is None and user is not None and not user["deleted"]:
            found = self.direct_message(wanted)
        if found is None or (found.is_private and not found.is_member):
            raise SlackError("channel_not_found")  # Slack hides private channels from outsiders
        if member and not found.is_member:
            raise SlackError("not_in_channel")
        return found

    def direct_message(self, user_id: str) -> Channel:
        """The app's DM with a user, made on first use; its id is "D" + the user id without
        its "U", so it is stable."""
        dm_id = "D" + user_id.removeprefix("U")
        if dm_id not in self.channels:
            self.channels[dm_id] = Channel(id=dm_id, name=dm_id.lower(), members={user_id})
        return self.channels[dm_id]

    def refuse_direct_message(self, channel: Channel) -> None:
        if channel.id.startswith("D") and not self.messages_tab_enabled:
            raise SlackError("messages_tab_disabled")

    def message(self, channel: Channel, ts: str | None) -> Args:
        for message in self.messages:
            if message["channel"] == channel.id and message["ts"] == ts:
                return message
        raise SlackError("message_not_found")

    def pace(self, channel: Channel) -> None:
        """chat.postMessage pacing: HTTP 429 + Retry-After (whole seconds) over the limit."""
        wait = self.buckets.wait_for(channel.id, time.monotonic())
        if wait > 0:
            retry_after = str(max(1, math.ceil(wait)))
            raise SlackError("ratelimited", status=429, headers={"Retry-After": retry_after})


def messages_tab_enabled(manifest: Mapping[str, Any]) -> bool:
    """Whether an app manifest turns the App Home Messages tab on (unset: off, so a manifest
    that does not say so is not trusted to DM anyone)."""
    app_home = (manifest.get("features") or {}).get("app_home") or {}
    return app_home.get("messages_tab_enabled") is True
