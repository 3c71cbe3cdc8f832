"""Which actions a card offers: case state, the X account's tier, and rights X took away."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from bot.domain.case import ANSWERED, Case, CaseStatus
from bot.domain.mention import Mention
from bot.domain.network import BLUESKY, MASTODON, X

Tier = Literal["self-serve", "enterprise"]


class Action(StrEnum):
    REPLY = "reply"
    CLAIM = "claim"
    ESCALATE = "escalate"
    LIKE = "like"
    UNLIKE = "unlike"
    REPOST = "repost"
    UNREPOST = "unrepost"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    MOVE_TO_DM = "move_to_dm"
    REPLY_IN_DM = "reply_in_dm"
    MUTE_AUTHOR = "mute_author"
    UNMUTE_AUTHOR = "unmute_author"
    OPEN_THREAD = "open_thread"  # a grouped case: post its own card, to talk in its thread


LABELS: dict[Action, str] = {
    Action.REPLY: "Reply",
    Action.CLAIM: "Claim",
    Action.ESCALATE: "Escalate",
    Action.LIKE: "Like",
    Action.UNLIKE: "Unlike",
    Action.REPOST: "Repost",
    Action.UNREPOST: "Undo repost",
    Action.RESOLVE: "Resolve",
    Action.REOPEN: "Reopen",
    Action.MOVE_TO_DM: "Move to DM",
    Action.REPLY_IN_DM: "Reply in DM",
    Action.MUTE_AUTHOR: "Mute author 24 h",
    Action.UNMUTE_AUTHOR: "Unmute author",
    Action.OPEN_THREAD: "Thread",
}

# X rights per tier (contracts/x/docs/changelog.mdx: self-serve lost likes and quote posts on
# 2026-04-20; since 2026-02-23 it may reply only to posts that mention or quote the account).
TIER_RIGHTS: dict[str, frozenset[str]] = {
    "self-serve": frozenset({"reply", "repost", "dm"}),
    "enterprise": frozenset({"reply", "reply_unsummoned", "like", "repost", "quote", "dm"}),
}


# Other networks have no paid tiers and no reply rule: any post may be answered. Direct
# messages there are not built yet, so Move to DM is not offered.
NETWORK_RIGHTS: dict[str, frozenset[str]] = {
    BLUESKY: frozenset({"reply", "reply_unsummoned", "like", "repost"}),
    MASTODON: frozenset({"reply", "reply_unsummoned", "like", "repost"}),  # favourite, boost
}


def rights(tier: str, revoked: frozenset[str] = frozenset(), network: str = X) -> frozenset[str]:
    """What the account may do: its tier's rights (X) or its network's, minus those a 403
    showed it lacks (X's `revoked` never applies to another network)."""
    if network != X:
        return NETWORK_RIGHTS.get(network, frozenset())
    return TIER_RIGHTS.get(tier, TIER_RIGHTS["self-serve"]) - revoked


def can_reply_via_api(mention: Mention, tier: str, revoked: frozenset[str] = frozenset()) -> bool:
    allowed = rights(tier, revoked, mention.network.key)
    if "reply" not in allowed:
        return False
    return mention.summons_us or "reply_unsummoned" in allowed


def card_actions(
    case: Case | None,
    tier: str,
    revoked: frozenset[str] = frozenset(),
    *,
    dm: bool = False,
    network: str = X,
    shareable: bool = True,
) -> list[Action]:
    """The buttons a card shows, in order. Only what works: an action the tier lacks is absent.

    Reply is always offered while a case is open: when X will not take an API reply, the reply
    modal says so and offers the manual path instead. A case shown in a group message has no
    thread of its own yet: Thread gives it one.
    """
    actions = _state_actions(case, tier, revoked, dm=dm, network=network)
    if not shareable:  # a private or direct status (Mastodon) cannot be boosted
        actions = [a for a in actions if a not in (Action.REPOST, Action.UNREPOST)]
    return [*actions, Action.OPEN_THREAD] if case is not None and case.grouped else actions


def _state_actions(
    case: Case | None, tier: str, revoked: frozenset[str], *, dm: bool, network: str
) -> list[Action]:
    status = case.status if case is not None else CaseStatus.NEW
    if status is CaseStatus.RESOLVED:
        return [Action.REOPEN]
    if dm:  # a direct message: answered in private only, nothing to like or repost
        answer = [Action.REPLY_IN_DM] if "dm" in rights(tier, revoked) else []
        claim = [Action.CLAIM] if status not in ANSWERED else []
        return [*answer, *claim, Action.ESCALATE, Action.RESOLVE]
    if status is CaseStatus.DELETED:
        return [Action.RESOLVE]  # nothing to answer or like any more; it can still be closed
    allowed = rights(tier, revoked, network)
    actions = [Action.REPLY]
    if status not in ANSWERED:
        actions.append(Action.CLAIM)
    actions.append(Action.ESCALATE)
    if "like" in allowed:
        actions.append(Action.UNLIKE if case and case.liked_by else Action.LIKE)
    if "repost" in allowed:
        actions.append(Action.UNREPOST if case and case.reposted_by else Action.REPOST)
    if "dm" in allowed:
        actions.append(Action.MOVE_TO_DM)
    actions.append(Action.RESOLVE)
    actions.append(Action.UNMUTE_AUTHOR if case and case.muted_by else Action.MUTE_AUTHOR)
    return actions
