"""The real `earshot worker` with Bluesky and Mastodon beside X, and with Bluesky alone."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
import redis

from bot.domain.network import bluesky_post_id, mastodon_post_id
from bot.pipeline.bluesky_poll import SOURCE
from bot.pipeline.ingest import Ingest
from bot.pipeline.mastodon_poll import SOURCE as MASTODON_SOURCE
from bot.sandbox.bluesky_api import BlueskyFake
from bot.sandbox.mastodon_api import MastodonFake
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from tests.e2e.conftest import Spawn, process_env, wait_until
from tests.e2e.test_worker_process import ALICE, card_ids, wait_for_start

pytestmark = pytest.mark.e2e


@pytest.fixture
def bluesky() -> Iterator[BlueskyFake]:
    fake = BlueskyFake().start()
    yield fake
    fake.stop()


def bluesky_env(bluesky: BlueskyFake) -> dict[str, str]:
    return {
        "BLUESKY_HANDLE": "earshot.bsky.social",
        "BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop",
        "BLUESKY_SERVICE_URL": bluesky.base_url,
        "BLUESKY_POLL_INTERVAL_SECONDS": "2",
    }


@pytest.fixture
def mastodon() -> Iterator[MastodonFake]:
    fake = MastodonFake().start()
    yield fake
    fake.stop()


def test_one_worker_cards_mentions_from_x_bluesky_and_mastodon(
    spawn: Spawn,
    x_fake: XFake,
    slack_fake: SlackFake,
    bluesky: BlueskyFake,
    mastodon: MastodonFake,
    redis_client: redis.Redis,
) -> None:
    extra = {
        **bluesky_env(bluesky),
        "MASTODON_BASE_URL": mastodon.base_url,
        "MASTODON_ACCESS_TOKEN": mastodon.token,
        "MASTODON_POLL_INTERVAL_SECONDS": "2",
    }
    worker = spawn(["worker"], process_env(x_fake, slack_fake, **extra), "w")
    wait_for_start(redis_client)
    ingest = Ingest(redis_client)
    wait_until(lambda: ingest.checkpoint(SOURCE) is not None, 20, "Bluesky start")
    wait_until(lambda: ingest.checkpoint(MASTODON_SOURCE) is not None, 20, "Mastodon start")
    on_x = x_fake.add_post("@earshot_co hello from X", author=ALICE)
    on_bsky = bluesky.add_post("dana.bsky.social", "@earshot.bsky.social hello from Bluesky")
    toot = mastodon.add_status(mastodon.add_account("eve", domain="remote.example"), "hello")
    expected = {
        on_x["id"],
        bluesky_post_id(on_bsky["uri"]),
        mastodon_post_id(str(toot["id"])),
    }
    wait_until(lambda: set(card_ids(slack_fake)) == expected, 30, "three cards")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0


def test_a_worker_with_bluesky_alone_never_calls_x(
    spawn: Spawn,
    x_fake: XFake,
    slack_fake: SlackFake,
    bluesky: BlueskyFake,
    redis_client: redis.Redis,
) -> None:
    """Every X_* credential unset: the settings are valid, X's loops do not run."""
    env = {
        k: v
        for k, v in process_env(x_fake, slack_fake, **bluesky_env(bluesky)).items()
        if not k.startswith("X_") or k == "X_API_BASE_URL"
    }
    assert not any(k.startswith("X_") and k != "X_API_BASE_URL" for k in env)
    worker = spawn(["worker"], env, "w")
    wait_until(lambda: Ingest(redis_client).checkpoint(SOURCE) is not None, 20, "Bluesky start")
    post = bluesky.add_post("dana.bsky.social", "@earshot.bsky.social only Bluesky here")
    wait_until(lambda: card_ids(slack_fake) == [bluesky_post_id(post["uri"])], 30, "the card")
    assert x_fake.calls_to("/2/users/me") == [] and x_fake.calls_to("/2/users/1000/mentions") == []
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
