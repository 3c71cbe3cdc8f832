"""Thin Bolt listeners, one package per Slack surface, each with register(app)."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    """Wire every surface: one line per surface module (each has register(app))."""
    from handlers.actions import approval, card, reply
    from handlers.commands import earshot
    from handlers.shortcuts import send_as_reply
    from handlers.views import reply as reply_view

    earshot.register(app)
    reply.register(app)
    card.register(app)
    approval.register(app)
    reply_view.register(app)
    send_as_reply.register(app)
