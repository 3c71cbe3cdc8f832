"""Is a signed Slack request body shaped as Slack sends it? Checked before Bolt sees it.

Bolt indexes the bodies it is given without looking (`body["view"]["type"]`,
`body["actions"][0]["action_id"]`, `payload["event"].get(...)`), and when that raises inside its
dispatch its error path raises again: a 500. So the body is parsed here exactly as Bolt will
parse it (`slack_bolt.request.internals.parse_body`), and every field Bolt or its matchers read
must have the type Slack documents for it. The answer is None (hand it to Bolt) or the reason for
a 400. Unknown payload types pass with the common checks: Bolt answers those 404 itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

Check = Callable[[Any], str | None]


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "is not a string"


def _string_or_null(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "is not a string"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "is not true or false"


def _object(required: dict[str, Check] | None = None, **optional: Check) -> Check:
    """An object whose `required` keys are present and whose present keys pass their check."""
    must = required or {}

    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "is not an object"
        return _fields(value, must, optional)

    return check


def _nullable(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def _list_of(check: Check, *, non_empty: bool = False) -> Check:
    def each(value: Any) -> str | None:
        if not isinstance(value, list) or (non_empty and not value):
            return "is not a non-empty list" if non_empty else "is not a list"
        for index, item in enumerate(value):
            problem = check(item)
            if problem:
                return f"[{index}] {problem}"
        return None

    return each


def _dict_of_objects(value: Any) -> str | None:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        return "is not an object of objects"
    return None


def _fields(
    data: dict[str, Any], required: dict[str, Check], optional: dict[str, Check]
) -> str | None:
    for key in required:
        if key not in data:
            return f"{key} is missing"
    for key, check in (optional | required).items():
        if key in data:
            problem = check(data[key])
            if problem:
                return f"{key} {problem}"
    return None


_TEAM = _nullable(_object(id=_string, enterprise_id=_string_or_null, domain=_string))
_AUTHORIZATION = _object(
    team_id=_string_or_null,
    enterprise_id=_string_or_null,
    user_id=_string_or_null,
    is_enterprise_install=_boolean,
)
# Keys any payload may carry, and that Bolt reads when they are there (context building).
_COMMON: dict[str, Check] = {
    "type": _string,
    "team": _TEAM,
    "enterprise": _nullable(_object(id=_string)),
    "authorizations": _list_of(_AUTHORIZATION, non_empty=True),
    "is_enterprise_install": _boolean,
    "is_ext_shared_channel": _boolean,
    "enterprise_id": _string_or_null,
    "team_id": _string_or_null,
    "user_id": _string_or_null,
    "channel_id": _string_or_null,
    "user": _object({"id": _string}, team_id=_string_or_null),
    "channel": _nullable(_object(id=_string)),
    "message": _nullable(_object(user=_string, thread_ts=_string, ts=_string, text=_string)),
    "container": _nullable(_object()),
    "trigger_id": _string,
    "response_url": _string,
    "api_app_id": _string,
    "callback_id": _string,
    "action_id": _string,
    "block_id": _string,
    "thread_ts": _string,
    "function_execution_id": _string,
}
_VIEW = _object(
    id=_string,
    type=_string,
    callback_id=_string,
    private_metadata=_string,
    hash=_string,
    team_id=_string_or_null,
    app_installed_team_id=_string_or_null,
    state=_object(values=_dict_of_objects),
)
_SUBMITTED_VIEW = _object(
    {"id": _string, "type": _string, "callback_id": _string},
    private_metadata=_string,
    hash=_string,
    team_id=_string_or_null,
    app_installed_team_id=_string_or_null,
    state=_object(values=_dict_of_objects),
)
_ACTION = _object({"action_id": _string}, block_id=_string)
_INTERACTIONS: dict[str, dict[str, Check]] = {
    "block_actions": {"user": _COMMON["user"], "actions": _list_of(_ACTION, non_empty=True)},
    "block_suggestion": {"user": _COMMON["user"], "action_id": _string, "block_id": _string},
    "view_submission": {"user": _COMMON["user"], "view": _SUBMITTED_VIEW},
    "view_closed": {"user": _COMMON["user"], "view": _SUBMITTED_VIEW},
    "shortcut": {"user": _COMMON["user"], "callback_id": _string},
    "message_action": {
        "user": _COMMON["user"],
        "callback_id": _string,
        "channel": _object({"id": _string}),
        "message": _COMMON["message"],
    },
}
_EVENT = _object(
    {"type": _string},
    subtype=_string,
    user_team=_string_or_null,
    team=_string_or_null,
    thread_ts=_string,
)
_EVENT_BODIES: dict[str, dict[str, Check]] = {
    "event_callback": {"event": _EVENT},
    "url_verification": {"challenge": _string},
}


def interaction_problem(data: Any) -> str | None:
    """Why a decoded interaction payload is not one Slack sends (None: it may be)."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "payload is not an object with a type"
    required = _INTERACTIONS.get(data["type"], {})
    optional = _COMMON | {"view": _VIEW, "actions": _list_of(_ACTION)}
    return _fields(data, required, optional)


def event_problem(data: Any) -> str | None:
    """Why a JSON (Events API) body is not one Slack sends (None: it may be)."""
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "body is not an object with a type"
    return _fields(data, _EVENT_BODIES.get(data["type"], {}), _COMMON | {"event": _EVENT})


def bolt_content_type(header: str) -> str:
    """The content type as Bolt compares it (`extract_content_type`: no parameters)."""
    return header.split(";")[0]


def is_form(body: bytes, content_type: str) -> bool:
    """Whether Bolt parses this body as a form (it takes JSON by type or by a leading brace)."""
    return content_type != "application/json" and not body.startswith(b"{")


def body_problem(body: bytes, content_type: str) -> str | None:
    """Why Bolt could not take this request body (`content_type` as `bolt_content_type` gives
    it); None when it can, or when it is not ours to judge: a slash command's form, whose
    values are always strings."""
    try:
        text = body.decode("utf-8")  # what Bolt's adapters do, without a fallback
    except UnicodeDecodeError:
        return "body is not UTF-8"
    if not text:
        return None
    if not is_form(body, content_type):
        try:
            return event_problem(json.loads(text))
        except ValueError:
            return "body is not JSON"
    if "payload" not in text:
        return None
    payload = dict(parse_qsl(text, keep_blank_values=True)).get("payload")
    if payload is None:
        return None  # a command whose text says "payload": the gate re-encodes it
    try:
        return interaction_problem(json.loads(payload))
    except ValueError:
        return "payload is not JSON"
