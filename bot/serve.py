"""`earshot serve`: Bolt over HTTP (or Socket Mode) plus /healthz and /metrics on $PORT."""

from __future__ import annotations

import contextlib
from typing import Protocol, cast

import structlog
from slack_bolt import App
from waitress.server import create_server as create_waitress_server

from bot.app import build_app
from bot.services import Services
from bot.web import build_wsgi

log = structlog.get_logger()


class HttpServer(Protocol):
    effective_port: int

    def run(self) -> None: ...

    def close(self) -> None: ...


def create_server(services: Services, host: str = "0.0.0.0", port: int | None = None) -> HttpServer:
    """The HTTP server (not yet running). In Socket Mode it serves only /healthz and /metrics."""
    settings = services.settings
    app: App | None = build_app(services)
    if settings.socket_mode and app is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
        SocketModeHandler(app, token).connect()  # type: ignore[no-untyped-call]
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
    return server


def run_until_closed(server: HttpServer) -> None:
    """Run a server in a thread until close(): close() pulls the socket from under waitress's
    select loop, and the OSError that follows is the stop, not a failure."""
    with contextlib.suppress(OSError):
        server.run()


def serve_forever(services: Services) -> None:
    create_server(services).run()
