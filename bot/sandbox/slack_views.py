"""views.open/push/update/publish of the Slack fake: triggers, modal stacks and Home tabs."""

from __future__ import annotations

import copy
import re
import secrets
import time
from typing import Any

from bot.sandbox import block_kit
from bot.sandbox.slack_workspace import (
    APP_ID,
    BOT_ID,
    TEAM_ID,
    Args,
    SlackError,
    Workspace,
    invalid_arguments,
    json_arg,
    text_arg,
)

TRIGGER_TTL_SECONDS = 3.0
MODAL_STACK_DEPTH = 3  # views.open plus at most two views.push
TRIGGER_FORMAT = re.compile(r"^\d+\.\d+\.[0-9a-zA-Z]+$")  # "12345.98765.abcd2358fdea"


def new_trigger_id(ws: Workspace, view_id: str | None = None) -> str:
    trigger_id = f"{int(time.time())}.{ws.new_id('')}.{secrets.token_hex(6)}"
    ws.triggers[trigger_id] = (time.monotonic(), view_id)
    return trigger_id


def _trigger(ws: Workspace, args: Args) -> tuple[str, str | None]:
    """The trigger_id of a views.open/push call and the view it came from, if the fake knows.

    Trigger ids the fake did not issue (tests make them up) are accepted once if well formed.
    """
    trigger_id = text_arg(args, "trigger_id") or text_arg(args, "interactivity_pointer") or ""
    if not TRIGGER_FORMAT.match(trigger_id):
        raise SlackError("invalid_arguments", messages=["invalid `trigger_id`"])
    if trigger_id in ws.used_triggers:
        raise SlackError("exchanged_trigger_id")
    issued_at, view_id = ws.triggers.get(trigger_id, (time.monotonic(), None))
    if time.monotonic() - issued_at > TRIGGER_TTL_SECONDS:
        raise SlackError("expired_trigger_id")
    return trigger_id, view_id


def _view_arg(ws: Workspace, args: Args, *, types: tuple[str, ...], view_id: str = "") -> Args:
    if args.get("view") in (None, ""):
        raise SlackError("invalid_arguments", messages=["missing required field: view"])
    view = json_arg(args["view"], "invalid_arguments")
    problems = block_kit.check_view(view)
    if not problems and view["type"] not in types:
        problems = [f"must be one of {', '.join(types)} [json-pointer:/view/type]"]
    if problems:
        raise invalid_arguments(problems)
    external_id = view.get("external_id")
    if external_id and any(
        v["external_id"] == external_id and v["id"] != view_id for v in ws.views.values()
    ):
        raise SlackError("duplicate_external_id")
    return dict(view)


def _chrome(view: Args, key: str) -> Any:
    value = copy.deepcopy(view.get(key))
    if isinstance(value, dict) and value.get("type") == "plain_text":
        value.setdefault("emoji", True)
    return value


def _store(ws: Workspace, view: Args, *, view_id: str, root_id: str) -> Args:
    """Keep the view as Slack shows it back (new hash every time) and answer with it."""
    stored: Args = {
        "id": view_id, "team_id": TEAM_ID, "type": view["type"], "title": _chrome(view, "title"),
        "close": _chrome(view, "close"), "submit": _chrome(view, "submit"),
        "blocks": copy.deepcopy(view.get("blocks", [])),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""), "external_id": view.get("external_id", ""),
        "state": {"values": {}}, "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": root_id, "previous_view_id": None, "app_id": APP_ID,
        "app_installed_team_id": TEAM_ID, "bot_id": BOT_ID,
    }  # fmt: skip
    ws.views[view_id] = stored
    return {"view": copy.deepcopy(stored)}


def views_open(ws: Workspace, args: Args) -> Args:
    trigger_id, _ = _trigger(ws, args)
    view = _view_arg(ws, args, types=("modal",))
    view_id = ws.new_id("V")
    ws.used_triggers.add(trigger_id)
    ws.stacks.append([view_id])
    return _store(ws, view, view_id=view_id, root_id=view_id)


def views_push(ws: Workspace, args: Args) -> Args:
    """Push onto the stack the trigger came from (when known), else the newest stack."""
    trigger_id, from_view = _trigger(ws, args)
    view = _view_arg(ws, args, types=("modal",))
    stacks = [stack for stack in ws.stacks if from_view is None or from_view in stack]
    if not stacks:
        raise SlackError("not_found")
    if len(stacks[-1]) >= MODAL_STACK_DEPTH:
        raise SlackError("push_limit_reached")
    view_id = ws.new_id("V")
    ws.used_triggers.add(trigger_id)
    stacks[-1].append(view_id)
    return _store(ws, view, view_id=view_id, root_id=stacks[-1][0])


def views_update(ws: Workspace, args: Args) -> Args:
    view_id, external_id = text_arg(args, "view_id"), text_arg(args, "external_id")
    if view_id is None and external_id is None:
        raise invalid_arguments(["missing required field: view_id or external_id"])
    current = next(
        (
            view
            for view in ws.views.values()
            if view_id in (None, view["id"]) and external_id in (None, view["external_id"])
        ),
        None,
    )
    if current is None:
        raise SlackError("not_found")
    if text_arg(args, "hash") not in (None, current["hash"]):
        raise SlackError("hash_conflict")
    view = _view_arg(ws, args, types=(current["type"],), view_id=current["id"])
    return _store(ws, view, view_id=current["id"], root_id=current["root_view_id"])


def views_publish(ws: Workspace, args: Args) -> Args:
    user_id = text_arg(args, "user_id") or ""
    if user_id not in ws.users:
        raise SlackError("invalid_arguments", messages=["invalid `user_id`"])
    view_id = ws.homes.get(user_id) or ws.new_id("V")
    view = _view_arg(ws, args, types=("home",), view_id=view_id)
    if text_arg(args, "hash") not in (None, ws.views.get(view_id, {}).get("hash")):
        raise SlackError("hash_conflict")
    ws.homes[user_id] = view_id
    return _store(ws, view, view_id=view_id, root_id=view_id)
