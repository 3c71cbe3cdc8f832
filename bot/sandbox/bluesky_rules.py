"""XRPC errors, query parameters, identifiers and timestamps of the Bluesky fake.

Sources (paths under contracts/bluesky/): error shape and status names in
docs/atproto-website__specs-xrpc.md "Error Responses" and KEY-FACTS.md "Error shape"; parameter
messages as the reference lexicon validator words them (@atproto/lexicon validators).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from bot.sandbox.server import Response

# The `error` name the reference xrpc-server sends when a handler sets none, per status.
STATUS_NAMES = {
    400: ("InvalidRequest", "Invalid Request"),
    401: ("AuthenticationRequired", "Authentication Required"),
    403: ("Forbidden", "Forbidden"),
    404: ("XRPCNotSupported", "XRPC Not Supported"),
    413: ("PayloadTooLarge", "Payload Too Large"),
    429: ("RateLimitExceeded", "Rate Limit Exceeded"),
    500: ("InternalServerError", "Internal Server Error"),
    501: ("MethodNotImplemented", "Method Not Implemented"),
    502: ("UpstreamFailure", "Upstream Failure"),
    503: ("NotEnoughResources", "Not Enough Resources"),
    504: ("UpstreamTimeout", "Upstream Timeout"),
}
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_BASE32_SORT = "234567abcdefghijklmnopqrstuvwxyz"
_CID_PREFIX = bytes([0x01, 0x71, 0x12, 0x20])  # CIDv1, dag-cbor, sha2-256, 32 bytes


class XrpcError(Exception):
    """An XRPC failure a handler raises; the fake answers it as `{"error", "message"}`."""

    def __init__(self, status: int, error: str | None = None, message: str | None = None) -> None:
        default_error, default_message = STATUS_NAMES.get(status, ("InternalServerError", ""))
        self.status = status
        self.error = error or default_error
        self.message = message or default_message
        self.headers: dict[str, str] = {}
        super().__init__(f"{status} {self.error}: {self.message}")

    def response(self) -> Response:
        body = {"error": self.error, "message": self.message}
        return Response(self.status, body, dict(self.headers))


def invalid(message: str, error: str = "InvalidRequest") -> XrpcError:
    """A 400: the reference server's InvalidRequestError (a custom `error` name optional)."""
    return XrpcError(400, error, message)


def error_body(status: int, message: str | None = None) -> dict[str, str]:
    """The body the reference server sends for `status` with no custom error name."""
    error, default = STATUS_NAMES.get(status, ("InternalServerError", "Internal Server Error"))
    return {"error": error, "message": message or default}


class Params:
    """Query parameters of one XRPC query. Arrays are repeated names (`reasons=a&reasons=b`),
    so every value is kept, not only the last (contracts: docs/atproto-website__specs-xrpc.md)."""

    def __init__(self, raw_query: str) -> None:
        self._values = parse_qs(raw_query, keep_blank_values=True)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[-1] if values else None

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name, []))

    def required(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise invalid(f'Params must have the property "{name}"')
        return value

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"Params/{name} must be an integer") from None
        if value > maximum:
            raise invalid(f"Params/{name} can not be greater than {maximum}")
        if value < minimum:
            raise invalid(f"Params/{name} can not be less than {minimum}")
        return value


def input_object(body: bytes) -> dict[str, Any]:
    """The JSON object a procedure was sent, as the reference server checks it."""
    if not body:
        raise invalid("Request encoding (Content-Type) required but not provided")
    try:
        value = json.loads(body)
    except ValueError:
        raise invalid("Request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise invalid("Input must be an object")
    return value


def require(obj: dict[str, Any], name: str, path: str = "Input") -> Any:
    if name not in obj:
        raise invalid(f'{path} must have the property "{name}"')
    return obj[name]


def iso_ms(epoch_ms: int) -> str:
    """An atproto datetime as the reference services write it: UTC, milliseconds, `Z`."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def parse_datetime(value: object) -> datetime | None:
    """An RFC 3339 datetime with a time zone (the atproto `datetime` format), else None."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def tid(epoch_micros: int, clock_id: int = 0) -> str:
    """A TID record key: 53 bits of microseconds and 10 of clock id, base32-sortable, so keys
    sort by creation time (docs/atproto-website specs, "Record Key" / TID)."""
    value = (epoch_micros << 10) | (clock_id & 0x3FF)
    return "".join(_BASE32_SORT[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def cid_of(value: Any) -> str:
    """A well-formed CIDv1 ("bafyrei...") over the record's canonical JSON: the same record
    always has the same cid and any change gives a new one, as with real content hashes."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(canonical.encode()).digest()
    return "b" + base64.b32encode(_CID_PREFIX + digest).decode("ascii").lower().rstrip("=")


def plc_did(seed: str) -> str:
    """A did:plc identifier (24 base32 characters) derived from `seed`, stable across runs."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "did:plc:" + base64.b32encode(digest).decode("ascii").lower()[:24]
