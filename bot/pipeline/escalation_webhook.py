"""Worker loop: deliver queued escalation webhooks, signed, retried with exponential backoff.

Items come from the Redis outbox (bot/store/outbox.py), so a restart loses none and two workers
never send the same attempt. After the last failed attempt the item goes to the dead list and the
escalation's thread says the ticket could not be opened.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
import structlog
from slack_sdk.errors import SlackApiError

from bot.domain.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    is_permanent,
    retry_delay,
    sign_webhook,
)
from bot.services import Services
from bot.store.audit import AuditLog
from bot.store.outbox import Outbox, OutboxItem

log = structlog.get_logger()

SYSTEM_USER = ("earshot", "Earshot")  # audit entries the worker writes on nobody's behalf
IDLE_SECONDS = 1.0
LEASE_SECONDS = 60.0  # a claimed item whose worker died is tried again after this
MAX_DELAY_SECONDS = 3600.0
TIMEOUT = (5.0, 15.0)  # connect, read


@dataclass(frozen=True, slots=True)
class Attempt:
    ok: bool
    detail: str  # "HTTP 503", "timeout", …
    permanent: bool = False
    retry_after: float = 0.0


class EscalationWebhookSender:
    def __init__(
        self,
        services: Services,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self.services = services
        self.idle_seconds = idle_seconds
        self.outbox = Outbox(services.redis)
        self.session = session or requests.Session()
        self.clock = clock

    def run(self, stop: threading.Event) -> None:
        """Until `stop`: send what is due, else wait a moment (returns only when stopped)."""
        while not stop.is_set():
            if not self.step():
                stop.wait(self.idle_seconds)

    def step(self) -> bool:
        """Try the next due item once; False when nothing was due (or no webhook is set)."""
        if not self.services.settings.escalation_webhook_url:
            return False
        item = self.outbox.claim(self.clock(), LEASE_SECONDS)
        if item is None:
            return False
        attempt = self._send(item)
        if attempt.ok:
            self._delivered(item, attempt)
        elif (
            attempt.permanent
            or item.attempts >= self.services.settings.escalation_webhook_max_attempts
        ):
            self._give_up(item, attempt)
        else:
            settings = self.services.settings
            delay = retry_delay(
                item.attempts, settings.escalation_webhook_retry_seconds, MAX_DELAY_SECONDS
            )
            delay = max(delay, min(attempt.retry_after, MAX_DELAY_SECONDS))
            self.outbox.retry(item, self.clock() + delay, attempt.detail)
            log.info(
                "webhook_retry",
                item=item.id,
                attempt=item.attempts,
                delay=delay,
                why=attempt.detail,
            )
        return True

    def _send(self, item: OutboxItem) -> Attempt:
        settings = self.services.settings
        secret = settings.escalation_webhook_secret
        if secret is None or not secret.get_secret_value():
            return Attempt(False, "ESCALATION_WEBHOOK_SECRET is not set", permanent=True)
        body = item.body.encode()
        stamp = str(int(self.clock()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Earshot-Webhook/1",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign_webhook(secret.get_secret_value().encode(), stamp, body),
            DELIVERY_HEADER: item.id,
        }
        try:
            response = self.session.post(
                str(settings.escalation_webhook_url),
                data=body,
                headers=headers,
                timeout=TIMEOUT,
                allow_redirects=False,
            )
        except requests.Timeout:
            return Attempt(False, "timeout")
        except requests.RequestException as error:
            return Attempt(False, f"connection failed ({type(error).__name__})")
        if 200 <= response.status_code < 300:
            return Attempt(True, f"HTTP {response.status_code}")
        return Attempt(
            False,
            f"HTTP {response.status_code}",
            permanent=is_permanent(response.status_code),
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )

    def _delivered(self, item: OutboxItem, attempt: Attempt) -> None:
        if not self.outbox.complete(item):
            return  # our lease ran out and another worker took it over: it reports
        log.info("webhook_delivered", item=item.id, attempts=item.attempts)
        self._record(item, "ticket_webhook_delivered", attempt, item.attempts)
        self._say(item, f":ticket: Ticket system notified ({attempt.detail}).")

    def _give_up(self, item: OutboxItem, attempt: Attempt) -> None:
        if not self.outbox.bury(item, attempt.detail):
            return
        log.warning("webhook_dead", item=item.id, attempts=item.attempts, why=attempt.detail)
        self._record(item, "ticket_webhook_failed", attempt, item.attempts)
        tries = "attempt" if item.attempts == 1 else "attempts"
        self._say(
            item,
            f":warning: The ticket could not be opened: the ticket system answered "
            f"{attempt.detail} after {item.attempts} {tries}. Open it by hand from this message.",
        )

    def _record(self, item: OutboxItem, action: str, attempt: Attempt, attempts: int) -> None:
        post_id = str(item.context.get("post_id") or "")
        if post_id:
            AuditLog(self.services.redis).record(
                post_id, action, *SYSTEM_USER, result=attempt.detail, attempts=attempts
            )

    def _say(self, item: OutboxItem, text: str) -> None:
        """A note in the escalation message's thread, where the people handling it look."""
        channel, ts = item.context.get("channel"), item.context.get("ts")
        if not channel or not ts:
            return
        try:
            self.services.slack.chat_postMessage(
                channel=str(channel), thread_ts=str(ts), text=text, unfurl_links=False
            )
        except (SlackApiError, OSError) as error:
            log.warning("webhook_note_failed", item=item.id, error=repr(error))


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: fall back on our own backoff
