"""Shared plumbing of the sandbox fakes: a threaded loopback HTTP server, call log, faults."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One request as a fake sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    # As sent: `query` keeps one value per name, but XRPC and Rails send arrays as repeats
    # (`reasons=mention&reasons=reply`, `types[]=mention&types[]=follow`).
    raw_query: str = ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        # "replace": clients post binary uploads (files.getUploadURLExternal's URL) with the
        # form content type; Slack takes the bytes as they are, so must the fakes.
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {key: values[-1] for key, values in parsed.items()}


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Fault:
    """An injected failure: the next `count` requests whose path matches answer `response`.

    With `after`, the request is carried out first (a post is made) and `response` comes back
    after the delay instead of the real answer. With `drop`, the connection is closed without
    any answer (before or, with `after`, after carrying out the request): the client cannot
    know what happened."""

    path: str
    response: Response
    count: int = 1
    delay_seconds: float = 0.0
    after: bool = False
    drop: bool = False


class DropConnection(Exception):
    """Close the connection without answering."""


Route = Callable[[Request], Response]


class SandboxServer:
    """A loopback HTTP server with a call log, injectable faults and a control API under /_control.

    Subclasses add routes with `self.route(method, path_prefix, handler)`; the longest matching
    prefix wins. Control endpoints shared by every fake:
      GET  /_control/calls            the recorded calls (method, path, query, body)
      POST /_control/faults           {"path", "status", "body", "headers", "count", "delay",
                                       "after", "drop"}
      POST /_control/reset            clears calls and faults (subclasses clear their own state)
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._routes: list[tuple[str, str, Route]] = []
        self._lock = threading.RLock()
        self.calls: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.route("GET", "/_control/calls", self._control_calls)
        self.route("POST", "/_control/faults", self._control_faults)
        self.route("POST", "/_control/reset", self._control_reset)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, method: str, prefix: str, handler: Route) -> None:
        self._routes.append((method, prefix, handler))
        self._routes.sort(key=lambda entry: len(entry[1]), reverse=True)

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name=type(self).__name__, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.faults.clear()

    def calls_to(self, path_prefix: str) -> list[dict[str, Any]]:
        with self._lock:
            return [call for call in self.calls if call["path"].startswith(path_prefix)]

    # -- dispatch -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        if not request.path.startswith("/_control"):
            with self._lock:
                self.calls.append(self._record(request))
            fault = self._take_fault(request.path)
            if fault is not None:
                if fault.after:
                    self._route(request)
                if fault.delay_seconds:
                    time.sleep(fault.delay_seconds)
                if fault.drop:
                    raise DropConnection(request.path)
                if fault.response.status:
                    return fault.response
        return self._route(request)

    def _route(self, request: Request) -> Response:
        for method, prefix, handler in self._routes:
            if method == request.method and request.path.startswith(prefix):
                return handler(request)
        return self.not_found(request)

    def not_found(self, request: Request) -> Response:
        return Response(404, {"error": "not_found", "path": request.path})

    def _record(self, request: Request) -> dict[str, Any]:
        body: Any
        content_type = request.headers.get("content-type", "")
        if "json" in content_type:
            body = request.json()
        elif "x-www-form-urlencoded" in content_type:
            body = request.form()
        else:
            body = request.body.decode("utf-8", "replace")
        return {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "body": body,
            "at": time.time(),
        }

    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path) and fault.count > 0:
                    fault.count -= 1
                    if fault.count == 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # -- control API ----------------------------------------------------------------------

    def _control_calls(self, request: Request) -> Response:
        prefix = request.query.get("path", "")
        return Response(200, {"calls": self.calls_to(prefix)})

    def _control_faults(self, request: Request) -> Response:
        spec = request.json()
        self.inject(
            Fault(
                path=spec["path"],
                response=Response(
                    int(spec.get("status", 0)), spec.get("body"), dict(spec.get("headers", {}))
                ),
                count=int(spec.get("count", 1)),
                delay_seconds=float(spec.get("delay", 0.0)),
                after=bool(spec.get("after", False)),
                drop=bool(spec.get("drop", False)),
            )
        )
        return Response(200, {"ok": True})

    def _control_reset(self, request: Request) -> Response:
        self.reset()
        return Response(200, {"ok": True})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm
            # holds the body until the client's delayed ACK, ~40 ms on every kept-alive request.
            disable_nagle_algorithm = True

            def _serve(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=split.path,
                    query={k: v[-1] for k, v in parse_qs(split.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                    raw_query=split.query,
                )
                try:
                    response = server.dispatch(request)
                except DropConnection:
                    self.close_connection = True
                    return
                payload = b"" if response.body is None else json.dumps(response.body).encode()
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:
                return  # the call log replaces the access log

        return Handler
