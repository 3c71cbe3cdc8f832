"""`earshot demo` as a newcomer runs it: names its Redis, shows the cards, stops cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import TEST_REDIS_URL
from tests.e2e.conftest import ROOT, wait_until

pytestmark = pytest.mark.e2e

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
# One line of each sample as the terminal shows it (bot.demo.SAMPLES).
SAMPLE_LINES = {
    "Japanese": "@earshot_co アプリが起動しません😢 昨日のアップデートからです。助けてください",
    "Hebrew": "@earshot_co שלום, מתי המשלוח שלי יגיע? הזמנתי לפני שבוע 📦",
    "Russian": "@earshot_co Почему списали деньги дважды? <!channel> 😡",
    "Italian": "Ciao @earshot_co! Il mio ordine è arrivato in anticipo, grazie mille 🎉🇮🇹",
}
CARD_LINK = "Open on X (https://x.com/"
# Each card's link to its post; a card printed again after an update links to the same post.
CARD_POST = re.compile(r"Open on X \(https://x\.com/\w+/status/(\d+)\)")


@dataclass
class Demo:
    proc: subprocess.Popen[bytes]
    out: Path
    err: Path

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")


StartDemo = Callable[[list[str], str], Demo]


@pytest.fixture
def start_demo(tmp_path: Path) -> Iterator[StartDemo]:
    """Start `python -m bot demo <args>` with REDIS_URL set; killed at teardown if still alive."""
    started: list[Demo] = []

    def start(args: list[str], redis_url: str) -> Demo:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "X_"))}
        env["REDIS_URL"] = redis_url
        out, err = tmp_path / f"demo-{len(started)}.out", tmp_path / f"demo-{len(started)}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "demo", *args],
                cwd=ROOT,
                env=env,
                stdout=stdout,
                stderr=stderr,
            )
        demo = Demo(proc, out, err)
        started.append(demo)
        return demo

    yield start
    for demo in started:
        if demo.proc.poll() is None:
            demo.proc.kill()
            demo.proc.wait(timeout=10)


def assert_five_cards_shown(output: str) -> None:
    assert len(set(CARD_POST.findall(output))) == 5, output
    for language, line in SAMPLE_LINES.items():
        assert line in output, f"the {language} sample is missing:\n{output}"
    # The post's <!channel> reaches the terminal as typed: had the card let it through as
    # Slack markup, the renderer would have turned it into a real "@channel" ping.
    assert "@channel" not in output


def test_demo_without_redis_uses_the_embedded_one_and_shows_five_cards(
    start_demo: StartDemo,
) -> None:
    """With no Redis answering at REDIS_URL the demo says it uses an embedded Redis, shows the
    five sample cards (Japanese, Hebrew, Russian, Italian included, <!channel> harmless) and
    exits 0 when its time is up."""
    demo = start_demo(["--seconds", "10"], DEAD_REDIS)
    assert demo.proc.wait(timeout=60) == 0, demo.stderr()
    output = demo.stdout()
    assert "Store: no Redis answers at redis://127.0.0.1:1" in output
    assert "using an embedded in-memory Redis" in output
    assert_five_cards_shown(output)
    assert output.rstrip().endswith("Demo stopped.")


def test_demo_with_redis_says_which_one_and_shows_five_cards(start_demo: StartDemo) -> None:
    """With a Redis answering at REDIS_URL the demo names it (and its own database) and shows
    the same five cards, then exits 0."""
    demo = start_demo(["--seconds", "10"], TEST_REDIS_URL)
    assert demo.proc.wait(timeout=60) == 0, demo.stderr()
    output = demo.stdout()
    base = TEST_REDIS_URL.rsplit("/", 1)[0]
    assert f"Store: Redis at {base} (database 13, flushed for the demo)" in output
    assert "embedded" not in output
    assert_five_cards_shown(output)
    assert output.rstrip().endswith("Demo stopped.")


def test_ctrl_c_stops_the_demo_cleanly(start_demo: StartDemo) -> None:
    """Ctrl-C (SIGINT) during the demo stops everything: exit 0, "Demo stopped." printed."""
    demo = start_demo([], DEAD_REDIS)  # no --seconds: runs until interrupted
    wait_until(lambda: CARD_LINK in demo.stdout(), 30, "the first card")
    demo.proc.send_signal(signal.SIGINT)
    assert demo.proc.wait(timeout=20) == 0, demo.stderr()
    output = demo.stdout()
    assert output.rstrip().endswith("Demo stopped.")
    assert "KeyboardInterrupt" not in demo.stderr()


def test_demo_shows_a_follow_up_a_reply_made_on_x_and_a_case_moved_to_dm(
    start_demo: StartDemo,
) -> None:
    """After the colleague's reply, the customer answers it on X: the answer goes into the
    case's thread (no sixth card) and the card says Customer replied; the brand then answers in
    X's own app, and the card says Replied on X. Then a case moves to DM and the customer's DM
    answer shows in its thread, marked private. Mentions on Bluesky and Mastodon are carded
    and answered too."""
    demo = start_demo([], TEST_REDIS_URL)
    wait_until(lambda: "*DM from @ivan_petrov*" in demo.stdout(), 90, "the customer's DM")
    wait_until(lambda: "replied on Mastodon" in demo.stdout(), 30, "the Mastodon reply's note")
    demo.proc.send_signal(signal.SIGINT)
    assert demo.proc.wait(timeout=20) == 0, demo.stderr()
    output = demo.stdout()
    assert len(set(CARD_POST.findall(output))) == 5, "the follow-up is no card of its own"
    assert "[In the card's thread]\n:speech_balloon: *Customer replied*" in output
    assert "*Status:* Customer replied at" in output
    assert "*Status:* Replied on X at" in output
    assert ":lock: moved to DM by @U0ALICE" in output
    assert ":lock: DM to @ivan_petrov by @U0ALICE" in output
    # A mention on Bluesky too, answered through the same Reply button.
    assert (
        ":butterfly: Bluesky · Open on Bluesky (https://bsky.app/profile/lea.bsky.social/" in output
    )
    assert "→ Bluesky: @earshot.bsky.social replied to @lea.bsky.social (at://" in output
    assert "@U0ALICE replied on Bluesky: view the reply (https://bsky.app/profile/" in output
    # And one on Mastodon.
    assert ":elephant: Mastodon · Open on Mastodon (https://chaos.example/@jonas/" in output
    assert "→ Mastodon: @earshot replied to @jonas@chaos.example (" in output
    assert "@U0ALICE replied on Mastodon: view the reply (" in output
    assert "warning" not in output and "error" not in output.lower()
