"""`earshot demo`: sandbox X and Slack, serve and worker in one process, sample mentions, cards."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import redis

from bot.blocks.terminal import render_card_text, render_mrkdwn
from bot.config import Settings
from bot.logging import configure_logging
from bot.pipeline.worker import Worker
from bot.sandbox.bluesky_api import BRAND_HANDLE, BRAND_PASSWORD, BlueskyFake
from bot.sandbox.mastodon_api import MastodonFake
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import SlackUser
from bot.sandbox.x_api import XFake
from bot.serve import create_server, run_until_closed
from bot.services import build_services
from bot.store.connection import connect, redis_answers

DEMO_DB = 13
SIGNING_SECRET = "sandbox-signing-secret"
CHANNEL = "C0MENTIONS"
POST = "app.bsky.feed.post"
SAMPLES: list[tuple[str, str, str, int, str]] = [
    (
        "3001",
        "maria_rossi",
        "Maria Rossi",
        1_240,
        "Ciao @earshot_co! Il mio ordine è arrivato in anticipo, grazie mille 🎉🇮🇹",
    ),
    (
        "3002",
        "kenji_t",
        "田中健二",
        58_300,
        "@earshot_co アプリが起動しません😢 昨日のアップデートからです。助けてください",
    ),
    (
        "3003",
        "noa_levi",
        "נועה לוי",
        310,
        "@earshot_co שלום, מתי המשלוח שלי יגיע? הזמנתי לפני שבוע 📦",
    ),
    (
        "3004",
        "ivan_petrov",
        "Иван Петров",
        12,
        "@earshot_co Почему списали деньги дважды? <!channel> 😡",
    ),
    (
        "3005",
        "sam_dev",
        "Sam",
        2_100_000,
        "Loving the new dashboard from @earshot_co 🚀\nBest release this year. ✅",
    ),
]


def open_demo_redis() -> tuple[redis.Redis, str]:
    """REDIS_URL's server when it answers (demo DB 13, flushed), else an embedded Redis."""
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    client = connect(f"{base}/{DEMO_DB}")
    if redis_answers(client):
        client.flushdb()
        return client, f"Redis at {base} (database {DEMO_DB}, flushed for the demo)"
    import fakeredis

    embedded = fakeredis.FakeRedis(server=fakeredis.FakeServer(), decode_responses=True)
    return embedded, f"no Redis answers at {base}: using an embedded in-memory Redis"


BLUESKY_SAMPLE = (
    "lea.bsky.social",
    "Léa Martin",
    "@earshot.bsky.social ma commande 4711 n'est jamais arrivée 📦 vous pouvez m'aider ?",
)
BLUESKY_REPLY = "Bonjour Léa, désolés 🙏 On vérifie la commande 4711 et on revient vers vous ici."
MASTODON_SAMPLE = ("jonas", "chaos.example", "Jonas", "Hat jemand Erfahrung mit dem neuen Abo? 🤔")
MASTODON_REPLY = "@jonas@chaos.example Hallo Jonas! Gern: was möchtest du wissen?"


def demo_settings(
    x: XFake, slack: SlackFake, bluesky: BlueskyFake, mastodon: MastodonFake
) -> Settings:
    return Settings(
        slack_bot_token="xoxb-sandbox",  # type: ignore[arg-type]
        slack_signing_secret=SIGNING_SECRET,  # type: ignore[arg-type]
        slack_app_token=None,
        slack_api_base_url=f"{slack.base_url}/api/",
        slack_mentions_channel=CHANNEL,
        x_api_base_url=x.base_url,
        x_bearer_token="sandbox-bearer",  # type: ignore[arg-type]
        x_api_key="sandbox-key",  # type: ignore[arg-type]
        x_api_secret="sandbox-secret",  # type: ignore[arg-type]
        x_access_token="1000-sandbox-access",  # type: ignore[arg-type]
        x_access_token_secret="sandbox-access-secret",  # type: ignore[arg-type]
        x_poll_interval_seconds=1.0,
        bluesky_handle=BRAND_HANDLE,
        bluesky_app_password=BRAND_PASSWORD,  # type: ignore[arg-type]
        bluesky_service_url=bluesky.base_url,
        bluesky_poll_interval_seconds=2.0,
        mastodon_base_url=mastodon.base_url,
        mastodon_access_token=mastodon.token,  # type: ignore[arg-type]
        mastodon_poll_interval_seconds=2.0,
        port=0,
    )


def run_demo(seconds: float = 0) -> int:
    configure_logging("console", level=30)  # warnings only: the cards are the show
    x, slack = XFake().start(), SlackFake().start()
    bluesky, mastodon = BlueskyFake().start(), MastodonFake().start()
    client, redis_note = open_demo_redis()
    services = build_services(demo_settings(x, slack, bluesky, mastodon), client)
    server: Any = create_server(services, host="127.0.0.1", port=0)
    worker = Worker(services)
    threads = [
        threading.Thread(target=run_until_closed, args=(server,), name="serve", daemon=True),
        threading.Thread(target=worker.run, name="worker", daemon=True),
    ]
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    say(
        f"Earshot demo — sandbox X at {x.base_url}, Bluesky at {bluesky.base_url}, "
        f"Mastodon at {mastodon.base_url}, Slack at {slack.base_url}"
    )
    say(f"Store: {redis_note}")
    say(f"serve: http://127.0.0.1:{server.effective_port}/healthz  (Ctrl-C stops everything)\n")
    for thread in threads:
        thread.start()
    colleague = SlackUser(
        f"http://127.0.0.1:{server.effective_port}/slack/events", SIGNING_SECRET, slack
    )
    try:
        _show(Sandbox(x, slack, bluesky, mastodon), services, stop, seconds, colleague, worker)
    finally:
        worker.stop.set()
        server.close()
        for thread in threads:
            thread.join(timeout=5)
        x.stop()
        slack.stop()
        bluesky.stop()
        mastodon.stop()
        say("\nDemo stopped.")
    return 0


REPLY_TO = "kenji_t"
KENJI = ("3002", "kenji_t", "田中健二")
BRAND = ("1000", "earshot_co", "Earshot Co")
FOLLOW_UP = "@earshot_co 更新したら直りました。でもログインが遅いです…"
DM_TO = ("3004", "ivan_petrov", "Иван Петров")
DM_TEXT = "Иван, пришлите, пожалуйста, номер заказа и последние 4 цифры карты."
DM_NOTE = "@ivan_petrov Мы написали вам в личные сообщения 📩"
DM_ANSWER = "Заказ 4711, карта …0042. Спасибо!"
ON_X_TEXT = "@kenji_t ありがとうございます。ログインの件はチームに共有しました🙏"
REPLY_TEXT = (
    "@kenji_t ご不便をおかけしてすみません🙏 バージョン1.2.1で修正しました。更新をお試しください。"
)


@dataclass(frozen=True)
class Sandbox:
    x: XFake
    slack: SlackFake
    bluesky: BlueskyFake
    mastodon: MastodonFake


def _show(
    sandbox: Sandbox,
    services: Any,
    stop: threading.Event,
    seconds: float,
    colleague: SlackUser,
    worker: Worker,
) -> None:
    """Seed the sample mentions one by one, print every card as it lands or changes, and once
    all are in, have a colleague answer one of them through the real Reply button and modal,
    then follow the conversations (a follow-up, a reply on X, a move to DM)."""
    x, slack = sandbox.x, sandbox.slack
    deadline = time.monotonic() + seconds if seconds else None
    _wait_for_checkpoint(services, stop)
    pending, seen = list(SAMPLES), dict[str, str]()
    next_seed, replied, on_bluesky = time.monotonic(), False, False
    conversation = Conversation(x, slack, colleague, worker)
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        if pending and time.monotonic() >= next_seed:
            author_id, username, name, followers, text = pending.pop(0)
            x.add_post(
                text,
                author=(author_id, username, name),
                followers=followers,
                verified=followers > 1_000_000,
            )
            say(f"→ X: @{username} posted a mention")
            next_seed = time.monotonic() + 1.5
        elif not pending and not on_bluesky:
            handle, name, text = BLUESKY_SAMPLE
            sandbox.bluesky.add_user(handle, display_name=name)
            sandbox.bluesky.add_post(handle, text)
            say(f"→ Bluesky: @{handle} posted a mention")
            user, domain, name, text = MASTODON_SAMPLE
            author = sandbox.mastodon.add_account(user, domain=domain, display_name=name)
            sandbox.mastodon.add_status(author, text)
            say(f"→ Mastodon: @{user}@{domain} posted a mention")
            on_bluesky = True
        for message in slack.messages(CHANNEL):
            if message.get("thread_ts"):
                continue
            rendered = render_card_text(message.get("blocks") or [])
            if seen.get(message["ts"]) != rendered:
                label = "Card updated" if message["ts"] in seen else "New card"
                say(f"\n[{label}]\n{rendered}\n" + "─" * 72)
                seen[message["ts"]] = rendered
        if not pending and len(seen) == len(SAMPLES) + 2 and not replied:
            replied = _colleague_replies(x, slack, colleague, stop)
            _colleague_replies_on_bluesky(sandbox, colleague, stop)
            _colleague_replies_on_mastodon(sandbox, colleague, stop)
        if replied:
            conversation.step()
        stop.wait(0.2)


def _press_reply(
    slack: SlackFake, colleague: SlackUser, stop: threading.Event, who: str, text: str
) -> None:
    """Alice presses Reply on @who's card, writes `text` and presses Send (signed requests
    to serve, as Slack sends them)."""
    card = next(m for m in slack.messages(CHANNEL) if f"@{who}" in str(m.get("blocks")))
    post_id = card["metadata"]["event_payload"]["post_id"]
    say(f"\n← Slack: Alice presses Reply on @{who}'s card")
    before = len(slack.views())
    colleague.block_action("reply", post_id, user="U0ALICE", message_ts=card["ts"])
    while len(slack.views()) == before and not stop.wait(0.05):
        pass
    view = slack.views()[-1]
    values = {
        b["block_id"]: {"reply_text": {"type": "plain_text_input", "value": text}}
        for b in view["blocks"]
        if b.get("block_id", "").startswith("reply_text_")
    }
    say(f"← Slack: she writes “{text}” and presses Send reply")
    colleague.view_submission("reply_modal", values, private_metadata=view["private_metadata"])


def _colleague_replies_on_bluesky(
    sandbox: Sandbox, colleague: SlackUser, stop: threading.Event
) -> None:
    handle = BLUESKY_SAMPLE[0]
    _press_reply(sandbox.slack, colleague, stop, handle, BLUESKY_REPLY)
    deadline = time.monotonic() + 10
    while not sandbox.bluesky.records(POST) and time.monotonic() < deadline:
        stop.wait(0.05)
    for reply in sandbox.bluesky.records(POST)[:1]:
        say(f"→ Bluesky: @{BRAND_HANDLE} replied to @{handle} ({reply['uri']})")


def _colleague_replies_on_mastodon(
    sandbox: Sandbox, colleague: SlackUser, stop: threading.Event
) -> None:
    user, domain, _name, _text = MASTODON_SAMPLE
    _press_reply(sandbox.slack, colleague, stop, f"{user}@{domain}", MASTODON_REPLY)
    deadline = time.monotonic() + 10
    while not sandbox.mastodon.statuses() and time.monotonic() < deadline:
        stop.wait(0.05)
    for reply in sandbox.mastodon.statuses()[:1]:
        say(f"→ Mastodon: @earshot replied to @{user}@{domain} ({reply['url']})")


def _colleague_replies(
    x: XFake, slack: SlackFake, colleague: SlackUser, stop: threading.Event
) -> bool:
    """Alice presses Reply on Kenji's card and sends an answer (signed requests to serve)."""
    _press_reply(slack, colleague, stop, REPLY_TO, REPLY_TEXT)
    while not x.posts_by_us() and not stop.wait(0.05):
        pass
    if x.posts_by_us():
        reply = x.posts_by_us()[0]
        say(f"→ X: @earshot_co replied to @{REPLY_TO} (post {reply['id']})")
    return True


class Conversation:
    """After the reply: Kenji answers it on X (the follow-up threads into his case), and the
    support lead answers him in X's own app (the card says Replied on X). Then Alice moves
    Ivan's double charge to a direct message, and Ivan answers there."""

    def __init__(self, x: XFake, slack: SlackFake, colleague: SlackUser, worker: Worker) -> None:
        self.x, self.slack, self.colleague, self.worker = x, slack, colleague, worker
        self.follow_up: str | None = None
        self.shown: set[str] = set()
        self.answered_on_x = False
        self.moved_to_dm = False
        self.dm_answered = False

    def step(self) -> None:
        ours = self.x.posts_by_us()
        if self.follow_up is None and ours:
            refs = [{"type": "replied_to", "id": str(ours[0]["id"])}]
            post = self.x.add_post(FOLLOW_UP, author=KENJI, referenced_tweets=refs)
            self.follow_up = str(post["id"])
            say(f"\n→ X: @{REPLY_TO} answers our reply: “{FOLLOW_UP}”")
        for message in self.slack.messages(CHANNEL):
            threaded = message.get("thread_ts") not in (None, message["ts"])
            if threaded and message["ts"] not in self.shown:
                self.shown.add(message["ts"])
                blocks = message.get("blocks") or []
                text = render_card_text(blocks) if blocks else render_mrkdwn(str(message["text"]))
                say(f"\n[In the card's thread]\n{text}\n" + "─" * 72)
                if "Customer replied" in text and not self.answered_on_x:
                    self._answer_on_x()
                elif "outside Earshot" in text and not self.moved_to_dm:
                    self._move_to_dm()
                elif "DM to @ivan_petrov" in text and not self.dm_answered:
                    self._ivan_answers()

    def _answer_on_x(self) -> None:
        refs = [{"type": "replied_to", "id": self.follow_up or ""}]
        self.x.add_post(ON_X_TEXT, author=BRAND, referenced_tweets=refs)
        self.answered_on_x = True
        say("→ X: the support lead answers in X's own app, outside Earshot")

    def _move_to_dm(self) -> None:
        self.moved_to_dm = True
        card = next(m for m in self.slack.messages(CHANNEL) if f"@{DM_TO[1]}" in str(m["blocks"]))
        post_id = card["metadata"]["event_payload"]["post_id"]
        say(f"\n← Slack: Alice presses Move to DM on @{DM_TO[1]}'s card (an account detail)")
        before = len(self.slack.views())
        self.colleague.block_action("move_to_dm", post_id, user="U0ALICE", message_ts=card["ts"])
        deadline = time.monotonic() + 5
        while len(self.slack.views()) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        view = self.slack.views()[-1]
        values: dict[str, dict[str, Any]] = {
            "dm_text": {"dm_text": {"type": "plain_text_input", "value": DM_TEXT}},
            "dm_public_note_on": {
                "dm_public_note_on": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
            },
            "dm_public_note": {"dm_public_note": {"type": "plain_text_input", "value": DM_NOTE}},
        }
        say(f"← Slack: she writes the DM “{DM_TEXT}” and the public note “{DM_NOTE}”")
        self.colleague.view_submission(
            "move_to_dm", values, private_metadata=view["private_metadata"]
        )

    def _ivan_answers(self) -> None:
        self.dm_answered = True
        self.x.add_dm(DM_TO, DM_ANSWER)
        say(f"→ X: @{DM_TO[1]} answers in the DM (private): “{DM_ANSWER}”")
        self.worker.dm_poller.poll_once()  # the demo reads DMs now, not at the next minute


def _wait_for_checkpoint(services: Any, stop: threading.Event) -> None:
    from bot.pipeline.bluesky_poll import SOURCE as BLUESKY
    from bot.pipeline.ingest import Ingest
    from bot.pipeline.mastodon_poll import SOURCE as MASTODON
    from bot.pipeline.poll import MENTIONS

    ingest = Ingest(services.redis)
    sources = (MENTIONS, BLUESKY, MASTODON)
    while not stop.is_set() and None in [ingest.checkpoint(source) for source in sources]:
        stop.wait(0.1)


def say(line: str) -> None:
    print(line, file=sys.stdout, flush=True)
