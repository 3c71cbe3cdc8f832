"""Pause and Resume on the Home tab: the same checks as `/track pause|resume`; the rule's channel
sees who changed it, and the person's Home tab shows the result."""

from __future__ import annotations

from typing import Any, Literal

import structlog
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.app import guarded
from bot.blocks.home import ACTION_PAUSE, ACTION_RESUME
from bot.pipeline.pacing import ChannelPacer
from bot.services import Services
from bot.store.tracks import TrackStore
from bot.track.answer import announce
from bot.track.commands import TrackCommands
from handlers.events.home import publish_home

log = structlog.get_logger()


def pause_rule(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _change(context["services"], client, body, "pause")


def resume_rule(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    _change(context["services"], client, body, "resume")


def _change(
    services: Services, client: WebClient, body: dict[str, Any], action: Literal["pause", "resume"]
) -> None:
    user = str((body.get("user") or {}).get("id", ""))
    rule_id = str(((body.get("actions") or [{}])[0]).get("value", ""))
    notice: str | None
    try:
        rule = TrackStore(services.redis).get(rule_id)
        reply = TrackCommands(services).change_rule(action, rule_id, user)
        notice = reply.note or None
        if reply.public:
            default = services.settings.slack_mentions_channel or ""
            channel = (rule.channel if rule else None) or default
            pacer = ChannelPacer(services.redis, services.settings.slack_channel_interval_ms)
            announce(client, pacer, reply.public, channel=channel, user=user)
    except Exception:
        log.exception("track_home_action_failed", action=action, rule=rule_id, user=user)
        notice = "That did not work and nothing was changed. Try again in a minute."
    publish_home(services, client, user, notice)


def register(app: App) -> None:
    app.action(ACTION_PAUSE)(guarded(pause_rule))
    app.action(ACTION_RESUME)(guarded(resume_rule))
