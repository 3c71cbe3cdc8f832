"""Drafts waiting for an approver: one record each, whose state changes in one atomic step.

pending → sending → sent | superseded (an approver edited it and sent the edit), or
pending → rejected. `sending` holds the draft while one approver's send is in flight, so an
Approve, Edit or Reject pressed meanwhile by anyone else changes nothing.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

import redis

from bot.store import keys
from bot.store.connection import read_hash

APPROVAL_SECONDS = 7 * 24 * 3600
STALE_SENDING_SECONDS = 300  # a send that died mid-flight gives the draft back after this


class ApprovalState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


FINAL = frozenset({ApprovalState.SENT, ApprovalState.REJECTED, ApprovalState.SUPERSEDED})

# Move to ARGV[1] only from one of ARGV[5..]; returns {moved, state before} (false: no record).
_MOVE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local state = redis.call('HGET', KEYS[1], 'state') or 'pending'
local since = tonumber(redis.call('HGET', KEYS[1], 'state_at') or '0')
if state == 'sending' and since + tonumber(ARGV[4]) < tonumber(ARGV[3]) then
  state = 'pending'
end
for i = 5, #ARGV do
  if ARGV[i] == state then
    redis.call('HSET', KEYS[1], 'state', ARGV[1], 'state_by', ARGV[2], 'state_at', ARGV[3])
    return {1, state}
  end
end
return {0, state}
"""


@dataclass(frozen=True, slots=True)
class Approval:
    id: str
    post_id: str
    text: str
    drafter: str
    state: ApprovalState
    state_by: str | None = None
    channel: str | None = None  # where the Approve / Edit / Reject message is
    ts: str | None = None


def approval_key(approval_id: str) -> str:
    return f"{keys.PREFIX}:approval:{approval_id}"


class ApprovalStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self._move = client.register_script(_MOVE)

    def create(self, post_id: str, text: str, drafter: str) -> str:
        approval_id = uuid.uuid4().hex
        key = approval_key(approval_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "post_id": post_id,
                    "text": text,
                    "drafter": drafter,
                    "state": ApprovalState.PENDING.value,
                    "state_at": repr(time.time()),
                },
            )
            pipe.expire(key, APPROVAL_SECONDS)
            pipe.execute()
        return approval_id

    def set_message(self, approval_id: str, channel: str, ts: str) -> None:
        self.client.hset(approval_key(approval_id), mapping={"channel": channel, "ts": ts})

    def get(self, approval_id: str) -> Approval | None:
        if not approval_id.isalnum():
            return None
        raw = read_hash(self.client, approval_key(approval_id))
        if not raw or "post_id" not in raw:
            return None
        state = ApprovalState(raw.get("state") or ApprovalState.PENDING.value)
        since = float(raw.get("state_at") or 0)
        if state is ApprovalState.SENDING and since + STALE_SENDING_SECONDS < time.time():
            state = ApprovalState.PENDING
        return Approval(
            id=approval_id,
            post_id=raw["post_id"],
            text=raw.get("text", ""),
            drafter=raw.get("drafter", ""),
            state=state,
            state_by=raw.get("state_by") or None,
            channel=raw.get("channel") or None,
            ts=raw.get("ts") or None,
        )

    def move(
        self,
        approval_id: str,
        to: ApprovalState,
        by: str,
        allowed_from: Collection[ApprovalState],
    ) -> tuple[bool, ApprovalState | None]:
        """Change the state only from one of `allowed_from`, atomically: of two approvers
        pressing at once exactly one moves it. Returns (moved, the state before)."""
        result = self._move(
            keys=[approval_key(approval_id)],
            args=[
                to.value,
                by,
                repr(time.time()),
                STALE_SENDING_SECONDS,
                *(state.value for state in allowed_from),
            ],
        )
        if not result:
            return False, None
        moved, before = result
        return bool(int(moved)), ApprovalState(str(before))
