"""Log redaction: tokens and secrets never reach the output, whatever the shape of the event."""

from __future__ import annotations

import io
import logging

import structlog

from bot.logging import configure_logging


def capture(secrets: list[str]) -> io.StringIO:
    stream = io.StringIO()
    configure_logging("json", secrets, stream=stream)
    return stream


def test_a_token_in_an_event_never_appears_in_output() -> None:
    """Tokens under sensitive keys, inside messages, nested dicts, exceptions and stdlib logs are
    all redacted; the rest of the event survives."""
    secret = "plain-configured-secret-42"
    stream = capture([secret])
    log = structlog.get_logger("t")
    log.info("evt", token="xoxb-123-456-abc", note=f"using {secret} now", post_id="99")
    log.info("evt2", payload={"headers": {"Authorization": "Bearer abcdefghijkl"}})
    log.info("evt3", error=ValueError("bad xapp-1-A0-secretvalue"))
    logging.getLogger("slack_bolt.x").warning("header Bearer zzzzzzzzzzzz and %s", secret)
    output = stream.getvalue()
    for leaked in ("xoxb-123-456-abc", secret, "abcdefghijkl", "xapp-1-A0", "zzzzzzzzzzzz"):
        assert leaked not in output
    assert '"post_id": "99"' in output
    assert output.count("[redacted]") >= 5
