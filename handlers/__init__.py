"""Thin Bolt listeners, one package per Slack surface, each with register(app)."""

from __future__ import annotations

from slack_bolt import App


def register_all(app: App) -> None:
    """Wire every surface: one line per surface module (each has register(app))."""
    import handlers.commands.audit  # its /earshot subcommand registers on import
    import handlers.commands.customer  # likewise
    import handlers.commands.templates  # noqa: F401  (likewise)
    from handlers.actions import (
        acknowledge,
        approval,
        card,
        dm,
        escalate,
        mute,
        reply,
        resolve,
        thread,
    )
    from handlers.actions import templates as template_buttons
    from handlers.commands import earshot, oncall, report
    from handlers.shortcuts import send_as_dm, send_as_reply
    from handlers.views import dm as dm_view
    from handlers.views import escalate as escalate_view
    from handlers.views import reply as reply_view
    from handlers.views import resolve as resolve_view
    from handlers.views import templates as template_form

    earshot.register(app)
    oncall.register(app)
    report.register(app)
    acknowledge.register(app)
    reply.register(app)
    card.register(app)
    mute.register(app)
    thread.register(app)
    approval.register(app)
    reply_view.register(app)
    send_as_reply.register(app)
    send_as_dm.register(app)
    resolve.register(app)
    resolve_view.register(app)
    escalate.register(app)
    escalate_view.register(app)
    template_buttons.register(app)
    template_form.register(app)
    dm.register(app)
    dm_view.register(app)

    # /track (issue 5): the command, the App Home tab and the tab's Pause/Resume buttons.
    from handlers.actions import track_home
    from handlers.commands import track
    from handlers.events import home

    for surface in (track, home, track_home):
        surface.register(app)
