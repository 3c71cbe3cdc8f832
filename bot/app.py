"""build_app: the Bolt app with services injected into every listener's context."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import structlog
from slack_bolt import App, BoltContext
from slack_bolt.error import BoltUnhandledRequestError

from bot.services import Services
from handlers import register_all

log = structlog.get_logger()

GENERIC_FAILURE = (
    "Sorry, that did not work: Earshot hit an unexpected error. Nothing was sent to X. "
    "Try again in a minute; if it keeps failing, tell the Earshot admins."
)


def build_app(services: Services, *, verify_token: bool = True) -> App:
    settings = services.settings
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    app = App(
        client=services.slack,
        signing_secret=signing_secret,
        token_verification_enabled=verify_token,
        raise_error_for_unhandled_request=False,
        # Socket Mode and HTTP both: ack first, then work (lazy listeners run after the ack).
        process_before_response=False,
    )

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], Any]) -> Any:
        context["services"] = services
        return next()

    @app.error
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext) -> None:
        if isinstance(error, BoltUnhandledRequestError):
            return
        log.error(
            "handler_failed",
            error=repr(error),
            type=body.get("type"),
            user=context.user_id,
            exc_info=error,
        )
        tell_user(context, body, GENERIC_FAILURE)

    register_all(app)
    return app


Listener = Callable[..., Any]


def guarded(listener: Listener) -> Listener:
    """Wrap a listener so it never raises into Bolt.

    Bolt's thread runner loses an ack() that an exception follows within its 10 ms polling
    window (the request then hangs 3 s and Slack gets a 404), so @app.error alone is not enough:
    every listener is registered through this guard, which acks if nobody did, logs with context
    and tells the person, ephemerally, that it failed.
    """

    @functools.wraps(listener)
    def run(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except Exception as error:
            ack = kwargs.get("ack")
            if ack is not None and getattr(ack, "response", None) is None:
                ack()
            body = kwargs.get("body") or {}
            log.error(
                "listener_failed",
                listener=listener.__name__,
                error=repr(error),
                type=body.get("type") if isinstance(body, dict) else None,
                exc_info=error,
            )
            context = kwargs.get("context")
            if context is not None and isinstance(body, dict):
                tell_user(context, body, GENERIC_FAILURE)
            return None

    return run


def tell_user(context: BoltContext, body: dict[str, Any], text: str) -> None:
    """Say something only the acting person sees; never raises (the caller is already failing)."""
    channel = context.channel_id or (body.get("channel") or {}).get("id")
    user = context.user_id
    if not channel or not user or context.client is None:
        return
    try:
        context.client.chat_postEphemeral(channel=channel, user=user, text=text)
    except Exception as error:
        log.warning("ephemeral_failed", error=repr(error))
