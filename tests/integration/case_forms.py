"""Builders for the resolve, escalate and template tests: open a modal, fill it, snapshot Redis."""

from __future__ import annotations

from typing import Any

import redis

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from tests.integration.waiting import wait_for

# Caches Earshot may fill while refusing something (who a user is): not "state" that changed.
CACHE_MARKERS = (":person:", ":home-team", ":group:")


def open_modal(
    bolt: BoltDriver,
    slack: SlackFake,
    action_id: str,
    value: str,
    ts: str = "1.0",
    user: str = "U0ALICE",
) -> dict[str, Any]:
    """Press a button; returns the modal Slack now shows."""
    before = len(slack.views())
    assert bolt.block_action(action_id, value, user=user, message_ts=ts).status_code == 200
    views = wait_for(lambda: slack.views()[before:] or None, what=f"the {action_id} modal")
    view: dict[str, Any] = views[-1]
    return view


def resolve_values(reason: str | None, note: str = "") -> dict[str, Any]:
    option = {"value": reason, "text": {"type": "plain_text", "text": "x"}} if reason else None
    return {
        "reason": {"reason": {"type": "radio_buttons", "selected_option": option}},
        "note": {"note": {"type": "plain_text_input", "value": note or None}},
    }


def escalate_values(
    channel: str | None,
    *,
    team: str = "",
    severity: str | None = "normal",
    note: str = "",
    team_select: bool = False,
) -> dict[str, Any]:
    team_element: dict[str, Any] = (
        {"type": "static_select", "selected_option": {"value": team} if team else None}
        if team_select
        else {"type": "plain_text_input", "value": team or None}
    )
    return {
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": channel}},
        "team": {"team": team_element},
        "severity": {
            "severity": {
                "type": "static_select",
                "selected_option": {"value": severity} if severity else None,
            }
        },
        "note": {"note": {"type": "plain_text_input", "value": note or None}},
    }


def template_values(title: str, text: str) -> dict[str, Any]:
    return {
        "title": {"title": {"type": "plain_text_input", "value": title}},
        "text": {"text": {"type": "plain_text_input", "value": text}},
    }


def snapshot(client: redis.Redis) -> dict[str, Any]:
    """Every key and its value (caches aside), to prove a refused request changed nothing."""
    found: dict[str, Any] = {}
    for key in sorted(str(k) for k in client.scan_iter("*")):
        if any(marker in key for marker in CACHE_MARKERS):
            continue
        kind = client.type(key)
        if kind == "string":
            found[key] = client.get(key)
        elif kind == "hash":
            found[key] = client.hgetall(key)
        elif kind == "list":
            found[key] = client.lrange(key, 0, -1)
        elif kind == "set":
            found[key] = sorted(client.smembers(key))
        elif kind == "zset":
            found[key] = client.zrange(key, 0, -1, withscores=True)
        elif kind == "stream":
            found[key] = client.xrange(key)
    return found


def ephemeral_texts(slack: SlackFake, user: str = "U0ALICE") -> list[str]:
    return [
        f"{e.get('text', '')} {e.get('blocks') or ''}"
        for e in slack.ephemerals()
        if e.get("user") == user
    ]
