"""What Slack's method pages say, and calls to the Slack fake, for the contract tests."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import requests

from bot.sandbox.slack_api import SlackFake

TOKEN = "xoxb-sandbox"
MENTIONS, ESCALATE = "C0MENTIONS", "C0ESCALATE"
# Copies of the contract files live in tests/contracts (see its README for sources).
METHODS = Path(__file__).resolve().parents[1] / "contracts" / "slack" / "methods"
TS = re.compile(r"^\d{10}\.\d{6}$")
CARD_METADATA = {"event_type": "earshot_card", "event_payload": {"post_id": "1900000000000000001"}}

# -- what the method pages say -------------------------------------------------------------


@functools.cache
def page(method: str, legacy: bool = False) -> dict[str, Any]:
    path = METHODS / "legacy-layout" / f"{method}.json" if legacy else METHODS / f"{method}.json"
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def _example_errors(method: str) -> set[str]:
    examples = page(method).get("examples", {}).values()
    return {e["example"]["error"] for e in examples if e["example"].get("ok") is False}


@functools.cache
def documented_errors(method: str) -> frozenset[str]:
    """Codes Slack documents for `method`: its own and its legacy page's lists, the error
    examples of its family's pages (views.* show `invalid_arguments`), the errors every legacy
    page lists, and the token errors auth.test documents (a bad token fails every method)."""
    family = method.rsplit(".", 1)[0] + "."
    legacy_pages = [page(p.stem, legacy=True) for p in (METHODS / "legacy-layout").glob("*.json")]
    common = set.intersection(*(set(p["errors"]) for p in legacy_pages))
    codes = set(page(method)["errors"]) | set(page(method, legacy=True)["errors"]) | common
    codes |= set(page("auth.test")["errors"])
    for sibling in METHODS.glob(f"{family}*.json"):
        codes |= _example_errors(sibling.stem)
    return frozenset(codes)


def missing_keys(example: Any, actual: Any, path: str, skip: frozenset[str]) -> list[str]:
    """Paths of the example's keys (recursively, first list item) absent or mistyped in actual."""
    if path in skip:
        return []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [path or "/"]
        gaps: list[str] = []
        for key, value in example.items():
            here = f"{path}/{key}"
            if here in skip:
                continue
            gaps += [here] if key not in actual else missing_keys(value, actual[key], here, skip)
        return gaps
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [path]
        return missing_keys(example[0], actual[0], f"{path}/0", skip) if example and actual else []
    if example is not None and type(example) is not type(actual):
        return [f"{path} ({type(actual).__name__} for {type(example).__name__})"]
    return []


def assert_success(
    method: str, body: dict[str, Any], example: str = "success", skip: tuple[str, ...] = ()
) -> None:
    assert body["ok"] is True, body
    required = (page(method).get("output") or {}).get("required") or []
    assert [key for key in required if key not in body] == []
    expected = page(method)["examples"][example]["example"]
    assert missing_keys(expected, body, "", frozenset(skip)) == []


def assert_error(method: str, response: requests.Response, code: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert (response.status_code, body["ok"], body["error"]) == (200, False, code), body
    assert code in documented_errors(method), f"{code} is not documented for {method}"
    assert set(body) <= {"ok", "error", "errors", "response_metadata"}
    return body


# -- calls ----------------------------------------------------------------------------------


def call(
    fake: SlackFake, method: str, args: dict[str, Any] | None = None, *, token: str | None = TOKEN
) -> requests.Response:
    """A form-encoded POST, as curl or an old client sends it; lists and dicts as JSON text."""
    form = {k: json.dumps(v) if isinstance(v, list | dict) else v for k, v in (args or {}).items()}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(f"{fake.base_url}/api/{method}", data=form, headers=headers, timeout=5)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(index: int = 0, **overrides: Any) -> dict[str, Any]:
    made = {
        "type": "button",
        "action_id": f"a{index}",
        "text": {"type": "plain_text", "text": "Go"},
    }
    return made | overrides


def modal(title: str = "Reply", **extra: Any) -> dict[str, Any]:
    title_text = {"type": "plain_text", "text": title}
    submit = {"type": "plain_text", "text": "Send"}
    close = {"type": "plain_text", "text": "Cancel"}
    view = {"type": "modal", "title": title_text, "submit": submit, "close": close, "blocks": []}
    return view | extra


def post(fake: SlackFake, channel: str = MENTIONS, **args: Any) -> requests.Response:
    return call(fake, "chat.postMessage", {"channel": channel, "text": "card"} | args)
