"""What a failed X write means for a person, in plain words, and what Earshot should do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class Failure:
    message: str  # shown to the person; never contains a secret
    retryable: bool = False  # 5xx / timeout: worth an automatic retry with backoff
    revoked_right: str | None = None  # a 403 showed the account lacks this right
    duplicate: bool = False  # X already has this exact text from us
    target_gone: bool = False  # the post was deleted (or hidden from us): nothing to answer


def explain_x_failure(
    kind: str, status: int | None, detail: str, retry_at: float | None, action: str = "reply"
) -> Failure:
    """Map an X error (kind/status/detail as classified by bot.sources.x) to a Failure."""
    lowered = detail.lower()
    if kind == "rate_limited":
        when = _clock(retry_at) if retry_at else "in about 15 minutes"
        return Failure(f"X is rate limiting Earshot right now; you can try again at {when}.")
    if kind == "unauthorized":
        return Failure(
            "X rejected Earshot's credentials (401). An admin needs to check the "
            "X keys and tokens; nothing was posted."
        )
    if kind == "forbidden" and "duplicate" in lowered:
        return Failure(
            "X refused it as a duplicate: the account already posted exactly this "
            "text. Change the wording and send again.",
            duplicate=True,
        )
    if kind in ("forbidden", "bad_request") and _gone(lowered):
        return Failure(
            "X says the post was deleted (or is no longer visible to the brand account), so "
            "there is nothing to answer; the card now says so.",
            target_gone=True,
        )
    if (
        kind == "forbidden"
        and ("not allowed" in lowered or "mentioned" in lowered)
        and action == "reply"
    ):
        return Failure(
            "X does not allow an API reply to this post: its author did not mention "
            "or quote our account. Use “Open in X” to answer by hand.",
            revoked_right=None,
        )
    if kind == "forbidden":
        return Failure(
            f"X does not let this account {action} through the API on its current "
            "access tier, so the button is now hidden.",
            revoked_right=action,
        )
    if kind in ("server", "network"):
        return Failure(
            "X did not answer properly (it may be down or slow). Your draft is kept; "
            "try again in a few minutes.",
            retryable=True,
        )
    return Failure(f"X refused the request ({status or kind}): {detail[:200]}")


def _clock(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return f"<!date^{int(epoch)}^{{time}}|{moment:%H:%M} UTC>"


def _gone(detail: str) -> bool:
    """X's words for a post that no longer exists (a reply to it, or a like of it)."""
    return "deleted or not visible" in detail or "could not find tweet" in detail
