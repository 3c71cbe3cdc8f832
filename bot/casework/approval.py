"""Approval mode: drafts from people outside the approvers group wait in the thread for a yes."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from slack_sdk.errors import SlackApiError

from bot.blocks.text import escape_and_truncate, mrkdwn
from bot.domain.case import Case
from bot.domain.permissions import Person
from bot.services import Services
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.connection import read_hash

log = structlog.get_logger()
APPROVAL_SECONDS = 7 * 24 * 3600


def approval_key(approval_id: str) -> str:
    return f"{keys.PREFIX}:approval:{approval_id}"


def request_approval(services: Services, case: Case, drafter: Person, text: str) -> None:
    approval_id = uuid.uuid4().hex
    services.redis.hset(
        approval_key(approval_id),
        mapping={"post_id": case.post_id, "text": text, "drafter": drafter.id},
    )
    services.redis.expire(approval_key(approval_id), APPROVAL_SECONDS)
    AuditLog(services.redis).record(
        case.post_id, "reply_drafted", drafter.id, drafter.real_name, text=text
    )
    try:
        services.slack.chat_postMessage(
            channel=case.channel,
            thread_ts=case.ts,
            text=f"Draft reply by <@{drafter.id}>",
            blocks=approval_blocks(approval_id, drafter.id, text),
        )
    except (SlackApiError, OSError) as error:
        log.warning("approval_post_failed", post_id=case.post_id, error=repr(error))


def approval_blocks(approval_id: str, drafter: str, text: str) -> list[dict[str, Any]]:
    quoted = "\n".join("> " + line for line in escape_and_truncate(text, 2800).splitlines())
    return [
        {
            "type": "section",
            "text": mrkdwn(f"Draft reply by <@{drafter}> waiting for an approver:\n{quoted}"),
        },
        {
            "type": "actions",
            "block_id": "approval",
            "elements": [
                _button("Approve", "approval_approve", approval_id, "primary"),
                _button("Edit", "approval_edit", approval_id, None),
                _button("Reject", "approval_reject", approval_id, "danger"),
            ],
        },
    ]


def _button(label: str, action_id: str, value: str, style: str | None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": label},
    }
    if style:
        button["style"] = style
    return button


def pending_approval(services: Services, approval_id: str) -> dict[str, str] | None:
    if not approval_id.isalnum():
        return None
    record = read_hash(services.redis, approval_key(approval_id))
    return record or None


def close_approval(services: Services, approval_id: str, channel: str, ts: str, note: str) -> bool:
    """Remove the pending draft (only once: False if someone else closed it first)."""
    if not services.redis.delete(approval_key(approval_id)):
        return False
    try:
        services.slack.chat_update(
            channel=channel, ts=ts, text=note, blocks=[{"type": "section", "text": mrkdwn(note)}]
        )
    except (SlackApiError, OSError) as error:
        log.warning("approval_update_failed", error=repr(error))
    return True
