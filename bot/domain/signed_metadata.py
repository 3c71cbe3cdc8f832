"""Modal private_metadata that cannot be forged: JSON plus an HMAC of it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

MAX_METADATA = 3000  # Slack's private_metadata limit


def sign_metadata(data: dict[str, Any], key: bytes) -> str:
    payload = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    token = (
        base64.urlsafe_b64encode(payload).decode() + "." + base64.urlsafe_b64encode(mac).decode()
    )
    if len(token) > MAX_METADATA:
        raise ValueError("metadata too large for a modal")
    return token


def read_metadata(token: str, key: bytes) -> dict[str, Any] | None:
    """The data, or None when the token was tampered with or is not ours."""
    try:
        encoded_payload, encoded_mac = token.split(".", 1)
        payload = base64.urlsafe_b64decode(encoded_payload.encode())
        mac = base64.urlsafe_b64decode(encoded_mac.encode())
    except (ValueError, TypeError):
        return None
    expected = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(mac, expected):
        return None
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
