"""`earshot serve`: Bolt over HTTP (or Socket Mode) plus /healthz and /metrics on $PORT."""

from __future__ import annotations

import contextlib
import signal
from typing import Any, Protocol, cast

import structlog
from slack_bolt import App
from waitress.server import create_server as create_waitress_server

from bot.app import build_app
from bot.listener_work import ListenerWork
from bot.services import Services
from bot.web import build_wsgi

log = structlog.get_logger()


class HttpServer(Protocol):
    effective_port: int

    def run(self) -> None: ...

    def close(self) -> None: ...


def create_server(
    services: Services,
    host: str = "0.0.0.0",
    port: int | None = None,
    *,
    work: ListenerWork | None = None,
) -> HttpServer:
    """The HTTP server (not yet running). In Socket Mode it serves only /healthz and /metrics.
    `work` counts the app's listeners still running after their ack (to drain them)."""
    settings = services.settings
    app: App | None = build_app(services, work=work)
    socket_mode: Closeable | None = None
    if settings.socket_mode and app is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
        handler = SocketModeHandler(app, token)  # its client: the app's WebClient (base URL)
        handler.connect()  # type: ignore[no-untyped-call]
        socket_mode = handler
        log.info("socket_mode_connected")
        app = None
    server = cast(
        HttpServer,
        create_waitress_server(
            build_wsgi(services, app),
            host=host,
            port=settings.port if port is None else port,
            threads=32,
            ident="earshot",
        ),
    )
    log.info("serving", port=server.effective_port, socket_mode=settings.socket_mode)
    return server if socket_mode is None else _WithSocketMode(server, socket_mode)


class Closeable(Protocol):
    def close(self) -> None: ...


class _WithSocketMode:
    """The HTTP server plus the Socket Mode connection, closed together."""

    def __init__(self, http: HttpServer, socket_mode: Closeable) -> None:
        self.http, self.socket_mode = http, socket_mode
        self.effective_port = http.effective_port

    def run(self) -> None:
        self.http.run()

    def close(self) -> None:
        self.socket_mode.close()
        self.http.close()


def run_until_closed(server: HttpServer) -> None:
    """Run a server in a thread until close(): close() pulls the socket from under waitress's
    select loop, and the OSError that follows is the stop, not a failure."""
    with contextlib.suppress(OSError):
        server.run()


# Listeners finish after their ack; on SIGTERM they get this long (Kubernetes waits 30 s).
DRAIN_SECONDS = 20.0


def serve_forever(services: Services, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Serve until SIGTERM or SIGINT; then take no new requests, finish those in hand, and let
    the listeners still running (a reply being sent, an answer being posted) finish."""
    work = ListenerWork()
    server = create_server(services, work=work)
    _stop_on_signals()
    try:
        server.run()  # returns when a stop signal arrives (waitress ends on SystemExit)
    finally:
        with contextlib.suppress(OSError):
            server.close()
        drain_listeners(work, drain_seconds)


def drain_listeners(work: ListenerWork, seconds: float) -> bool:
    """Wait up to `seconds` for the running listeners; False (and a warning) if some remain."""
    running = work.in_flight()
    if running:
        log.info("draining_listeners", running=running)
    if work.wait_idle(seconds):
        log.info("listeners_drained")
        return True
    log.warning("listeners_abandoned", running=work.in_flight(), waited_seconds=seconds)
    return False


def _stop_on_signals() -> None:
    def stop(signum: int, _frame: Any) -> None:
        log.info("stop_requested", signal=signal.Signals(signum).name)
        for name in (signal.SIGTERM, signal.SIGINT):  # a second signal stops at once
            signal.signal(name, signal.SIG_DFL)
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
