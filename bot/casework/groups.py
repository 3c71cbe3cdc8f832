"""Keep a group message (several cases shown in one while their channel was busy) in step with
its cases: every change to one of them re-renders the whole message from the store."""

from __future__ import annotations

import redis
from slack_sdk import WebClient

from bot.blocks.group import GroupEntry, group_fallback_text, render_group
from bot.store import keys
from bot.store.cases import CaseStore
from bot.store.rights import revoked_rights

LOCK_SECONDS = 15  # one render and one chat.update, with room for a Slack that is slow


def show_group(client: redis.Redis, slack: WebClient, tier: str, channel: str, ts: str) -> None:
    """Re-render the group message from what is stored now. Under the group's lock: two
    changes to two of its cases at once must not have the older render land last. Raises
    what Slack said, or LockError when the lock stays taken."""
    with client.lock(
        keys.group_lock(channel, ts), timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
    ):
        store = CaseStore(client)
        members = store.group_members(channel, ts)
        client.expire(keys.group(channel, ts), store.retention.case_seconds)  # kept in use
        entries: list[GroupEntry] = [
            (post_id, found[1] if found else None, found[0] if found else None)
            for post_id, found in members
        ]
        if not entries:
            return
        shown = [mention for _post_id, mention, _case in entries if mention is not None]
        slack.chat_update(
            channel=channel,
            ts=ts,
            text=group_fallback_text(shown),
            blocks=render_group(entries, tier, revoked_rights(client)),
        )
