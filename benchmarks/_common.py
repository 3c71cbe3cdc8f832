"""Shared pieces of the pipeline benchmark: sample posts, settings, a timed Slack client, output."""

from __future__ import annotations

import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.config import Settings
from bot.domain.mention import Author, Mention

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = 12
REDIS_URL = os.environ.get("EARSHOT_PIPELINE_BENCH_REDIS_URL", f"redis://127.0.0.1:6379/{BENCH_DB}")
CHANNEL = "C0MENTIONS"
FIRST_ID = 1_950_000_000_000_000_000

# A realistic mix: short and long, CJK, RTL, Cyrillic, emoji, a link, a would-be ping.
TEXTS = (
    "@earshot_co my order arrived two days early, thanks! 🎉",
    "@earshot_co The app crashes every time I open settings on iOS 18. Reinstalled twice, "
    "cleared the cache, still the same. Anyone else? This started after yesterday's update "
    "and I rely on it daily for work. Please fix soon 🙏 https://example.com/bug/4711",
    "@earshot_co アプリが起動しません😢 昨日のアップデートからです。助けてください",
    "@earshot_co שלום, מתי המשלוח שלי יגיע? הזמנתי לפני שבוע 📦",
    "@earshot_co Почему списали деньги дважды? <!channel> 😡",
    "Ciao @earshot_co! Il mio ordine è arrivato in anticipo, grazie mille 🎉🇮🇹",
)
AUTHORS = tuple((str(2_000 + n), f"user_{n}", f"User {n}", 10 ** (n % 7)) for n in range(50))


def sample_text(n: int) -> str:
    """The n-th sample's text: the mix above, each made unique (the same words from several
    accounts would be a copy-paste campaign, collapsed into one case by design)."""
    return f"{TEXTS[n % len(TEXTS)]} #{n}"


def sample_mention(n: int) -> Mention:
    """The n-th benchmark mention, as the X source hands it to ingest."""
    author_id, username, name, followers = AUTHORS[n % len(AUTHORS)]
    return Mention(
        post_id=str(FIRST_ID + n),
        text=sample_text(n),
        author=Author(author_id, username, name, followers, verified=followers >= 1_000_000),
        created_at=datetime.now(UTC),
    )


def add_sample_post(x: Any, n: int) -> dict[str, Any]:
    """Post the n-th sample on the X fake (explicit id, so ids keep rising across resets)."""
    author_id, username, name, followers = AUTHORS[n % len(AUTHORS)]
    result: dict[str, Any] = x.add_post(
        sample_text(n),
        author=(author_id, username, name),
        followers=followers,
        post_id=str(FIRST_ID + n),
    )
    return result


def bench_settings(x_url: str, slack_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-sandbox",
        "slack_signing_secret": "bench-signing-secret",
        "slack_api_base_url": f"{slack_url}/api/",
        "slack_mentions_channel": CHANNEL,
        "x_api_base_url": x_url,
        "x_bearer_token": "bench-bearer",
        "x_api_key": "bench-key",
        "x_api_secret": "bench-secret",
        "x_access_token": "1000-bench-access",
        "x_access_token_secret": "bench-access-secret",
        "x_poll_interval_seconds": 1.0,
        "redis_url": REDIS_URL,
        "slack_channel_interval_ms": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def worker_env(x_url: str, slack_url: str, **extra: str) -> dict[str, str]:
    """The environment of a real `earshot worker` process against the fakes (default pacing)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_"))}
    env.update(
        SLACK_BOT_TOKEN="xoxb-sandbox",
        SLACK_SIGNING_SECRET="bench-signing-secret",
        SLACK_API_BASE_URL=f"{slack_url}/api/",
        SLACK_MENTIONS_CHANNEL=CHANNEL,
        X_API_BASE_URL=x_url,
        X_BEARER_TOKEN="bench-bearer",
        X_API_KEY="bench-key",
        X_API_SECRET="bench-secret",
        X_ACCESS_TOKEN="1000-bench-access",
        X_ACCESS_TOKEN_SECRET="bench-access-secret",
        REDIS_URL=REDIS_URL,
        LOG_FORMAT="json",
    )
    env.pop("SLACK_CHANNEL_INTERVAL_MS", None)
    env.update(extra)
    return env


class TimedWebClient(WebClient):
    """A WebClient that adds up the time spent in the HTTP exchange itself.

    `_perform_urllib_http_request_internal` is where slack_sdk opens the connection, sends the
    already-encoded body and reads the answer: network plus Slack's (here: the fake's) own time.
    Encoding the JSON body and parsing the response stay outside, counted as our overhead.
    """

    http_seconds = 0.0

    def _perform_urllib_http_request_internal(self, url: str, req: Any) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            result: dict[str, Any] = super()._perform_urllib_http_request_internal(url, req)
        finally:
            self.http_seconds += time.perf_counter() - started
        return result


def percentile(values: Sequence[float], pct: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=1000, method="inclusive")[int(pct * 10) - 1]


@dataclass
class Figure:
    name: str
    measured: str
    target: str
    passed: bool
    note: str = ""


def print_table(figures: Sequence[Figure]) -> None:
    rows = [("figure", "measured", "target", "result")]
    rows += [(f.name, f.measured, f.target, "PASS" if f.passed else "MISS") for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    line = "+-" + "-+-".join("-" * w for w in widths) + "-+"
    print(line)
    for index, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            print(line)
    print(line)
    for figure in figures:
        if figure.note:
            print(f"  {figure.name}: {figure.note}")


@contextmanager
def spawn_worker(
    x: Any, slack: Any, poll_interval: str | None = "1", **extra: str
) -> Iterator[Path]:
    """A real `earshot worker` process against the fakes; `poll_interval` None: unset."""
    log_path = Path(tempfile.mkdtemp(prefix="earshot-bench-")) / "worker.log"
    env = worker_env(x.base_url, slack.base_url, **extra)
    if poll_interval is not None:
        env["X_POLL_INTERVAL_SECONDS"] = poll_interval
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "worker"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        try:
            yield log_path
        finally:
            proc.terminate()
            code = proc.wait(timeout=15)
    if code != 0:
        raise SystemExit(f"the worker exited {code}; its log: {log_path}")
    shutil.rmtree(log_path.parent)  # kept when anything went wrong


def wait_for(done: Callable[[], bool], timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout}s; worker log: {log_path}")
        time.sleep(0.05)


def strict_pacing(moments: list[float], poll: float = 1.0, gap: float = 1.0) -> list[float]:
    """Latencies of an ideal worker: a post is seen at the next poll (`poll` 0: the moment it is
    posted), and cards leave one per `gap` seconds, each as soon as its post is seen and the
    channel allows (no work at all)."""
    latencies, last_card = [], -gap
    for moment in moments:
        seen = math.ceil(moment / poll) * poll if poll > 0 else moment
        last_card = max(seen, last_card + gap)
        latencies.append(last_card - moment)
    return latencies
