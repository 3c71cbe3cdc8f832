"""Opening, refreshing and checking the Reply modal: everything but the Slack plumbing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.blocks.reply_modal import ReplyForm, reply_modal
from bot.casework.network_writes import length_limit
from bot.casework.people import person
from bot.casework.sending import kept_draft
from bot.domain.capabilities import can_reply_via_api, rights
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.network import is_post_id
from bot.domain.reply import signature_for
from bot.domain.signed_metadata import read_metadata, sign_metadata
from bot.services import Services
from bot.store.rights import revoked_rights
from bot.store.templates import list_templates


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """What a reply modal was opened for, as carried (signed) in its private_metadata."""

    post_id: str
    text_version: int = 0
    source_note: str | None = None
    drafted_by: str | None = None  # approval mode: the person whose draft an approver edits
    approval_id: str | None = None  # ...and that draft, which a send of the edit supersedes

    def sign(self, services: Services) -> str:
        data: dict[str, Any] = {"post_id": self.post_id, "v": self.text_version}
        if self.source_note:
            data["src"] = self.source_note[:500]
        if self.drafted_by:
            data["by"] = self.drafted_by
        if self.approval_id:
            data["ap"] = self.approval_id
        return sign_metadata(data, services.settings.metadata_key())

    @classmethod
    def read(cls, services: Services, token: str) -> ReplyContext | None:
        data = read_metadata(token, services.settings.metadata_key())
        if data is None or not is_post_id(str(data.get("post_id", ""))):
            return None
        return cls(
            post_id=str(data["post_id"]),
            text_version=int(data.get("v", 0)),
            source_note=data.get("src"),
            drafted_by=data.get("by"),
            approval_id=data.get("ap"),
        )


def signature(services: Services, user_id: str) -> str:
    template = services.settings.reply_signature
    if not template:
        return ""
    someone = person(services, user_id)
    return signature_for(someone.real_name if someone else "", template)


def claim_for_drafting(services: Services, case: Case, user_id: str) -> str | None:
    """Claim (or extend) the case for the drafter; returns someone else's id if they hold it."""
    ttl = services.settings.claim_minutes * 60
    holder = services.cases.claim(case.post_id, user_id, ttl)
    return holder if holder != user_id else None


def build_reply_view(
    services: Services,
    case: Case,
    mention: Mention,
    user_id: str,
    ctx: ReplyContext,
    draft: str | None = None,
) -> dict[str, Any]:
    tier = services.settings.x_access_tier
    revoked = revoked_rights(services.redis)
    holder = claim_for_drafting(services, case, user_id)
    if draft is None:
        draft = kept_draft(services, case.post_id, user_id) or f"@{mention.author.username} "
    form = ReplyForm(
        metadata=ctx.sign(services),
        draft=draft,
        length_limit=length_limit(services, mention),
        api_allowed=can_reply_via_api(mention, tier, revoked),
        # No X call before views.open (the trigger id lasts 3 s): `serve` resolves the handle
        # in the background at start; until then the modal names the account generically.
        brand=known.username if (known := services.x.known_me()) else "",
        signature=signature(services, user_id),
        claimed_by_other=holder,
        claimed_since=case.claimed_at if holder == case.claimed_by else None,
        can_like="like" in rights(tier, revoked, mention.network.key),
        templates=list_templates(services.redis),
        text_version=ctx.text_version,
        source_note=ctx.source_note,
        # The helper read the case's own post: a follow-up's Reply gets no stale suggestion.
        suggestion=case.ai_draft if mention.post_id == case.post_id else None,
    )
    return reply_modal(mention, case, form)
