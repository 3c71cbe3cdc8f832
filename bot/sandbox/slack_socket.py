"""A loopback fake of Slack's Socket Mode WebSocket, served by the `websockets` library: it
says hello, sends envelopes and records the app's envelope acks.

SlackFake's apps.connections.open hands out `url` (ws://127.0.0.1:…), as Slack hands out its
wss:// one, so slack_sdk's own SocketModeClient connects here unchanged. Envelopes follow
Slack's Socket Mode shapes: {"envelope_id", "type": "interactive" | "slash_commands" |
"events_api", "payload", "accepts_response_payload"}; an ack is {"envelope_id", "payload"?}.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve


class SocketModeFake:
    """Socket Mode on loopback. `send(type, payload)` delivers an envelope to the newest
    connection and returns its envelope_id; `acks()` are the app's answers, in order."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a connection or an ack arrived
        self._clients: list[ServerConnection] = []
        self._acks: list[dict[str, Any]] = []
        self.handshakes = 0
        self._server: Server = serve(self._serve, host, port, compression=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host!s}:{port}/link/?ticket={uuid.uuid4().hex}&app_id=A0EARSHOT"

    def start(self) -> SocketModeFake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()  # closes every connection with 1001 (going away)
        self._thread.join(timeout=5)

    def wait_connected(self, timeout: float = 10.0) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._clients), timeout):
                raise TimeoutError("no Socket Mode client connected")

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response: bool = True) -> str:
        """Deliver an envelope to the newest connection; returns its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response,
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": 0, "retry_reason": ""}
        with self._lock:
            client = self._clients[-1]
        client.send(json.dumps(envelope))
        return envelope_id

    def acks(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._acks)

    def ack_for(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            return next((a for a in self._acks if a.get("envelope_id") == envelope_id), None)

        with self._changed:
            ack = self._changed.wait_for(found, timeout)
        if ack is None:
            raise TimeoutError(f"no ack for envelope {envelope_id}")
        return ack

    def _serve(self, client: ServerConnection) -> None:
        hello = {
            "type": "hello",
            "num_connections": 1,
            "debug_info": {"host": "sandbox", "approximate_connection_time": 3600},
            "connection_info": {"app_id": "A0EARSHOT"},
        }
        client.send(json.dumps(hello))
        with self._changed:
            self.handshakes += 1
            self._clients.append(client)
            self._changed.notify_all()
        try:
            for message in client:
                with self._changed:
                    self._acks.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._clients.remove(client)
