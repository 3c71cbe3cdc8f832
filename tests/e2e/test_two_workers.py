"""Two real `earshot worker` processes, a slow Slack with 429s, kill -9 of either: every mention
still gets exactly one card."""

from __future__ import annotations

import random
import time

import pytest
import redis

from bot.sandbox.server import Fault, Response
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.e2e.conftest import Spawn, process_env, wait_until
from tests.e2e.test_worker_process import ALICE, card_ids, wait_for_start

pytestmark = pytest.mark.e2e
MENTIONS = 40


def test_two_workers_slow_slack_429s_and_kill_9_give_one_card_each(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Every post waits 0.4 s in Slack and some get 429 with Retry-After, so items are often
    held while the other worker reclaims them; either worker is killed with SIGKILL at random
    moments and restarted. In the end each of the mentions has exactly one card."""
    rng = random.Random(20261201)
    slow = Response(0)  # pass through to the fake's chat.postMessage, after the delay
    limited = Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "2"})
    slack_fake.inject(Fault("/api/chat.postMessage", limited, count=3, delay_seconds=0.2))
    slack_fake.inject(Fault("/api/chat.postMessage", slow, count=100_000, delay_seconds=0.4))
    env = process_env(x_fake, slack_fake, DELIVERY_RETRY_SECONDS="1")
    workers = [spawn(["worker"], env, f"worker{n}") for n in range(2)]
    wait_for_start(redis_client)
    posts = [x_fake.add_post(f"@earshot_co pair {n}", author=ALICE) for n in range(MENTIONS)]
    for _round in range(4):
        time.sleep(rng.uniform(0.5, 2.0))
        victim = rng.randrange(2)
        workers[victim].kill()
        workers[victim].wait(timeout=10)
        workers[victim] = spawn(["worker"], env, f"worker{victim}")
    wanted = sorted(p["id"] for p in posts)
    wait_until(lambda: sorted(set(card_ids(slack_fake))) == wanted, 150, "every card")
    time.sleep(3.0)  # anything in doubt would show up as a duplicate by now
    delivered = card_ids(slack_fake)
    assert len(delivered) == MENTIONS, f"{len(delivered) - len(set(delivered))} duplicates"


def test_a_retry_after_longer_than_the_item_lock_lets_no_second_worker_post(
    spawn: Spawn, x_fake: XFake, slack_fake: SlackFake, redis_client: redis.Redis
) -> None:
    """Slack answers the first card with 429 and a Retry-After (62 s) longer than the item
    lock's TTL (60 s); the other worker reclaims the item every second meanwhile. The holder
    renews its lock while it waits, so the card is posted once, by one worker."""
    limited = Response(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "62"})
    slack_fake.inject(Fault("/api/chat.postMessage", limited, count=1))
    env = process_env(x_fake, slack_fake, DELIVERY_RETRY_SECONDS="1")
    for n in range(2):
        spawn(["worker"], env, f"worker{n}")
    wait_for_start(redis_client)
    post = x_fake.add_post("@earshot_co waiting out a long Retry-After", author=ALICE)
    wait_until(lambda: card_ids(slack_fake) != [], 90, "the card")
    time.sleep(3.0)  # a second worker's post would land by now
    assert card_ids(slack_fake) == [post["id"]]
