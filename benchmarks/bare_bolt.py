"""The baseline of the interactions benchmark: a bare Bolt app whose listeners only ack, served
as `earshot serve` serves Earshot (waitress, 32 threads, its own process).

Run by benchmarks/interactions.py: `python benchmarks/bare_bolt.py PORT SIGNING_SECRET`.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress.server import create_server

ANY = re.compile(".*")


def build(secret: str) -> App:
    # No auth.test at start or per request: the baseline is Bolt's own request handling.
    app = App(signing_secret=secret, token="xoxb-bare", token_verification_enabled=False)

    def only_ack(ack: Ack) -> None:
        ack()

    app.action(ANY)(only_ack)
    app.view(ANY)(only_ack)
    app.command(ANY)(only_ack)
    return app


def main() -> None:
    port, secret = int(sys.argv[1]), sys.argv[2]
    handler = SlackRequestHandler(build(secret))

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        return handler(environ, start_response)

    create_server(wsgi, host="127.0.0.1", port=port, threads=32, ident="bare-bolt").run()


if __name__ == "__main__":
    main()
