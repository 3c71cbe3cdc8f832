"""A real HTTP receiver on loopback for the escalation webhook: scripted answers, every request
kept (headers, body, when), so tests can check signatures, retries and exactly-once acceptance."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float
    status: int


@dataclass
class WebhookReceiver:
    """Answers the scripted statuses in order, then `then` for ever; `delay` seconds each."""

    script: list[int] = field(default_factory=list)
    then: int = 200
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    status = receiver.script.pop(0) if receiver.script else receiver.then
                    receiver.received.append(
                        Received(dict(self.headers.items()), body, time.monotonic(), status)
                    )
                time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/escalation"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def requests(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def accepted(self) -> list[Received]:
        return [r for r in self.requests() if 200 <= r.status < 300]
