"""Saving the template modal: checked and stored before the ack (Redis and cached Slack lookups
only), so any problem is shown inline and the person's text stays in the form; nothing stored is
overwritten by a bad or stale save."""

from __future__ import annotations

import re
from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext

from bot.app import guarded
from bot.blocks.notice import notice_view
from bot.blocks.templates import (
    TEMPLATE_CALLBACK,
    TEXT_ACTION,
    TEXT_BLOCK,
    TITLE_ACTION,
    TITLE_BLOCK,
)
from bot.blocks.view_state import state_values, text_value
from bot.casework.notices import TAMPERED_FORM
from bot.casework.staff import acting_person, acting_person_cached
from bot.casework.template_list import show_template_list
from bot.domain.templates import template_problem
from bot.services import Services
from bot.store.templates import MAX_TEMPLATES, SaveOutcome, TemplateStore
from handlers import payload

log = structlog.get_logger()
WHAT = "change the reply templates"

_TEMPLATE_ID = re.compile(r"^t\d{1,12}$")

REFUSALS: dict[SaveOutcome, tuple[str, str]] = {
    "full": (TITLE_BLOCK, f"There are already {MAX_TEMPLATES} templates: remove one first."),
    "duplicate": (TITLE_BLOCK, "Another template already has this title: choose another."),
    "gone": (
        TITLE_BLOCK,
        "Someone removed this template meanwhile. Copy your text, close, and add it again.",
    ),
    "conflict": (
        TEXT_BLOCK,
        "Someone changed this template since you opened it. Copy your text, close, and edit "
        "it again so their change is not lost.",
    ),
}


def _target(data: dict[str, Any] | None) -> tuple[str | None, int] | None:
    """(template id or None for a new one, its version) from valid metadata; None otherwise."""
    if data is None:
        return None
    template_id, version = data.get("id"), data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        return None
    if template_id is None:
        return None, 0
    if isinstance(template_id, str) and _TEMPLATE_ID.match(template_id) and version >= 1:
        return template_id, version
    return None


def submit_template(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    services: Services = context["services"]
    view, user = body.get("view"), payload.user_id(body)
    data = payload.form_metadata(services, view, "template")
    target = _target(data)
    if data is None or target is None:
        log.warning("template_refused_bad_metadata", user=user)
        ack(response_action="update", view=notice_view("Not saved", TAMPERED_FORM))
        return
    values = state_values(view)
    title = text_value(values, TITLE_BLOCK, TITLE_ACTION).strip()
    text = text_value(values, TEXT_BLOCK, TEXT_ACTION).strip()
    problem = template_problem(title, text)
    if problem is not None:
        ack(response_action="errors", errors={problem[0]: problem[1]})
        return
    channel = data.get("channel") if isinstance(data.get("channel"), str) else None
    checked = acting_person_cached(services, user, WHAT)
    if checked is None:
        # Who this is needs a Slack call: ack first, then decide, and answer in the list (the
        # person's text goes back with any refusal, so nothing typed is lost).
        ack()
        _who, refusal = acting_person(services, user, WHAT)
        problem = (TITLE_BLOCK, refusal) if refusal else _save(services, target, title, text, user)
        notice = f"Saved “{title}”." if problem is None else f"Not saved: {problem[1]}\n>{text}"
        show_template_list(services, channel, user, notice=notice)
        return
    if checked[1] is not None:
        ack(response_action="errors", errors={TITLE_BLOCK: checked[1]})
        return
    problem = _save(services, target, title, text, user)
    if problem is not None:
        ack(response_action="errors", errors={problem[0]: problem[1]})
        return
    ack()
    show_template_list(services, channel, user, notice=f"Saved “{title}”.")


def _save(
    services: Services, target: tuple[str | None, int], title: str, text: str, user: str
) -> tuple[str, str] | None:
    """Store the template (Redis only); None when saved, else (block, why not)."""
    store = TemplateStore(services.redis)
    template_id, version = target
    if template_id is None:
        outcome, detail = store.add(title, text, user)
    else:
        outcome, detail = store.update(template_id, version, title, text, user)
    if outcome != "saved":
        return REFUSALS[outcome]
    log.info("template_saved", template=template_id or detail, user=user)
    return None


def register(app: App) -> None:
    app.view(TEMPLATE_CALLBACK)(guarded(submit_template))
