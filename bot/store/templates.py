"""Reply templates in Redis: one hash of id -> JSON; ids never reused; no save can clobber another.

Saves run as Lua scripts so the limit, the unique title and the edit-version check hold under
concurrent edits: an edit made from a stale form is refused instead of overwriting newer text.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal, cast

import redis

from bot.domain.templates import Template
from bot.store import keys

MAX_TEMPLATES = 24  # the list is one ephemeral message: 2 blocks each within Slack's 50

SaveOutcome = Literal["saved", "full", "duplicate", "gone", "conflict"]

_ADD = """
if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[1]) then return {'full', ''} end
for _, raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local other = cjson.decode(raw)
  if other.title_key == ARGV[3] then return {'duplicate', other.id} end
end
local id = 't' .. redis.call('INCR', KEYS[2])
local template = cjson.decode(ARGV[2])
template.id = id
template.version = 1
redis.call('HSET', KEYS[1], id, cjson.encode(template))
return {'saved', id}
"""

_UPDATE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return {'gone', ''} end
local current = cjson.decode(raw)
if tostring(current.version) ~= ARGV[2] then return {'conflict', ''} end
for _, other_raw in ipairs(redis.call('HVALS', KEYS[1])) do
  local other = cjson.decode(other_raw)
  if other.id ~= ARGV[1] and other.title_key == ARGV[4] then return {'duplicate', other.id} end
end
local template = cjson.decode(ARGV[3])
template.id = ARGV[1]
template.version = current.version + 1
template.created_by = current.created_by
template.created_at = current.created_at
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(template))
return {'saved', ARGV[1]}
"""


@dataclass(frozen=True, slots=True)
class StoredTemplate:
    """A template with what the editor needs: its version (for stale-form checks) and history."""

    template: Template
    version: int
    updated_by: str
    updated_at: float


class TemplateStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._add = client.register_script(_ADD)
        self._update = client.register_script(_UPDATE)

    def all(self) -> list[StoredTemplate]:
        """Every template, oldest first (ids are t1, t2, … in creation order)."""
        raw = cast(dict[str, str], self.client.hgetall(keys.TEMPLATES))
        found = [_parse(value) for value in raw.values()]
        stored = [item for item in found if item is not None]
        return sorted(stored, key=lambda item: _order(item.template.id))

    def get(self, template_id: str) -> StoredTemplate | None:
        raw = self.client.hget(keys.TEMPLATES, template_id)
        return _parse(str(raw)) if raw else None

    def add(self, title: str, text: str, by: str) -> tuple[SaveOutcome, str]:
        """("saved", new id) or ("full" | "duplicate", the clashing id or "")."""
        record = _record(title, text, by)
        record["created_by"], record["created_at"] = by, record["updated_at"]
        args: list[str | int] = [MAX_TEMPLATES, json.dumps(record), _title_key(title)]
        result = self._add(keys=[keys.TEMPLATES, keys.TEMPLATE_SEQ], args=args)
        return _outcome(result)

    def update(
        self, template_id: str, version: int, title: str, text: str, by: str
    ) -> tuple[SaveOutcome, str]:
        """Save an edit made on `version`; ("gone"|"conflict"|"duplicate", …) changes nothing."""
        args = [template_id, str(version), json.dumps(_record(title, text, by)), _title_key(title)]
        result = self._update(keys=[keys.TEMPLATES], args=args)
        return _outcome(result)

    def remove(self, template_id: str) -> bool:
        return bool(self.client.hdel(keys.TEMPLATES, template_id))


def list_templates(client: redis.Redis) -> list[Template]:
    """The templates people can pick in the reply modal, oldest first."""
    return [item.template for item in TemplateStore(client).all()]


def get_template(client: redis.Redis, template_id: str) -> Template | None:
    """One template by id (None when it was removed or never existed)."""
    found = TemplateStore(client).get(template_id)
    return found.template if found else None


def _record(title: str, text: str, by: str) -> dict[str, Any]:
    return {
        "title": title.strip(),
        "title_key": _title_key(title),
        "text": text.strip(),
        "updated_by": by,
        "updated_at": round(time.time(), 3),
    }


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def _parse(raw: str) -> StoredTemplate | None:
    try:
        data = json.loads(raw)
        template = Template(
            id=str(data["id"]),
            title=str(data["title"]),
            text=str(data["text"]),
            created_by=str(data.get("created_by") or ""),
        )
        return StoredTemplate(
            template=template,
            version=int(data.get("version") or 1),
            updated_by=str(data.get("updated_by") or ""),
            updated_at=float(data.get("updated_at") or 0),
        )
    except (ValueError, KeyError, TypeError):
        return None  # a damaged record is skipped, never rewritten


def _order(template_id: str) -> tuple[int, str]:
    digits = template_id.lstrip("t")
    return (int(digits), template_id) if digits.isdigit() else (1 << 62, template_id)


def _outcome(result: Any) -> tuple[SaveOutcome, str]:
    status, detail = (str(part) for part in result)
    return cast(SaveOutcome, status), detail
