"""The audit trail of one post as `/earshot audit` shows it: who did what, when, with what text."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.blocks.text import escape_and_truncate, escape_mrkdwn, mrkdwn, slack_date
from bot.domain.mention import Mention

SECTION_BUDGET = 2900  # under Slack's 3,000 per section text
TOTAL_BUDGET = 10_500  # under the ~12,000 characters of text a message's blocks may hold
MAX_SECTIONS = 40  # under 50 blocks per message
TEXT_LIMIT = 600
DETAIL_LIMIT = 200
MAX_DETAILS = 8
_BASE_KEYS = frozenset({"at", "action", "user_id", "user_name", "post_id"})


def audit_trail(
    post_id: str, entries: Sequence[dict[str, Any]], mention: Mention | None
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks): oldest first; when too long, the newest entries are kept."""
    url = mention.url if mention else f"https://x.com/i/status/{post_id}"
    noun = "entry" if len(entries) == 1 else "entries"
    head = f"*Audit trail* of <{escape_mrkdwn(url)}|post {escape_mrkdwn(post_id)}>"
    if mention is not None:
        head += f" by @{escape_mrkdwn(mention.author.username)}"
    head += f": {len(entries)} {noun}."
    if not entries:
        head += " Nobody has acted on it through Earshot yet."
    lines = [entry_line(entry) for entry in entries]
    sections, shown = _pack(lines)
    blocks: list[dict[str, Any]] = [{"type": "section", "text": mrkdwn(head)}]
    if shown < len(lines):
        hidden = len(lines) - shown
        note = f"{hidden} earlier {'entry' if hidden == 1 else 'entries'} not shown."
        blocks.append({"type": "context", "elements": [mrkdwn(note)]})
    blocks += [{"type": "section", "text": mrkdwn(text)} for text in sections]
    return f"Audit trail of post {post_id}: {len(entries)} {noun}", blocks


def entry_line(entry: dict[str, Any]) -> str:
    """One line: when, what, who (name and Slack id), then the details (reply, text, reason…)."""
    when = _when(entry.get("at"))
    action = escape_and_truncate(str(entry.get("action", "?")).replace("_", " "), 60)
    user_id = escape_mrkdwn(str(entry.get("user_id", "")))
    name = escape_and_truncate(str(entry.get("user_name") or "unknown"), 100)
    who = f"{name} (`{user_id}`)" if user_id else name
    parts = [f"{when} *{action}* by {who}"]
    details = [(k, v) for k, v in entry.items() if k not in _BASE_KEYS and v not in (None, "")]
    parts += [_detail(str(key), value) for key, value in details[:MAX_DETAILS]]
    return "• " + " · ".join(parts)


def _when(at: Any) -> str:
    try:
        return slack_date(datetime.fromtimestamp(float(at), UTC))
    except (TypeError, ValueError, OverflowError, OSError):
        return "(time unknown)"


def _detail(key: str, value: Any) -> str:
    label = escape_and_truncate(key.replace("_", " "), 40)
    if key == "reply_id":
        reply = escape_mrkdwn(str(value))
        return f"reply <https://x.com/i/status/{reply}|{reply}>"
    if key == "text":
        return f"text: “{escape_and_truncate(str(value), TEXT_LIMIT)}”"
    return f"{label}: {escape_and_truncate(str(value), DETAIL_LIMIT)}"


def _pack(lines: list[str]) -> tuple[list[str], int]:
    """The newest lines that fit, packed into sections, in their original order."""
    sections: list[list[str]] = []
    size, total, kept = 0, 0, 0
    for line in reversed(lines):
        if total + len(line) + 1 > TOTAL_BUDGET:
            break
        if not sections or size + len(line) + 1 > SECTION_BUDGET:
            if len(sections) >= MAX_SECTIONS:
                break
            sections.append([])
            size = 0
        sections[-1].append(line)
        size += len(line) + 1
        total += len(line) + 1
        kept += 1
    return ["\n".join(reversed(chunk)) for chunk in reversed(sections)], kept
