"""/oncall through the real Bolt app over HTTP: rotations, overrides, settings, bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.rotation import Rotation, on_call
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.x_api import XFake
from bot.store import keys
from bot.store.oncall import OncallStore, current_oncall
from tests.integration.oncall_helpers import (
    ESCALATE,
    MENTIONS_CHANNEL,
    Office,
    build_office,
    rome,
    standard_setup,
)

SET_SUPPORT = "set support <@U0ALICE|alice> <@U0BOB|bob> every 1w handoff Mon 09:00 tz Europe/Rome"


@pytest.fixture
def office(redis_client: redis.Redis, x_fake: XFake, slack_fake: SlackFake) -> Iterator[Office]:
    """Wednesday 2026-11-25 10:00 in Rome."""
    yield from build_office(redis_client, x_fake, slack_fake, rome(2026, 11, 25, 10, 0))


def stored(office: Office) -> str | None:
    raw = office.services.redis.hget(keys.ROTATIONS, "support")
    return None if raw is None else str(raw)


def test_set_shows_who_is_on_now_and_next(office: Office) -> None:
    """Setting a rotation answers who is on call now and who is next, and `/oncall` shows it."""
    answer = office.oncall(SET_SUPPORT)
    assert "On call now: <@U0ALICE>" in answer
    assert "next: <@U0BOB>" in answer
    assert current_oncall(office.services.redis, "support", office.clock()) == "U0ALICE"
    overview = office.oncall("")
    assert "*support*: on call now <@U0ALICE>, next <@U0BOB>" in overview
    assert "*Business hours*: 24/7" in overview
    assert "*First-response SLA*: 1h of business time" in overview
    assert "*Escalation policy*" in overview


def test_a_new_rotation_is_announced_once(office: Office) -> None:
    """The worker posts the handoff in the escalation channel once, not on every tick."""
    office.oncall(SET_SUPPORT)
    office.tick()
    office.tick()
    [handoff] = office.texts(ESCALATE)
    assert handoff.startswith(":arrows_counterclockwise: <@U0ALICE> is now on call for *support*")
    assert "2026-11-30 08:00 UTC" in handoff  # until next Monday 09:00 in Rome


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("set support <@U0NOBODY|ghost>", "Slack does not know the user <@U0NOBODY>"),
        ("set support <@U0BOT|earshot>", "is a bot"),
        ("set support @bob", "can't tell who `@bob` is"),
        ("set support", "needs at least one person"),
        ("set support <@U0BOB> tz Europe/Roma", "not a time zone I know"),
        ("override support <@U0BOB> until 2026-11-25 09:00", "already passed"),
        ("override support <@U0BOB> until 2026-11-26 09:00 from 2026-11-27 09:00", "ends before"),
        ("override support <@U0NOBODY> until Fri 18:00", "Slack does not know"),
        ("override nosuchteam <@U0BOB> until Fri 18:00", "no rotation called *nosuchteam*"),
        ("hours Mon-Fri 18:00-09:00 tz Europe/Rome", "ends before it starts"),
        ("sla team nosuchteam", "no rotation called"),
        ("autoreply on", "write the reply text first"),
    ],
)
def test_bad_input_is_refused_and_the_rotation_is_untouched(
    office: Office, text: str, says: str
) -> None:
    """Each mistake answers (ephemerally, HTTP 200) what is wrong, with an example where it
    helps, and the stored rotation stays exactly as it was."""
    office.oncall(SET_SUPPORT)
    before = stored(office)
    assert says in office.oncall(text)  # the ack's ephemeral text, or the ephemeral after it
    assert stored(office) == before


def test_overlapping_override_is_refused(office: Office) -> None:
    """A second override that overlaps the first is refused and names the first one."""
    office.oncall(SET_SUPPORT)
    assert "<@U0BOB> is on call for *support*" in office.oncall(
        "override support <@U0BOB> until Fri 18:00"
    )
    before = stored(office)
    answer = office.oncall("override support <@U0CAROL> until Thu 12:00 from Thu 09:00")
    assert "overlaps the override of <@U0BOB>" in answer
    assert stored(office) == before


def test_override_hands_off_and_back(office: Office) -> None:
    """An override from now until Friday 18:00 is announced now, and the return to the
    rotation is announced when it ends."""
    office.oncall(SET_SUPPORT)
    office.tick()
    office.oncall("override support <@U0CAROL> until Fri 18:00")
    assert current_oncall(office.services.redis, "support", office.clock()) == "U0CAROL"
    office.tick()
    office.tick(rome(2026, 11, 27, 17, 59))
    office.tick(rome(2026, 11, 27, 18, 0))
    handoffs = [t for t in office.texts(ESCALATE) if "is now on call" in t]
    assert [h.split(">")[0] for h in handoffs] == [
        ":arrows_counterclockwise: <@U0ALICE",
        ":arrows_counterclockwise: <@U0CAROL",
        ":arrows_counterclockwise: <@U0ALICE",
    ]
    assert "taking over from <@U0CAROL>" in handoffs[-1]
    assert "cleared" in office.oncall("override support clear")


def test_remove_deletes_the_rotation_and_its_handoffs(office: Office) -> None:
    office.oncall(SET_SUPPORT)
    assert "removed" in office.oncall("remove support")
    assert stored(office) is None
    assert office.services.redis.zscore(keys.TIMERS, "h:support") is None
    assert "no rotation called *support*" in office.oncall("remove support")


def test_guests_may_look_but_not_change(office: Office) -> None:
    """A guest or someone from another organisation sees the overview but cannot set a
    rotation. (The outsider types it in a channel shared with their organisation, so the
    answer, sent after the ack, reaches them there.)"""
    shared = ["U0ALICE", "U0BOB", "U0CAROL", "U0GUEST", "U0EXT"]
    office.slack.set_channel(MENTIONS_CHANNEL, members=shared)
    assert "Guests cannot change the on-call settings" in office.oncall(SET_SUPPORT, user="U0GUEST")
    assert "other organisations" in office.oncall(SET_SUPPORT, user="U0EXT")
    assert stored(office) is None
    assert "No on-call rotation yet" in office.oncall("", user="U0GUEST")


def test_settings_commands_answer_and_store(office: Office) -> None:
    """Hours, holidays, SLA (default and per rule), the paged team, policy and auto-reply."""
    standard_setup(office)
    assert "Mon-Fri 09:00-18:00 (Europe/Rome), open now" in office.oncall("hours")
    assert "2026-12-25" in office.oncall("holiday add 2026-12-24..2026-12-26")
    assert "2026-12-25" not in office.oncall("holiday remove 2026-12-25")
    assert "rule vip: 15m" in office.oncall("sla 15m rule vip")
    office.oncall(SET_SUPPORT.replace("support", "tier2"))
    assert "pings go to the on-call person of *tier2*" in office.oncall("sla team tier2")
    policy = office.oncall("policy 0m thread, 1h here repeat 1 every 2h")
    assert "`/oncall policy 0m thread, 1h here repeat 1 every 2h`" in policy
    assert "+30m" in office.oncall("policy reset")
    assert "*off*" in office.oncall("autoreply set Thanks {first_name}! Back at 09:00 CET.")
    assert "*on*" in office.oncall("autoreply on")
    autoreply = OncallStore(office.services.redis).office().autoreply
    assert (autoreply.enabled, autoreply.written_by) == (True, "U0ALICE")


def test_two_rotations_each_have_their_own_on_call(office: Office) -> None:
    office.oncall(SET_SUPPORT)
    office.oncall("set nights <@U0CAROL> every 1d handoff 20:00 tz Europe/Rome")
    overview = office.oncall("")
    assert "*nights*: on call now <@U0CAROL>" in overview
    assert "*support*: on call now <@U0ALICE>" in overview


FUZZ_WORDS = st.sampled_from(
    [
        "set", "override", "remove", "hours", "holiday", "sla", "policy", "autoreply", "show",
        "support", "every", "handoff", "tz", "until", "from", "clear", "rule", "team", "repeat",
        "add", "on", "off", "<@U0ALICE|alice>", "<@U0BOB>", "<@U0NOBODY>", "<@U0BOT>", "@carol",
        "<!subteam^S0ONCALL|@oncall>", "Mon", "Fri", "Mon-Fri", "09:00", "18:00", "09:00-18:00",
        "1w", "1d", "30m", "0m", "+4h", "2026-12-25", "2026-02-30", "Europe/Rome", "Mars/Base",
        "thread,", "dm,", "here", "tomorrow", "24/7", ",", "&amp;", "&lt;script&gt;",
    ]
)  # fmt: skip


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=st.one_of(st.lists(FUZZ_WORDS, max_size=12).map(" ".join), st.text(max_size=120)))
def test_any_command_text_gets_an_answer_and_corrupts_nothing(office: Office, text: str) -> None:
    """Whatever is typed after /oncall: HTTP 200 with a non-empty answer, and the stored
    rotation is still readable and names someone who is on call."""
    if stored(office) is None:
        office.oncall(SET_SUPPORT)
    assert office.oncall(text).strip()
    raw = stored(office)
    if raw is not None:
        rotation = Rotation.from_json(raw)
        assert rotation.members
        assert on_call(rotation, office.clock()).startswith("U0")
