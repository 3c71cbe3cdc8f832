"""Reply templates: `/earshot templates`, the add/edit modal with inline errors, remove with a
confirm, and the store behind them (stable ids, nothing lost or overwritten on bad input)."""

from __future__ import annotations

from typing import Any

import redis

from bot.domain.signed_metadata import sign_metadata
from bot.domain.templates import Template
from bot.sandbox.slack_api import SlackFake
from bot.sandbox.slack_user import BoltDriver
from bot.services import Services
from bot.store import keys
from bot.store.templates import MAX_TEMPLATES, TemplateStore, get_template, list_templates
from tests.integration.case_forms import open_modal, snapshot, template_values
from tests.integration.waiting import wait_for


def latest_list(slack: SlackFake, user: str = "U0ALICE", count: int = 1) -> dict[str, Any]:
    """The newest ephemeral template list shown to `user` (waits for the `count`th)."""
    lists = wait_for(
        lambda: (
            [
                e
                for e in slack.ephemerals()
                if e["user"] == user and "templates_head" in str(e.get("blocks"))
            ][count - 1 :]
            or None
        ),
        what="the templates list",
    )
    shown: dict[str, Any] = lists[-1]
    return shown


def action_ids(message: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for block in message["blocks"]:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        if "accessory" in block:
            elements = [block["accessory"]]
        found += [(e["action_id"], e.get("value", "")) for e in elements]
    return found


def save(bolt: BoltDriver, view: dict[str, Any], title: str, text: str, **kw: Any) -> Any:
    metadata = kw.pop("metadata", None) or view["private_metadata"]
    response = bolt.view_submission(
        "template_save", template_values(title, text), private_metadata=metadata, **kw
    )
    assert response.status_code == 200
    return response.json() if response.text else {}


def test_add_list_edit_and_remove_a_template(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver
) -> None:
    """An empty list offers Add; Add opens the modal; saving stores the template (id t1) and shows
    the list again with Edit and Remove; Edit opens it filled in and saving keeps the id; Remove
    (after Slack's confirm dialog) deletes it. The reply modal's API sees every step."""
    assert bolt.command("/earshot", "templates").status_code == 200
    first = latest_list(slack_fake)
    assert "none yet" in str(first["blocks"]) and action_ids(first) == [("template_add", "")]
    view = open_modal(bolt, slack_fake, "template_add", "")
    assert view["title"]["text"] == "New template"
    assert save(bolt, view, "Order late", "Hi {first_name}, sorry! ({handle})") == {}
    shown = latest_list(slack_fake, count=2)
    assert "Saved “Order late”" in str(shown["blocks"])
    assert ("template_edit", "t1") in action_ids(shown)
    remove = next(
        e
        for b in shown["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "template_remove"
    )
    assert remove["value"] == "t1" and remove["confirm"]["confirm"]["text"] == "Remove"
    assert list_templates(services.redis) == [
        Template("t1", "Order late", "Hi {first_name}, sorry! ({handle})", "U0ALICE")
    ]
    view = open_modal(bolt, slack_fake, "template_edit", "t1")
    inputs = [b["element"] for b in view["blocks"] if b["type"] == "input"]
    assert [i["initial_value"] for i in inputs] == [
        "Order late",
        "Hi {first_name}, sorry! ({handle})",
    ]
    assert save(bolt, view, "Order late", "Hello {name}!", user="U0BOB") == {}
    latest_list(slack_fake, user="U0BOB")
    assert get_template(services.redis, "t1") == Template(
        "t1", "Order late", "Hello {name}!", "U0ALICE"
    )
    assert bolt.block_action("template_remove", "t1").status_code == 200
    gone = latest_list(slack_fake, count=3)
    assert "Removed “Order late”" in str(gone["blocks"])
    assert list_templates(services.redis) == [] and get_template(services.redis, "t1") is None


def test_bad_templates_are_inline_errors_and_store_nothing(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver, redis_client: redis.Redis
) -> None:
    """Empty title, a 61-character title, empty text, an unknown {variable}, an unbalanced brace,
    a duplicate title: each is an inline error on its field; the stored templates are as before."""
    TemplateStore(redis_client).add("Thanks", "Thank you {name}!", "U0BOB")
    view = open_modal(bolt, slack_fake, "template_add", "")
    before = snapshot(redis_client)
    for title, text, field, words in (
        ("", "Hi", "title", "short title"),
        ("t" * 61, "Hi", "title", "under 60"),
        ("Hello", "   ", "text", "empty"),
        ("Hello", "Hi {nme}", "text", "Unknown variable {nme}"),
        ("Hello", "Hi {name", "text", "Unbalanced"),
        ("Hello", "Hi {0}", "text", "Unknown variable"),
        ("  thanks ", "Hi", "title", "already has this title"),
    ):
        body = save(bolt, view, title, text)
        assert body["response_action"] == "errors", (title, text)
        assert list(body["errors"]) == [field] and words in body["errors"][field]
    assert snapshot(redis_client) == before


def test_a_stale_or_removed_template_is_never_overwritten(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver, redis_client: redis.Redis
) -> None:
    """Alice and Bob open the same template; Bob saves first; Alice's save (made on the old
    version) is refused inline, so Bob's text stays. After a remove, a save from an open form
    is refused instead of bringing the template back."""
    TemplateStore(redis_client).add("Refund", "Refund on its way, {first_name}.", "U0BOB")
    alice = open_modal(bolt, slack_fake, "template_edit", "t1", user="U0ALICE")
    bob = open_modal(bolt, slack_fake, "template_edit", "t1", user="U0BOB")
    assert save(bolt, bob, "Refund", "Bob's words", user="U0BOB") == {}
    body = save(bolt, alice, "Refund", "Alice's words")
    assert "changed this template since you opened it" in body["errors"]["text"]
    assert get_template(redis_client, "t1") == Template("t1", "Refund", "Bob's words", "U0BOB")
    TemplateStore(redis_client).remove("t1")
    body = save(bolt, bob, "Refund", "again", user="U0BOB", metadata=bob["private_metadata"])
    assert "errors" in body and list_templates(redis_client) == []


def test_unknown_ids_tampered_forms_and_guests_are_refused(
    services: Services, slack_fake: SlackFake, bolt: BoltDriver, redis_client: redis.Redis
) -> None:
    """Edit or Remove of an id that does not exist: the list is shown again with a note. A forged
    form is replaced by a notice. A guest cannot open the editor. Nothing is stored."""
    before = snapshot(redis_client)
    bolt.block_action("template_edit", "t404")
    assert "no longer exists" in str(latest_list(slack_fake)["blocks"])
    bolt.block_action("template_remove", "t404")
    assert "already removed" in str(latest_list(slack_fake, count=2)["blocks"])
    key = services.settings.metadata_key()
    for metadata in (
        "garbage",
        sign_metadata({"purpose": "template", "id": None, "version": 0}, b"other key"),
        sign_metadata({"purpose": "resolve", "id": None, "version": 0}, key),
        sign_metadata({"purpose": "template", "id": "../t1", "version": 1}, key),
        sign_metadata({"purpose": "template", "id": "t1", "version": "1"}, key),
    ):
        body = save(bolt, {}, "Fine title", "Fine text", metadata=metadata)
        assert body["response_action"] == "update"
    views = len(slack_fake.views())
    bolt.block_action("template_add", "", user="U0GUEST")
    wait_for(lambda: [e for e in slack_fake.ephemerals() if e["user"] == "U0GUEST"], what="no")
    assert len(slack_fake.views()) == views
    assert snapshot(redis_client) == before


def test_the_store_keeps_ids_stable_and_refuses_past_its_limit(redis_client: redis.Redis) -> None:
    """Ids are never reused (t1, t2; remove t2; the next is t3); text with emoji and CJK survives
    the Lua round trip exactly; the 25th template is refused with nothing written."""
    store = TemplateStore(redis_client)
    assert store.add("One", 'Merci {name} 🙏 ありがとう \\ / "q"', "U1") == ("saved", "t1")
    assert store.add("Two", "b", "U1") == ("saved", "t2")
    assert store.remove("t2")
    assert store.add("Three", "c", "U1") == ("saved", "t3")
    assert get_template(redis_client, "t1") == Template(
        "t1", "One", 'Merci {name} 🙏 ありがとう \\ / "q"', "U1"
    )
    for n in range(MAX_TEMPLATES - 2):
        assert store.add(f"T{n}", "x", "U1")[0] == "saved"
    full = redis_client.hgetall(keys.TEMPLATES)
    assert store.add("One too many", "x", "U1") == ("full", "")
    assert redis_client.hgetall(keys.TEMPLATES) == full
    assert [t.id for t in list_templates(redis_client)][:3] == ["t1", "t3", "t4"]
