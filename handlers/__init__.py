"""Thin Bolt listeners, one package per Slack surface, each with register(app)."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    """Wire every surface. Later surfaces (actions, views, commands) add themselves here."""
    del app  # no interactive surface yet: cards render only the buttons that work
