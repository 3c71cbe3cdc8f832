"""The Reply modal while someone types: the count follows, templates fill, signatures count."""

from __future__ import annotations

from typing import Any

from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.sandbox.x_api import XFake
from bot.services import Services, build_services
from bot.store.templates import TemplateStore
from tests.conftest import sandbox_settings
from tests.integration.casework_helpers import deliver, open_reply, submit, x_replies
from tests.integration.waiting import wait_for


def typed(bolt: BoltDriver, view: dict[str, Any], action_id: str, **action: Any) -> None:
    response = bolt.block_action(action_id, "", view=view, extra=action)
    assert response.status_code == 200


def current(slack: SlackFake, view_id: str) -> dict[str, Any]:
    return next(v for v in slack.views() if v["id"] == view_id)


def test_the_weighted_count_follows_each_keystroke(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """on_character_entered: views.update shows the new weighted count (CJK counts 2) and a
    warning past 280, and the Open-in-X link is not offered for a summoned post."""
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    typed(bolt, view, "reply_text", type="plain_text_input", value="@alice こんにちは")
    wait_for(
        lambda: "17/280" in str(current(slack_fake, view["id"])["blocks"]), what="the updated count"
    )
    view = current(slack_fake, view["id"])
    typed(bolt, view, "reply_text", type="plain_text_input", value="@alice " + "あ" * 140)
    wait_for(
        lambda: ":warning: 287/280" in str(current(slack_fake, view["id"])["blocks"]),
        what="the over-limit warning",
    )


def test_choosing_a_template_fills_the_draft_for_this_author(
    services: Services, x_fake: XFake, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """The picker lists templates; choosing one replaces the draft with it, {first_name} and
    {handle} filled for the post's author; the filled text is what gets sent."""
    TemplateStore(services.redis).add("Sorry", "{handle} sorry {first_name}, we're on it!", "U0BOB")
    post_id, ts = deliver(services, x_fake)
    view = open_reply(bolt, slack_fake, post_id, ts)
    picker = next(b for b in view["blocks"] if b.get("block_id") == "reply_templates")
    option = picker["accessory"]["options"][0]
    typed(bolt, view, "reply_template", type="static_select", selected_option=option)

    def filled() -> dict[str, Any] | None:
        now = current(slack_fake, view["id"])
        inputs = [b for b in now["blocks"] if b.get("block_id", "").startswith("reply_text_")]
        return now if inputs and inputs[0]["block_id"] == "reply_text_1" else None

    updated = wait_for(filled, what="the filled template")
    draft = next(b for b in updated["blocks"] if b.get("block_id") == "reply_text_1")
    assert draft["element"]["initial_value"] == "@alice sorry Alice, we're on it!"
    assert submit(bolt, updated, draft["element"]["initial_value"]) == {}
    wait_for(lambda: x_replies(x_fake), what="the reply")


def test_the_signature_is_appended_and_counted(
    x_fake: XFake, slack_fake: SlackFake, redis_client: Any
) -> None:
    """REPLY_SIGNATURE="^{initials}": Alice Archer's reply ends with ^AA, and the signature
    counts inside the 280 (a 277-character draft is refused with it, sent without it)."""
    services = build_services(
        sandbox_settings(x_fake, slack_fake, reply_signature="^{initials}"), redis_client
    )
    post_id, ts = deliver(services, x_fake)
    bolt = BoltDriver(services, slack_fake)
    try:
        view = open_reply(bolt, slack_fake, post_id, ts)
        assert "signature “^AA” included" in str(view["blocks"])
        long_draft = "@alice " + "a" * 270  # 277 + " ^AA" = 281
        answer = submit(bolt, view, long_draft)
        assert "281/280 including your signature" in next(iter(answer["errors"].values()))
        assert submit(bolt, view, "@alice thanks!") == {}
        wait_for(lambda: x_replies(x_fake), what="the signed reply")
        assert x_replies(x_fake)[0]["body"]["text"] == "@alice thanks! ^AA"
    finally:
        bolt.close()
