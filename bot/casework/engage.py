"""Like and repost (and undo them): once each, shown on the card, refused where the tier cannot."""

from __future__ import annotations

import structlog

from bot.casework.cards import refresh_card
from bot.casework.network_writes import writer_for
from bot.domain.capabilities import rights
from bot.domain.case import Case
from bot.domain.network import network_of
from bot.domain.permissions import Person
from bot.domain.x_failures import explain_x_failure
from bot.services import Services
from bot.sources.x import XError
from bot.sources.x_write import XWriter
from bot.store.audit import AuditLog
from bot.store.rights import revoke_right, revoked_rights

log = structlog.get_logger()


def like_post(services: Services, case: Case, who: Person, *, undo: bool) -> str | None:
    """Like (or unlike) the post; returns a message for the person when it did not happen."""
    return _engage(
        services, case, who, right="like", mark="liked_by", undo=undo, done_by=case.liked_by
    )


def repost_post(services: Services, case: Case, who: Person, *, undo: bool) -> str | None:
    return _engage(
        services, case, who, right="repost", mark="reposted_by", undo=undo, done_by=case.reposted_by
    )


def _engage(
    services: Services,
    case: Case,
    who: Person,
    *,
    right: str,
    mark: str,
    undo: bool,
    done_by: str | None,
) -> str | None:
    verb = {"like": "like", "repost": "repost"}[right]
    network = network_of(case.post_id)
    tier, revoked = services.settings.x_access_tier, revoked_rights(services.redis)
    if right not in rights(tier, revoked, network.key):
        return f"This {network.name} account cannot {verb} posts through Earshot."
    if not undo and done_by:
        return f"Already done: <@{done_by}> did {verb} this post."
    if undo and not done_by:
        return f"Nothing to undo: this post has no {verb} from the brand account."
    writer = writer_for(services, case.post_id)
    problem = (
        writer.engage(case.post_id, right, undo=undo)
        if writer is not None
        else _engage_on_x(services, case, right, verb, undo)
    )
    if problem is not None:
        return problem
    services.cases.set_mark(case.post_id, mark, None if undo else who.id)
    AuditLog(services.redis).record(
        case.post_id, f"{'un' if undo else ''}{right}", who.id, who.real_name
    )
    refresh_card(services, case.post_id)
    return None


def _engage_on_x(services: Services, case: Case, right: str, verb: str, undo: bool) -> str | None:
    writer = XWriter(services.x)
    action = {
        ("like", False): writer.like,
        ("like", True): writer.unlike,
        ("repost", False): writer.repost,
        ("repost", True): writer.unrepost,
    }[(right, undo)]
    try:
        action(case.post_id)
    except XError as error:
        failure = explain_x_failure(error.kind, error.status, error.detail, error.retry_at, verb)
        if failure.revoked_right:
            revoke_right(services.redis, failure.revoked_right)
            refresh_card(services, case.post_id)
        log.warning("engage_failed", post_id=case.post_id, right=right, kind=error.kind)
        return failure.message
    return None
