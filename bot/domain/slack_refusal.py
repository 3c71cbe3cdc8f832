"""What a Slack Web API error on chat.postMessage means for a card: pure.

Sorted from Slack's method pages (tests/contracts/slack/methods/chat.postMessage.json and the
errors every method shares): some refuse this one message for good, some say the channel or the
token needs a person, some say Slack itself is struggling and the post may even have happened.
"""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    RATE_LIMITED = "rate_limited"  # HTTP 429: wait Retry-After, then post again
    IN_DOUBT = "in_doubt"  # Slack failed mid-way: the message may exist; look before posting
    BUSY = "busy"  # Slack or the workspace refuses for now: nothing posted, try again later
    CHANNEL = "channel"  # the channel is unusable until a person fixes it
    AUTH = "auth"  # the token is refused until a person fixes it
    ITEM = "item"  # this message can never be posted as it is: retrying cannot help
    UNKNOWN = "unknown"  # not on Slack's list: retried a few times, then given up


ITEM_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "no_text",
        "invalid_arguments",
        "invalid_arg_name",
        "invalid_array_arg",
        "invalid_attachments",
        "too_many_attachments",
        "attachment_payload_limit_exceeded",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "markdown_text_conflict",
        "invalid_charset",
        "invalid_form_data",
        "invalid_post_type",
        "missing_post_type",
        "json_not_object",
        "invalid_json",
    }
)
CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "ekm_access_denied",
        "team_not_found",
    }
)
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "no_permission",
        "not_allowed_token_type",
        "app_access_restricted",
        "access_denied",
    }
)
# "It's possible some aspect of the operation succeeded before the error was raised."
IN_DOUBT_ERRORS = frozenset(
    {"fatal_error", "internal_error", "request_timeout", "service_unavailable"}
)
BUSY_ERRORS = frozenset(
    {"ratelimited", "rate_limited", "message_limit_exceeded", "team_added_to_org", "accesslimited"}
)


def classify(status: int, code: str) -> Refusal:
    if status == 429:
        return Refusal.RATE_LIMITED
    for refusal, codes in (
        (Refusal.ITEM, ITEM_ERRORS),
        (Refusal.CHANNEL, CHANNEL_ERRORS),
        (Refusal.AUTH, AUTH_ERRORS),
        (Refusal.IN_DOUBT, IN_DOUBT_ERRORS),
        (Refusal.BUSY, BUSY_ERRORS),
    ):
        if code in codes:
            return refusal
    if status >= 500:
        return Refusal.IN_DOUBT
    return Refusal.UNKNOWN
