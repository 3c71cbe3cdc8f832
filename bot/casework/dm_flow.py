"""Opening and checking the Move to DM modal: everything but the Slack plumbing."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from bot.blocks.dm_modal import (
    DM_TEXT_ACTION,
    DM_TEXT_BLOCK,
    NOTE_ACTION,
    NOTE_BLOCK,
    NOTE_TICK_BLOCK,
    dm_modal,
)
from bot.blocks.text import slack_time
from bot.blocks.view_state import text_value
from bot.casework.people import is_approver
from bot.casework.reply_flow import signature
from bot.casework.sending import earlier_replies
from bot.domain.capabilities import can_reply_via_api
from bot.domain.case import Case
from bot.domain.dm import DEFAULT_PUBLIC_NOTE, dm_problem
from bot.domain.mention import Mention
from bot.domain.reply import compose, draft_problem
from bot.domain.signed_metadata import sign_metadata
from bot.domain.templates import fill
from bot.services import Services
from bot.sources.x_write import DM_SEND_ENDPOINT
from bot.store.dms import DmStore
from bot.store.rights import revoked_rights

NEAR = 3  # say how many DMs are left once this few remain in X's window
APPROVAL_NOTE = (
    "In approval mode a public reply needs an approver: send the DM alone, then draft the public "
    "note with Reply."
)


def build_dm_view(
    services: Services,
    case: Case,
    mention: Mention,
    *,
    text: str | None = None,
    title: str = "Move to DM",
    source_note: str | None = None,
    offer_note: bool = True,
) -> dict[str, Any]:
    """The DM modal for the case: prefilled with `text` (default: the DM template on a post's
    case, nothing on a DM's); the public note only when moving a post's case to DM."""
    metadata = sign_metadata(
        {"purpose": "dm", "post_id": case.post_id}, services.settings.metadata_key()
    )
    tier, revoked = services.settings.x_access_tier, revoked_rights(services.redis)
    if mention.is_dm:  # the quote shows the DM itself, from the DM log
        kept = DmStore(services.redis).first_text(case.post_id)
        mention = replace(mention, text=kept or "(message no longer kept)")
    default = "" if mention.is_dm else fill(services.settings.dm_template, mention)
    return dm_modal(
        mention,
        metadata,
        dm_text=default if text is None else text,
        public_note=fill(DEFAULT_PUBLIC_NOTE, mention),
        note_allowed=offer_note and not mention.is_dm and can_reply_via_api(mention, tier, revoked),
        limit_note=dm_limit_note(services),
        title=title,
        source_note=source_note,
    )


def dm_limit_note(services: Services) -> str | None:
    """What X's DM window allows now, from the rate-limit headers of the last send; None
    while there is room (or nothing is known yet)."""
    limit = services.x.rate_limits.get(DM_SEND_ENDPOINT)
    if limit is None or limit.remaining is None or limit.reset is None:
        return None
    if limit.reset <= time.time() or limit.remaining > NEAR:
        return None
    when = slack_time(limit.reset)
    if limit.remaining == 0:
        return f"X's direct-message limit is reached: the next DM is possible at {when}."
    noun = "direct message" if limit.remaining == 1 else "direct messages"
    return f"X allows {limit.remaining} more {noun} until {when}."


def dm_form_problems(
    services: Services, case: Case, mention: Mention, user_id: str, values: dict[str, Any]
) -> tuple[str, str | None, dict[str, str]]:
    """(DM text, public note or None, inline errors by block) from a submitted form."""
    text = text_value(values, DM_TEXT_BLOCK, DM_TEXT_ACTION).strip()
    problems: dict[str, str] = {}
    problem = dm_problem(text)
    note_note = dm_limit_note(services)
    if problem is None and note_note and note_note.startswith("X's direct-message limit"):
        problem = note_note
    if problem is not None:
        problems[DM_TEXT_BLOCK] = problem
    note = _public_note(services, case, mention, user_id, values, problems)
    return text, note, problems


def _public_note(
    services: Services,
    case: Case,
    mention: Mention,
    user_id: str,
    values: dict[str, Any],
    problems: dict[str, str],
) -> str | None:
    if not _ticked(values):
        return None
    if services.settings.reply_approvers_group and not is_approver(services, user_id):
        problems[NOTE_TICK_BLOCK] = APPROVAL_NOTE
        return None
    draft = text_value(values, NOTE_BLOCK, NOTE_ACTION)
    signed = signature(services, user_id)
    problem = draft_problem(
        draft,
        handle=mention.author.username,
        signature=signed,
        earlier=earlier_replies(services, case.post_id),
    )
    if problem is not None:
        problems[NOTE_BLOCK] = problem
        return None
    return compose(draft.strip(), signed)


def _ticked(values: dict[str, Any]) -> bool:
    block = values.get(NOTE_TICK_BLOCK)
    element = block.get(NOTE_TICK_BLOCK) if isinstance(block, dict) else None
    selected = element.get("selected_options") if isinstance(element, dict) else None
    return bool(selected)
