"""The outbound escalation webhook: its JSON body, its HMAC signature, and when to retry."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from bot.domain.escalation import EscalationForm
from bot.domain.mention import Mention

SIGNATURE_HEADER = "X-Earshot-Signature"
TIMESTAMP_HEADER = "X-Earshot-Timestamp"
DELIVERY_HEADER = "X-Earshot-Delivery"  # the same on every retry: receivers dedupe by it

# Answers that will not get better by retrying the same request.
_PERMANENT = frozenset(range(400, 500)) - {408, 409, 425, 429}


def webhook_body(
    mention: Mention,
    form: EscalationForm,
    *,
    escalated_by: tuple[str, str],
    slack_permalink: str | None,
    escalation_permalink: str | None,
    at: float,
) -> dict[str, Any]:
    """What a ticketing system receives for one escalation (fixed at escalation time)."""
    user_id, user_name = escalated_by
    return {
        "event": "escalation",
        "post_id": mention.post_id,
        "url": mention.url,
        "text": mention.text,
        "author": {
            "id": mention.author.id,
            "username": mention.author.username,
            "name": mention.author.name,
            "followers": mention.author.followers,
        },
        "severity": form.severity,
        "team": form.team or None,
        "note": form.note or None,
        "escalated_by": {"slack_user_id": user_id, "name": user_name},
        "slack_permalink": slack_permalink,
        "escalation_permalink": escalation_permalink,
        "timestamp": datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z"),
    }


def sign_webhook(secret: bytes, timestamp: str, body: bytes) -> str:
    """`sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>")."""
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_webhook(secret: bytes, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (and what the tests check): constant-time comparison."""
    return hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


def retry_delay(attempt: int, base: float, cap: float) -> float:
    """Seconds before retry number `attempt` (1 = the first retry): base, 2·base, 4·base… ≤ cap."""
    return float(min(cap, base * 2 ** max(attempt - 1, 0)))


def is_permanent(status: int) -> bool:
    """A 4xx other than 408/409/425/429 means the receiver refuses this request for good."""
    return status in _PERMANENT
