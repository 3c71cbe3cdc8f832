"""The WSGI application of `earshot serve`: Slack requests, /healthz and /metrics."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import redis
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.domain.source_status import silence_text
from bot.services import Services
from bot.slack_payload import SlackRequestGate
from bot.store import keys
from bot.store.connection import redis_answers
from bot.store.heartbeat import newest_heartbeat, worker_problem
from bot.store.metrics import COUNTERS
from bot.store.source_status import watched_sources

StartResponse = Callable[..., Any]
Environ = dict[str, Any]


class RedisMetrics(Collector):
    """Exposes the counters every worker keeps in Redis (so one /metrics shows the fleet)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterable[Any]:
        counters = self.services.metrics.counters()
        for name, help_text in COUNTERS.items():
            family = CounterMetricFamily(f"earshot_{name}", help_text)
            family.add_metric([], counters[name])
            yield family
        lag = self.services.metrics.lag()
        histogram = HistogramMetricFamily(
            "earshot_delivery_lag_seconds", "Seconds from ingest to the card in Slack"
        )
        histogram.add_metric(
            [], [(_bound(b), float(c)) for b, c in lag.buckets], sum_value=lag.total
        )
        yield histogram
        yield GaugeMetricFamily(
            "earshot_dead_letters",
            "Inbox items that could not be delivered, waiting in the dead list",
            value=float(self.services.redis.xlen(keys.DEAD)),
        )
        beat = newest_heartbeat(self.services.redis)
        if beat is not None:
            yield GaugeMetricFamily(
                "earshot_worker_heartbeat_age_seconds",
                "Seconds since the newest worker heartbeat",
                value=max(0.0, self.services.clock() - beat.at),
            )


def _bound(bound: float) -> str:
    return "+Inf" if bound == float("inf") else str(bound)


def health_report(services: Services) -> tuple[int, dict[str, Any]]:
    """200 when Redis answers (status "degraded" naming what is broken: what workers reported,
    a worker fleet without a fresh heartbeat, sources gone quiet), 503 when it does not."""
    if not redis_answers(services.redis):
        return 503, {"status": "down", "problems": {"redis": "Redis does not answer"}}
    try:
        problems = fleet_problems(services)
    except redis.RedisError:
        return 503, {"status": "down", "problems": {"redis": "Redis stopped answering"}}
    return 200, {"status": "degraded" if problems else "ok", "problems": problems}


def fleet_problems(services: Services) -> dict[str, str]:
    now = services.clock()
    problems = {name: p["reason"] for name, p in services.health.problems().items()}
    worker = worker_problem(services.redis, now)
    if worker is not None:
        problems["worker"] = worker
    dead = int(services.redis.xlen(keys.DEAD))
    if dead:
        problems["delivery"] = (
            f"{dead} inbox item(s) could not be delivered and wait in the dead list {keys.DEAD}"
        )
    interval = services.settings.x_poll_interval_seconds
    for status in watched_sources(services.redis, interval):
        silence = silence_text(status, now)
        if silence is not None:
            problems[status.problem_key] = f"{status.label}: {silence}"
    return problems


def build_wsgi(services: Services, app: App | None) -> Callable[[Environ, StartResponse], Any]:
    registry = CollectorRegistry()
    registry.register(RedisMetrics(services))
    slack_handler = SlackRequestHandler(app) if app is not None else None
    secret = services.settings.slack_signing_secret
    gate = SlackRequestGate(secret.get_secret_value() if secret else "")

    def wsgi(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            status, body = health_report(services)
            return _respond(start_response, status, json.dumps(body).encode(), "application/json")
        if path == "/metrics":
            try:
                payload = generate_latest(registry)
            except Exception:
                return _respond(start_response, 503, b"redis unavailable\n", "text/plain")
            return _respond(start_response, 200, payload, "text/plain; version=0.0.4")
        if path == "/slack/events" and method == "POST" and slack_handler is not None:
            if gate.refuse(environ):
                return _respond(
                    start_response, 400, b'{"error":"malformed payload"}', "application/json"
                )
            result: Iterable[bytes] = slack_handler(environ, start_response)
            return result
        return _respond(start_response, 404, b'{"error":"not_found"}', "application/json")

    return wsgi


def _respond(start: StartResponse, status: int, body: bytes, content_type: str) -> list[bytes]:
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 503: "Service Unavailable"}[status]
    start(
        f"{status} {reason}", [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    )
    return [body]
