"""The gate in front of Bolt: signed but malformed requests are a 400, and a Bolt parsing quirk
is worked around."""

from __future__ import annotations

import hashlib
import hmac
import io
import time
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

from bot.slack_shape import body_problem, bolt_content_type, is_form

MAX_AGE_SECONDS = 300  # Slack's (and slack_sdk's) replay window


class SlackRequestGate:
    """Looks at each Slack request before Bolt does (WSGI environ in, verdict out).

    Only correctly signed requests are judged; anything else goes on to Bolt, which answers 401.
    - A signed request that Bolt could not take (not UTF-8, not JSON, or not shaped as Slack
      sends it: see bot/slack_shape.py) is refused (True: answer 400).
    - bolt-python's parse_body treats any form body containing the text "payload" as an
      interaction, so `/track add payload` would reach no listener (a 404 for the person). Such a
      body is re-encoded (one letter percent-encoded, same form values) and re-signed.
    """

    def __init__(self, signing_secret: str) -> None:
        self.secret = signing_secret
        self.verifier = SignatureVerifier(signing_secret)

    def refuse(self, environ: dict[str, Any]) -> bool:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body: bytes = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", ""))
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE", ""))
        if not timestamp.isdigit() or not self._signed(body, timestamp, signature):
            if not _is_utf8(body):
                # Bolt decodes the body before it checks the signature and fails with a 500 on
                # bytes that are not UTF-8: give it an empty body, whose signature fails (401).
                environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(b""), "0"
            return False
        content_type = bolt_content_type(str(environ.get("CONTENT_TYPE", "")))
        if body_problem(body, content_type) is not None:
            return True
        if is_form(body, content_type) and b"payload" in body:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            if "payload" not in fields:
                self._replace_body(environ, body.replace(b"payload", b"%70ayload"), timestamp)
        return False

    def _signed(self, body: bytes, timestamp: str, signature: str) -> bool:
        """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes the body first
        and raises on bytes that are not UTF-8), within the replay window."""
        if abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            return False
        base = f"v0:{timestamp}:".encode() + body
        digest = hmac.new(self.secret.encode(), base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"v0={digest}", signature)

    def _replace_body(self, environ: dict[str, Any], body: bytes, timestamp: str) -> None:
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["HTTP_X_SLACK_SIGNATURE"] = self.verifier.generate_signature(
            timestamp=timestamp, body=body
        )


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
