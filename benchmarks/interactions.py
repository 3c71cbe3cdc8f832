"""Figures for answering from Slack, against the real Bolt app (waitress) and the sandbox fakes.

The app runs as the real `earshot serve` process; this process hosts the fakes and the load.
1. Ack latency: 50 interactions at once (Claim clicks, Reply clicks that open a modal, and reply
   submissions that are validated before the ack), measured as the HTTP round trip a Slack
   request sees. 10 rounds. Target p99 <= 100 ms. The same load goes, round by round in
   turn, to a bare Bolt app whose listeners only ack (benchmarks/_bare_bolt.py: waitress in its
   own process, as `earshot serve`): Earshot's p50 and p99 are printed as a ratio to it, so the
   figure says what Earshot adds on this machine today. Goal <= 1.5x.
2. Send -> "Replied": from submitting a reply to the card in the Slack fake showing "Replied"
   (validation, ack, POST /2/tweets to the X fake, case update, chat.update). 40 sends, one at
   a time. Target p95 <= 1 s.
Uses Redis database 8 (flushed), or EARSHOT_INTERACTIONS_BENCH_REDIS_URL.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import redis
import requests

from bot.config import Settings
from bot.logging import configure_logging
from bot.pipeline.deliver import Deliverer, DeliveryConfig
from bot.pipeline.ingest import Ingest
from bot.pipeline.pacing import ChannelPacer
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import SlackUser
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.sources.x_parse import parse_page

REDIS_URL = os.environ.get("EARSHOT_INTERACTIONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RATIO_GOAL = 1.5
CHANNEL = "C0MENTIONS"
CASES = 60
SECRET = "bench-secret"


def settings(x: XFake, slack: SlackFake) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-sandbox",
        slack_signing_secret="bench-secret",  # type: ignore[arg-type]
        slack_api_base_url=f"{slack.base_url}/api/",
        slack_mentions_channel=CHANNEL,
        x_api_base_url=x.base_url,
        x_bearer_token="b",
        x_api_key="k",  # type: ignore[arg-type]
        x_api_secret="s",
        x_access_token="1000-a",
        x_access_token_secret="t",  # type: ignore[arg-type]
        redis_url=REDIS_URL,
        slack_channel_interval_ms=0,
    )


def deliver_cases(services: Services, x: XFake) -> list[tuple[str, str]]:
    """Put CASES mentions through ingest and delivery; returns (post id, card ts)."""
    posts = [
        x.add_post(f"@earshot_co help me please #{n}", author=(str(3000 + n), f"u{n}", f"User {n}"))
        for n in range(CASES)
    ]
    me = services.x.me()
    body = {
        "data": [{**p, "author_id": p["author_id"]} for p in x.all_posts()],
        "includes": {"users": []},
    }
    page = parse_page(body, me, ("mentions",))
    Ingest(services.redis).ingest("x:mentions", page.mentions, None)
    deliverer = Deliverer(
        services.redis,
        services.slack,
        DeliveryConfig(consumer="bench", default_channel=CHANNEL),
        ChannelPacer(services.redis, 0),
    )
    deliverer.ensure_group()
    services.redis.set("{earshot}:alive:bench", "1", ex=600)
    while deliverer.step(block_ms=50):
        pass
    found = [services.cases.get(p["id"]) for p in posts]
    return [(case.post_id, case.ts) for case, _m in (f for f in found if f)]


def wait(predicate: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"benchmark stuck waiting for {what}")
        time.sleep(0.005)


def card_replied(slack: SlackFake, ts: str) -> bool:
    card = next(m for m in slack.messages(CHANNEL) if m["ts"] == ts)
    return "Replied" in str(card["blocks"])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_up(port: int, what: str) -> None:
    def up() -> bool:
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok
        except requests.ConnectionError:
            return False

    wait(up, what, timeout=30)


def start_bare(slack: SlackFake) -> tuple[subprocess.Popen[bytes], SlackUser]:
    """The baseline: a bare Bolt app that only acks, served the same way."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from benchmarks._bare_bolt import serve; "
            f"serve({port}, {SECRET!r}, {slack.base_url + '/api/'!r})",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(port, "the bare Bolt app to start")
    return proc, SlackUser(f"http://127.0.0.1:{port}/slack/events", SECRET, slack)


def start_serve(x: XFake, slack: SlackFake) -> tuple[subprocess.Popen[bytes], SlackUser]:
    """The real `earshot serve` process (its own interpreter, as in production)."""
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-sandbox",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_BASE_URL": f"{slack.base_url}/api/",
        "SLACK_MENTIONS_CHANNEL": CHANNEL,
        "X_API_BASE_URL": x.base_url,
        "X_BEARER_TOKEN": "b",
        "X_API_KEY": "k",
        "X_API_SECRET": "s",
        "X_ACCESS_TOKEN": "1000-a",
        "X_ACCESS_TOKEN_SECRET": "t",
        "REDIS_URL": REDIS_URL,
        "PORT": str(port),
        "LOG_FORMAT": "json",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_up(port, "earshot serve to start")
    return proc, SlackUser(f"http://127.0.0.1:{port}/slack/events", SECRET, slack)


def ack_latency(apps: list[SlackUser], cases: list[tuple[str, str]]) -> list[list[float]]:
    """10 rounds of 50 concurrent interactions for each app in turn; timings per app."""
    users = ["U0ALICE", "U0BOB"]
    timings: list[list[float]] = [[] for _ in apps]
    bolt = apps[0]

    def one(n: int) -> float:
        post_id, ts = cases[n % len(cases)]
        started = time.perf_counter()
        kind = n % 3
        if kind == 0:
            response = bolt.block_action("claim", post_id, user=users[n % 2], message_ts=ts)
        elif kind == 1:
            response = bolt.block_action("reply", post_id, user=users[n % 2], message_ts=ts)
        else:
            response = bolt.view_submission(
                "reply_modal",
                {"reply_text_0": {"reply_text": {"type": "plain_text_input", "value": ""}}},
                private_metadata="forged",
            )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        return elapsed

    with ThreadPoolExecutor(max_workers=50) as pool:
        for app in apps:  # warm-up, not counted: Bolt's first auth.test, waitress threads
            bolt = app
            list(pool.map(one, range(50)))
            time.sleep(0.3)
        for _round in range(10):
            for index, app in enumerate(apps):
                bolt = app
                timings[index] += list(pool.map(one, range(50)))
                time.sleep(0.3)  # let lazy work of the round finish
    return timings


def send_to_replied(bolt: SlackUser, slack: SlackFake, cases: list[tuple[str, str]]) -> list[float]:
    timings = []
    for n, (post_id, ts) in enumerate(cases[:40]):
        before = len(slack.views())
        bolt.block_action("reply", post_id, user="U0ALICE", message_ts=ts)
        wait(lambda before=before: len(slack.views()) > before, "the reply modal")
        view = slack.views()[-1]
        values = {
            b["block_id"]: {
                "reply_text": {"type": "plain_text_input", "value": f"@u{n} thanks, fixed! ({n})"}
            }
            for b in view["blocks"]
            if b.get("type") == "input" and b["element"].get("action_id") == "reply_text"
        }
        ticks = {
            b["block_id"]: {
                b["block_id"]: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
            }
            for b in view["blocks"]
            if b.get("block_id") in ("reply_takeover", "reply_another")
        }
        started = time.perf_counter()
        answer = bolt.view_submission(
            "reply_modal", {**values, **ticks}, private_metadata=view["private_metadata"]
        )
        if answer.text:
            raise SystemExit(f"reply refused: {answer.text}")
        wait(lambda ts=ts: card_replied(slack, ts), "the Replied card")
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    configure_logging("json", level=40)
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    client.flushdb()
    x, slack = XFake().start(), SlackFake().start()
    slack.set_rate(0, 0)
    services = build_services(settings(x, slack), client)
    cases = deliver_cases(services, x)
    serve, bolt = start_serve(x, slack)
    bare, bare_bolt = start_bare(slack)
    try:
        acks, bare_acks = ack_latency([bolt, bare_bolt], cases)
        print(f"acks measured: {len(acks)} + {len(bare_acks)} (bare Bolt)", file=sys.stderr)
        sends = send_to_replied(bolt, slack, cases)
    finally:
        for proc in (serve, bare):
            proc.terminate()
            proc.wait(timeout=10)
        x.stop()
        slack.stop()
        client.flushdb()
    p50, p99 = statistics.median(acks), percentile(acks, 99)
    bare_p50, bare_p99 = statistics.median(bare_acks), percentile(bare_acks, 99)
    rows = [
        ("ack latency p50 (50 concurrent)", p50 * 1000, "ms", None),
        ("ack latency p99 (50 concurrent)", p99 * 1000, "ms", 100.0),
        ("bare Bolt ack p50 (same load, baseline)", bare_p50 * 1000, "ms", None),
        ("bare Bolt ack p99 (same load, baseline)", bare_p99 * 1000, "ms", None),
        ("ack p50 / bare Bolt p50", p50 / bare_p50, "x", RATIO_GOAL),
        ("ack p99 / bare Bolt p99", p99 / bare_p99, "x", RATIO_GOAL),
        ("send -> card Replied p50", statistics.median(sends) * 1000, "ms", None),
        ("send -> card Replied p95", percentile(sends, 95) * 1000, "ms", 1000.0),
    ]
    print(f"{'figure':40} {'value':>10}  {'target':>10}  verdict")
    for name, value, unit, target in rows:
        verdict = "" if target is None else ("PASS" if value <= target else "MISS")
        goal = f"<= {target:g} {unit}" if target else ""
        shown = f"{value:8.2f}" if unit == "x" else f"{value:8.1f}"
        print(f"{name:40} {shown} {unit}  {goal:>10}  {verdict}")
    print(f"(samples: {len(acks)} acks, {len(sends)} sends)")


if __name__ == "__main__":
    main()
