"""chat.*, conversations.* and reactions.add of the Slack fake: messages and where they live."""

from __future__ import annotations

import base64
import binascii
import copy
import math
import re
from typing import Any

from bot.sandbox import block_kit
from bot.sandbox.slack_workspace import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Args,
    Channel,
    SlackError,
    Workspace,
    flag_arg,
    invalid_arguments,
    json_arg,
    text_arg,
    with_warning,
)

_REACTION_NAME = re.compile(r"^[a-z0-9_+'-]+$")


def _blocks(args: Args) -> list[Any] | None:
    if args.get("blocks") in (None, ""):
        return None
    blocks = json_arg(args["blocks"], "invalid_blocks_format")
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    problems = block_kit.check_blocks(blocks)
    if problems:
        messages = [f"[ERROR] {p}" for p in problems]
        raise SlackError("invalid_blocks", errors=problems, messages=messages)
    if block_kit.blocks_text_length(blocks) > block_kit.BLOCKS_TEXT_BUDGET:
        raise SlackError("msg_blocks_too_long")
    return blocks


def _content(args: Args, *, required: bool) -> tuple[str | None, list[Any] | None]:
    """Text and validated blocks of a message; `no_text` when a post has neither."""
    text = None if args.get("text") is None else str(args["text"])
    blocks = _blocks(args)
    if required and not text and not blocks and not args.get("attachments"):
        raise SlackError("no_text")
    return text, blocks


def _truncated(text: str) -> tuple[str, str | None]:
    """Slack cuts text above 40,000 characters and warns `message_truncated`."""
    if len(text) > block_kit.MESSAGE_TEXT_LIMIT:
        return text[: block_kit.MESSAGE_TEXT_LIMIT], "message_truncated"
    return text, None


def _metadata(args: Args) -> Args | None:
    """None when absent; {} (remove, on chat.update) or {event_type, event_payload}."""
    if args.get("metadata") in (None, ""):
        return None
    metadata = json_arg(args["metadata"], "invalid_metadata_format")
    if not isinstance(metadata, dict):
        raise SlackError("invalid_metadata_format")
    if metadata and not (
        isinstance(metadata.get("event_type"), str)
        and isinstance(metadata.get("event_payload"), dict)
    ):
        raise SlackError("invalid_metadata_schema")
    return metadata


def render(ws: Workspace, message: Args, *, metadata: bool) -> Args:
    """A stored message as the Web API shows it (metadata only when asked for)."""
    shown: Args = {
        "user": BOT_USER_ID, "type": "message", "ts": message["ts"], "bot_id": BOT_ID,
        "app_id": APP_ID, "text": message["text"], "team": TEAM_ID,
    }  # fmt: skip
    optional = ("blocks", "thread_ts", "edited", "reactions")
    shown.update({key: message[key] for key in optional if message.get(key)})
    replies = [m for m in ws.messages if m.get("thread_ts") == message["ts"]]
    if replies and not message.get("thread_ts"):
        shown.update(thread_ts=message["ts"], reply_count=len(replies))
        shown.update(latest_reply=replies[-1]["ts"], reply_users=[BOT_USER_ID])
    if metadata and message.get("metadata"):
        shown["metadata"] = message["metadata"]
    return copy.deepcopy(shown)


def post_message(ws: Workspace, args: Args) -> Args:
    channel = ws.channel(args, member=True)
    if channel.is_archived:
        raise SlackError("is_archived")
    ws.refuse_direct_message(channel)
    ws.pace(channel)
    text, blocks = _content(args, required=True)
    text, warning = _truncated(text or "")
    message: Args = {
        "channel": channel.id, "ts": ws.next_ts(), "text": text, "blocks": blocks,
        "metadata": _metadata(args) or None, "thread_ts": text_arg(args, "thread_ts"),
        "reply_broadcast": flag_arg(args, "reply_broadcast"),
        "unfurl_links": flag_arg(args, "unfurl_links"), "edited": None, "reactions": [],
    }  # fmt: skip
    ws.messages.append(message)
    shown = render(ws, message, metadata=True)
    return with_warning({"channel": channel.id, "ts": message["ts"], "message": shown}, warning)


def update_message(ws: Workspace, args: Args) -> Args:
    channel = ws.channel(args, member=False)
    message = ws.message(channel, text_arg(args, "ts"))
    text, blocks = _content(args, required=False)
    metadata = _metadata(args)
    if text is None and metadata is None and "blocks" not in args:
        raise SlackError("no_text")
    warning = None
    if text is not None:
        message["text"], warning = _truncated(text)
    if "blocks" in args:  # the old blocks stay unless `blocks` is sent
        message["blocks"] = blocks
    if metadata is not None:  # an empty object removes the metadata
        message["metadata"] = metadata or None
    message["edited"] = {"user": BOT_USER_ID, "ts": ws.next_ts()}
    shown = render(ws, message, metadata=True)
    fields = {"channel": channel.id, "ts": message["ts"], "text": message["text"]}
    return with_warning({**fields, "message": shown}, warning)


def post_ephemeral(ws: Workspace, args: Args) -> Args:
    channel = ws.channel(args, member=True)
    ws.refuse_direct_message(channel)
    user = ws.users.get(text_arg(args, "user") or "")
    if user is None or user["deleted"]:
        raise SlackError("user_not_in_channel")
    in_channel = (
        user["team_id"] == TEAM_ID if channel.members is None else user["id"] in channel.members
    )
    if not in_channel:
        raise SlackError("user_not_in_channel")
    text, blocks = _content(args, required=True)
    ephemeral = {
        "channel": channel.id, "user": user["id"], "ts": ws.next_ts(), "text": text or "",
        "blocks": blocks, "thread_ts": text_arg(args, "thread_ts"),
    }  # fmt: skip
    ws.ephemerals.append(ephemeral)
    return {"message_ts": ephemeral["ts"]}


def get_permalink(ws: Workspace, args: Args) -> Args:
    channel = ws.channel(args, member=False)
    message = ws.message(channel, text_arg(args, "message_ts"))
    stamp = message["ts"].replace(".", "")
    link = f"https://{TEAM_DOMAIN}.slack.com/archives/{channel.id}/p{stamp}"
    if message.get("thread_ts") and message["thread_ts"] != message["ts"]:
        link += f"?thread_ts={message['thread_ts']}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}


def add_reaction(ws: Workspace, args: Args) -> Args:
    name = (text_arg(args, "name") or "").strip(":")
    if not _REACTION_NAME.match(name):
        raise SlackError("invalid_name")
    if text_arg(args, "channel") is None or text_arg(args, "timestamp") is None:
        raise SlackError("no_item_specified")
    message = ws.message(ws.channel(args, member=False), text_arg(args, "timestamp"))
    if any(reaction["name"] == name for reaction in message["reactions"]):
        raise SlackError("already_reacted")
    message["reactions"].append({"name": name, "users": [BOT_USER_ID], "count": 1})
    return {}


# -- conversations ------------------------------------------------------------------------


def _ts_arg(args: Args, key: str, default: float) -> float:
    if text_arg(args, key) is None:
        return default
    try:
        return float(args[key])
    except ValueError:
        raise SlackError(f"invalid_ts_{key}") from None


def _limit(args: Args) -> int:
    try:
        return max(1, min(999, int(args.get("limit") or 100)))
    except ValueError:
        raise invalid_arguments(["invalid `limit`"]) from None


def _cursor(args: Args, kind: str = "next_ts", default: float = math.inf) -> float:
    """The ts a page cursor of this fake carries (`kind:ts`, base64), or `default`."""
    if text_arg(args, "cursor") is None:
        return default
    try:
        decoded = base64.b64decode(str(args["cursor"]), validate=True).decode()
        if not decoded.startswith(f"{kind}:"):
            raise ValueError(decoded)
        return float(decoded.removeprefix(f"{kind}:"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SlackError("invalid_cursor") from None


def history(ws: Workspace, args: Args) -> Args:
    """Top-level messages (and broadcast replies) newest first, between oldest and latest."""
    channel = ws.channel(args, member=True)
    oldest, latest = _ts_arg(args, "oldest", 0.0), _ts_arg(args, "latest", math.inf)
    inclusive, limit, before = flag_arg(args, "inclusive"), _limit(args), _cursor(args)

    def wanted(message: Args) -> bool:
        stamp = float(message["ts"])
        inside = oldest <= stamp <= latest if inclusive else oldest < stamp < latest
        shown = message.get("thread_ts") in (None, message["ts"]) or message["reply_broadcast"]
        return message["channel"] == channel.id and inside and shown and stamp < before

    found = sorted(filter(wanted, ws.messages), key=lambda m: float(m["ts"]), reverse=True)
    metadata = flag_arg(args, "include_all_metadata")
    page = [render(ws, message, metadata=metadata) for message in found[:limit]]
    fields: Args = {"messages": page, "has_more": len(found) > limit, "pin_count": 0}
    fields.update(channel_actions_ts=None, channel_actions_count=0)
    fields.update({key: args[key] for key in ("oldest", "latest") if text_arg(args, key)})
    if fields["has_more"]:
        cursor = base64.b64encode(f"next_ts:{page[-1]['ts']}".encode()).decode()
        fields["response_metadata"] = {"next_cursor": cursor}
    return fields


def replies(ws: Workspace, args: Args) -> Args:
    """A thread, oldest first: its parent, then the replies between oldest and latest. A ts
    inside a thread names the whole thread; an unthreaded message is returned alone."""
    channel = ws.channel(args, member=True)
    ts = text_arg(args, "ts")
    if ts is None:
        raise invalid_arguments(["missing required field: ts"])
    here = [m for m in ws.messages if m["channel"] == channel.id]
    named = next((m for m in here if m["ts"] == ts), None)
    if named is None:
        raise SlackError("thread_not_found")
    root = named.get("thread_ts") or named["ts"]
    oldest, latest = _ts_arg(args, "oldest", 0.0), _ts_arg(args, "latest", math.inf)
    inclusive, limit = flag_arg(args, "inclusive"), _limit(args)
    after = _cursor(args, "after_ts", -math.inf)

    def wanted(message: Args) -> bool:
        stamp = float(message["ts"])
        inside = oldest <= stamp <= latest if inclusive else oldest < stamp < latest
        parent = message["ts"] == root
        in_thread = parent or message.get("thread_ts") == root
        return in_thread and (parent or inside) and stamp > after

    found = sorted(filter(wanted, here), key=lambda m: float(m["ts"]))
    metadata = flag_arg(args, "include_all_metadata")
    page = [render(ws, message, metadata=metadata) for message in found[:limit]]
    fields: Args = {"messages": page, "has_more": len(found) > limit}
    if fields["has_more"]:
        cursor = base64.b64encode(f"after_ts:{page[-1]['ts']}".encode()).decode()
        fields["response_metadata"] = {"next_cursor": cursor}
    return fields


def conversation_info(ws: Workspace, args: Args) -> Args:
    channel: Channel = ws.channel(args, member=False)
    shown = channel.as_object()
    if flag_arg(args, "include_num_members"):
        members = channel.members
        shown["num_members"] = len(ws.users) if members is None else len(members)
    return {"channel": shown}


def join(ws: Workspace, args: Args) -> Args:
    channel = ws.channel(args, member=False)
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    warning = "already_in_channel" if channel.is_member else None
    channel.is_member = True
    return with_warning({"channel": channel.as_object()}, warning)


def open_conversation(ws: Workspace, args: Args) -> Args:
    """conversations.open for one user: the app's direct message with them (made on first use).

    Multi-person DMs are not modelled; more than one user is refused as Slack refuses a mix it
    cannot open. The DM's id is stable across calls (Workspace.direct_message).
    """
    wanted = [u for u in (text_arg(args, "users") or "").split(",") if u]
    channel_id = text_arg(args, "channel")
    if not wanted and channel_id is None:
        raise SlackError("users_list_not_supplied")
    if channel_id is not None and not wanted:
        found = ws.channels.get(channel_id)
        if found is None or not channel_id.startswith("D"):
            raise SlackError("channel_not_found")
        wanted = next(iter(found.members or ()), "").split()
    if len(wanted) > 1:
        raise SlackError("method_not_supported_for_channel_type")
    user = ws.users.get(wanted[0] if wanted else "")
    if user is None:
        raise SlackError("user_not_found")
    if user["deleted"]:
        raise SlackError("user_disabled")
    dm_id = "D" + user["id"].removeprefix("U")
    already = dm_id in ws.channels
    im = ws.direct_message(user["id"])
    shown: Args = {"id": dm_id}
    if flag_arg(args, "return_im"):
        shown |= {
            "created": im.created, "is_im": True, "is_org_shared": False, "user": user["id"],
            "last_read": "0000000000.000000", "latest": None, "unread_count": 0,
            "unread_count_display": 0, "is_open": True, "priority": 0,
        }  # fmt: skip
    fields: Args = {"channel": shown}
    if already:
        fields |= {"no_op": True, "already_open": True}
    return fields
