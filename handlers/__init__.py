"""Thin Bolt listeners, one package per Slack surface, each with register(app)."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    """Wire every surface: one line per surface module (each has register(app))."""
    from handlers.commands import earshot

    earshot.register(app)
