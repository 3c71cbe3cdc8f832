"""The baseline of the interactions benchmark: a bare Bolt app whose listeners only ack, served
as `earshot serve` serves Earshot (waitress, 32 threads, its own process).

Started by benchmarks/interactions.py through `serve(port, secret, slack_api_base_url)`: a
module, not a script, since `make benchmarks` runs every script in this folder.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from waitress.server import create_server

ANY = re.compile(".*")


def build(secret: str, slack_api_base_url: str) -> App:
    # Like Earshot's app: the Web API on the Slack fake (Bolt's auth.test, once, goes there).
    client = WebClient(token="xoxb-sandbox", base_url=slack_api_base_url)
    app = App(signing_secret=secret, client=client, token_verification_enabled=False)

    def only_ack(ack: Ack) -> None:
        ack()

    app.action(ANY)(only_ack)
    app.view(ANY)(only_ack)
    app.command(ANY)(only_ack)
    return app


def serve(port: int, secret: str, slack_api_base_url: str) -> None:
    handler = SlackRequestHandler(build(secret, slack_api_base_url))

    def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        return handler(environ, start_response)

    create_server(wsgi, host="127.0.0.1", port=port, threads=32, ident="bare-bolt").run()
