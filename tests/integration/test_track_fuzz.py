"""Fuzzed `/track` text through the real Bolt app: always a 200 and an answer, no rule lost."""

from __future__ import annotations

import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from bot.domain.track_command import ChangeRule, ListRules, parse_track_command
from bot.domain.track_rule import Priority, RuleStatus, TrackRule
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.store.tracks import TrackStore
from tests.integration.track_helpers import run_track

VERBS = ["add", "test", "list", "remove", "pause", "resume", "stats", "budget", "vip", "help"]
PIECES = [
    "acme",
    '"acme app"',
    "OR",
    "(",
    ")",
    "-",
    "#",
    "@",
    "$",
    "#acme",
    "@acme",
    "from:acme",
    "is:retweet",
    "has:links",
    "lang:en",
    "priority:high",
    "priority:urgent",
    'name:"x y"',
    "include:own",
    "<#C0MENTIONS|mentions>",
    "<#C0NOPE>",
    "<@U0BOB>",
    "t1",
    "t2",
    "999",
    "$150",
    "off",
    "followers",
    "&amp;",
    "&lt;",
    "the",
    "\u200d",
    "🚀",
    "`",
    "*",
    "\n",
]

texts = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda verb, parts: " ".join([verb, *parts]),
        st.sampled_from(VERBS),
        st.lists(st.sampled_from(PIECES) | st.text(max_size=12), max_size=10),
    ),
)


def seed(store: TrackStore) -> None:
    if store.all():
        return
    for query in ("acmeapp", '"acme cloud"'):
        rule = TrackRule(id="", query=query, created_by="U0SEED", created_at=1.0)
        store.add(rule, query)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=texts)
def test_any_track_text_gets_a_200_and_an_answer_and_loses_no_rule(
    bolt: BoltDriver, slack_fake: SlackFake, redis_client: redis.Redis, text: str
) -> None:
    """Whatever follows /track: HTTP 200, a message back (ephemeral or in the channel), no
    error logged (the catch-all never fired), and every stored rule is still there, unchanged,
    unless the text was a `remove` of that very rule."""
    slack_fake.set_rate(0, 0)
    store = TrackStore(redis_client)
    seed(store)
    before = {rule.id: rule for rule in store.all()}
    with capture_logs() as logs:
        answer = run_track(bolt, slack_fake, text, settle=0.02)
    failures = [entry for entry in logs if entry["log_level"] in ("error", "critical")]
    assert failures == [], f"{text!r} made Earshot fail: {failures}"
    assert answer.status == 200
    assert answer.text.strip()
    after = {rule.id: rule for rule in store.all()}
    command = parse_track_command(text)
    removable = command.rule_id if isinstance(command, ChangeRule) else None
    for rule_id, rule in before.items():
        if rule_id == removable and command.action == "remove":  # type: ignore[union-attr]
            continue
        assert rule_id in after, f"{rule_id} was lost by {text!r}"
        assert (after[rule_id].query, after[rule_id].channel) == (rule.query, rule.channel)
    ids = redis_client.zrange("{earshot}:track:ids", 0, -1)
    assert sorted(ids) == sorted(after), "every indexed rule must still be readable"
    if isinstance(command, ChangeRule) and command.rule_id in before:  # parsed: it was done
        expected = {"remove": None, "pause": RuleStatus.PAUSED, "resume": RuleStatus.ACTIVE}
        changed = after.get(command.rule_id)
        assert (changed.status if changed else None) == expected[command.action], text
    if isinstance(command, ListRules):
        assert all(rule_id in answer.text for rule_id in after), answer.text


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    words=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10),
        min_size=1,
        max_size=3,
    ),
    high=st.booleans(),
    routed=st.booleans(),
)
def test_a_well_formed_add_stores_that_rule_and_remove_takes_it_away(
    bolt: BoltDriver,
    slack_fake: SlackFake,
    redis_client: redis.Redis,
    words: list[str],
    high: bool,
    routed: bool,
) -> None:
    """`/track add <words> [<#channel>] [priority:high]` stores exactly one new rule with that
    query, channel and priority, and the answer names its id; `/track remove <id>` then
    leaves no rule behind."""
    slack_fake.set_rate(0, 0)
    store = TrackStore(redis_client)
    query = " ".join(f"acme{word}" for word in words)
    text = f"add {query}" + (" <#C0ESCALATE|escalate>" if routed else "")
    text += " priority:high" if high else ""
    answer = run_track(bolt, slack_fake, text, settle=0.02)
    rules = store.all()
    assert len(rules) == 1, f"{text!r} answered {answer.text!r}"
    rule = rules[0]
    assert (rule.query, rule.channel) == (query, "C0ESCALATE" if routed else None)
    assert rule.priority is (Priority.HIGH if high else Priority.NORMAL)
    assert rule.id in answer.text
    run_track(bolt, slack_fake, f"remove {rule.id}", settle=0.02)
    assert store.all() == []
