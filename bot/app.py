"""build_app: the Bolt app with services injected into every listener's context."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from slack_bolt import App, BoltContext
from slack_bolt.error import BoltUnhandledRequestError

from bot.domain.failures import ExplainedError
from bot.listener_work import CONTEXT_KEY, ListenerWork
from bot.services import Services
from handlers import register_all

log = structlog.get_logger()

# It must stay true for every listener: some fail after X or Slack already acted, so it never
# says that nothing happened. A failure that knows more says so (ExplainedError).
GENERIC_FAILURE = (
    "Sorry, that did not work: Earshot hit an unexpected error and may have stopped part-way. "
    "Check the card before trying again; if it keeps failing, tell the Earshot admins."
)


def failure_text(error: BaseException) -> str:
    """What to tell the person about an unexpected failure."""
    return error.user_text if isinstance(error, ExplainedError) else GENERIC_FAILURE


def build_app(
    services: Services, *, verify_token: bool = True, work: ListenerWork | None = None
) -> App:
    """The app; `work` counts its listeners still running after their ack (whoever drains or
    waits for them passes it in)."""
    work = work if work is not None else ListenerWork()
    settings = services.settings
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    app = App(
        client=services.slack,
        signing_secret=signing_secret,
        token_verification_enabled=verify_token,
        raise_error_for_unhandled_request=False,
        # Bolt runs each (guarded) listener in the request thread; the guard hands the work to
        # a pool and answers Slack the moment the listener acks (see `guarded`).
        process_before_response=True,
    )

    @app.middleware
    def inject_services(context: BoltContext, next: Callable[[], Any]) -> Any:
        context["services"] = services
        context[CONTEXT_KEY] = work
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
        work.failed("handler_failed", str(body.get("type") or body.get("command")), error)
        tell_user(context, body, failure_text(error))

    register_all(app)
    return app


Listener = Callable[..., Any]
ACK_DEADLINE_SECONDS = 2.5  # Slack gives up after 3 s
# Listeners run here, so the request thread can answer Slack as soon as they ack.
_WORK = ThreadPoolExecutor(max_workers=64, thread_name_prefix="listener")


class _SignalingAck:
    """Bolt's ack, plus a signal to the waiting request thread that Slack can have its answer."""

    def __init__(self, ack: Any, acked: threading.Event) -> None:
        self._ack, self._acked = ack, acked

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._ack(*args, **kwargs)
        finally:
            self._acked.set()

    @property
    def response(self) -> Any:
        return self._ack.response


def guarded(listener: Listener) -> Listener:
    """Register listeners through this: ack first, then work, and never raise into Bolt.

    The listener runs on a worker thread; the request thread returns as soon as it calls ack()
    (with its inline errors, if any), and the rest of the listener goes on after Slack has its
    answer. This is "ack first, then work" without Bolt's lazy listeners, whose default runner
    polls for the ack every 10 ms (a 10 ms floor on every click, and an ack that an exception
    follows quickly is lost). A failure is logged with context and the person is told,
    ephemerally; if the listener had not acked, the guard does. The app's ListenerWork counts
    the listener until it has finished, and keeps its failure.
    """
    name = listener.__name__
    asks_context = "context" in inspect.signature(listener).parameters

    @functools.wraps(listener)
    def run(**kwargs: Any) -> None:
        context = kwargs.get("context") if asks_context else kwargs.pop("context", None)
        work = context.get(CONTEXT_KEY) if context is not None else None
        acked = threading.Event()
        if "ack" in kwargs:
            kwargs["ack"] = _SignalingAck(kwargs["ack"], acked)
        else:
            acked.set()  # events: Bolt acknowledges them itself; nothing to wait for
        if work is not None:
            work.started(name)  # before the ack goes out, so a waiter never sees idle too soon
        try:
            _WORK.submit(_run_safely, listener, kwargs, context, acked, work)
        except BaseException:
            if work is not None:
                work.finished(name)
            raise
        if not acked.wait(ACK_DEADLINE_SECONDS):
            log.warning("listener_ack_late", listener=name)

    # Bolt injects arguments by the names it finds after unwrapping: let it see `run`'s own
    # signature, the listener's plus the context that carries the app's ListenerWork.
    del run.__wrapped__
    run.__signature__ = _with_context(inspect.signature(listener))  # type: ignore[attr-defined]
    return run


def _with_context(signature: inspect.Signature) -> inspect.Signature:
    if "context" in signature.parameters:
        return signature
    by_name = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = list(signature.parameters.values())
    named = [p for p in params if p.kind <= by_name]  # Bolt fills only these (getfullargspec)
    default = None if any(p.default is not p.empty for p in named) else inspect.Parameter.empty
    context = inspect.Parameter("context", by_name, default=default)
    return signature.replace(parameters=[*named, context, *params[len(named) :]])


def _run_safely(
    listener: Listener,
    kwargs: dict[str, Any],
    context: BoltContext | None,
    acked: threading.Event,
    work: ListenerWork | None,
) -> None:
    try:
        listener(**kwargs)
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
        if work is not None:
            work.failed("listener_failed", listener.__name__, error)
        if context is not None and isinstance(body, dict):
            tell_user(context, body, failure_text(error))
    finally:
        acked.set()
        if work is not None:
            work.finished(listener.__name__)


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
