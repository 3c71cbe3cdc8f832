"""The real `earshot worker` process: exactly one card per mention across restarts and kill -9."""

from __future__ import annotations

import random
import signal
import time

import pytest
import redis

from bot.pipeline.ingest import Ingest
from bot.pipeline.poll import MENTIONS
from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.conftest import CHANNEL
from tests.e2e.conftest import Spawn, process_env, wait_until

pytestmark = pytest.mark.e2e
ALICE = ("2001", "alice", "Alice")


def card_ids(slack: SlackFake) -> list[str]:
    return [
        m["metadata"]["event_payload"]["post_id"]
        for m in slack.messages(CHANNEL)
        if m.get("metadata")
    ]


def wait_for_start(redis_client: redis.Redis) -> None:
    wait_until(
        lambda: Ingest(redis_client).checkpoint(MENTIONS) is not None, 20, "the worker's first poll"
    )


def test_mention_to_card_and_restart_makes_no_duplicate(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """A mention becomes one card; SIGTERM exits 0; a restarted worker posts nothing again."""
    env = process_env(x_fake, slack_fake)
    worker = spawn(["worker"], env, "worker")
    wait_for_start(redis_client)
    post = x_fake.add_post("@earshot_co hello from e2e", author=ALICE)
    wait_until(lambda: card_ids(slack_fake) == [post["id"]], 20, "the card")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    again = spawn(["worker"], env, "worker")
    second = x_fake.add_post("@earshot_co second one", author=ALICE)
    wait_until(lambda: len(card_ids(slack_fake)) == 2, 20, "the second card")
    time.sleep(1.0)
    assert card_ids(slack_fake) == [post["id"], second["id"]]
    again.send_signal(signal.SIGTERM)
    assert again.wait(timeout=15) == 0


def test_kill_9_during_a_burst_of_100_still_gives_exactly_one_card_each(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """kill -9 of the worker at random moments during a burst of 100 mentions, several times:
    in the end every mention has exactly one card."""
    rng = random.Random(20261125)
    slack_fake.set_rate(per_channel_per_second=50, burst=5)
    # A slow Slack widens the window between "posted" and "recorded" that kills must hit.
    slack_fake.inject(
        Fault("/api/chat.postMessage", Response(0), count=100_000, delay_seconds=0.03)
    )
    env = process_env(x_fake, slack_fake, SLACK_CHANNEL_INTERVAL_MS="30")
    worker = spawn(["worker"], env, "worker")
    wait_for_start(redis_client)
    posts = [x_fake.add_post(f"@earshot_co burst {n} 🚀", author=ALICE) for n in range(100)]
    for _round in range(5):
        time.sleep(rng.uniform(0.2, 1.5))
        worker.kill()
        worker.wait(timeout=10)
        worker = spawn(["worker"], env, "worker")
    wanted = sorted(p["id"] for p in posts)
    wait_until(lambda: sorted(set(card_ids(slack_fake))) == wanted, 90, "all 100 cards")
    time.sleep(2.0)  # anything in doubt would show up as a duplicate by now
    delivered = card_ids(slack_fake)
    assert len(delivered) == 100, f"{len(delivered) - len(set(delivered))} duplicates"
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
