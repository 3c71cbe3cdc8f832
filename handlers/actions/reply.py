"""Reply button and the live parts of the Reply modal (count as you type, template picker)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import structlog
from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.app import guarded
from bot.blocks.reply_modal import SUGGESTION_ACTION, TEMPLATE_ACTION, TEXT_ACTION
from bot.casework.cards import load_reply_target, refresh_card
from bot.casework.notices import tell_person
from bot.casework.people import refusal_to_send
from bot.casework.reply_flow import ReplyContext, build_reply_view
from bot.domain.case import Case
from bot.domain.mention import Mention
from bot.domain.templates import fill
from bot.services import Services
from bot.store.templates import get_template

log = structlog.get_logger()

DM_CASE = (
    "This case is a direct message: it is answered in private, with Reply in DM, never with a "
    "public reply."
)
UNKNOWN_CASE = (
    "Earshot does not know this mention (it may be older than its records). Nothing was sent."
)


def open_reply_modal(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    services: Services = context["services"]
    post_id = str(body["actions"][0].get("value", ""))
    user_id = body["user"]["id"]
    open_for(services, client, body, post_id, user_id, ReplyContext(post_id))


def open_for(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    post_id: str,
    user_id: str,
    ctx: ReplyContext,
    draft: str | None = None,
) -> None:
    """Open the Reply modal for `post_id` (a case's post or a follow-up in its thread), or tell
    the person why not (ephemeral)."""
    found = load_reply_target(services, post_id)
    if found is None:
        tell(services, body, user_id, UNKNOWN_CASE)
        return
    if found[1].is_dm:
        tell(services, body, user_id, DM_CASE)
        return
    refusal = refusal_to_send(services, user_id)
    if refusal is not None:
        tell(services, body, user_id, refusal)
        return
    case, mention = found
    view = build_reply_view(services, case, mention, user_id, ctx, draft)
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    except SlackApiError as error:
        log.warning("reply_modal_open_failed", post_id=post_id, error=error.response.get("error"))
        tell(
            services,
            body,
            user_id,
            "Slack did not open the reply window in time; press Reply again.",
        )
        return
    if case.claimed_by is None:
        refresh_card(services, case.post_id)  # opening Reply claimed it: everyone sees who drafts


def on_draft_changed(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Update the weighted count (and the Open-in-X link) as the person types."""
    ack()
    services: Services = context["services"]
    draft = str(body["actions"][0].get("value") or "")
    target = _modal_target(services, body)
    if target is not None:
        _update_modal(services, client, body, target, draft, bump=False)


def on_template_chosen(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    services: Services = context["services"]
    option = body["actions"][0].get("selected_option")
    template_id = str(option.get("value", "")) if isinstance(option, dict) else ""
    template = get_template(services.redis, template_id)
    # Only the modal has a template picker; anything else sending this action is not it.
    target = _modal_target(services, body)
    if template is None or target is None:
        return
    _update_modal(services, client, body, target, fill(template.text, target[2]), bump=True)


def on_suggestion_used(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Use suggestion: the AI helper's draft goes into the reply text, still to be read, edited
    and sent (or not) by the person."""
    ack()
    services: Services = context["services"]
    target = _modal_target(services, body)
    if target is None:
        return
    _ctx, case, mention = target
    if not case.ai_draft or mention.post_id != case.post_id:
        return  # nothing to use (or not from our modal): the modal stays as it is
    draft = f"@{mention.author.username} {case.ai_draft}"
    _update_modal(services, client, body, target, draft, bump=True)


ModalTarget = tuple[ReplyContext, Case, Mention]


def _modal_target(services: Services, body: dict[str, Any]) -> ModalTarget | None:
    """The Reply modal's signed context and the case and post it answers; None when tampered
    with or unknown (the modal stays as it is; submitting it will refuse)."""
    view = body.get("view") or {}
    ctx = ReplyContext.read(services, str(view.get("private_metadata", "")))
    found = load_reply_target(services, ctx.post_id) if ctx else None
    return (ctx, *found) if ctx is not None and found is not None else None


def _update_modal(
    services: Services,
    client: WebClient,
    body: dict[str, Any],
    target: ModalTarget,
    draft: str,
    *,
    bump: bool,
) -> None:
    view = body.get("view") or {}
    ctx, case, mention = target
    if bump:
        ctx = replace(ctx, text_version=ctx.text_version + 1)
    new_view = build_reply_view(services, case, mention, body["user"]["id"], ctx, draft)
    try:
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=new_view)
    except SlackApiError as error:  # hash_conflict: a newer keystroke already updated it
        log.info("reply_modal_update_skipped", error=error.response.get("error"))


def acknowledge_link(ack: Ack) -> None:
    ack()  # "Open in X" is a link button: Slack still reports the click


def tell(
    services: Services,
    body: dict[str, Any],
    user_id: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """An ephemeral message to the acting person, in the channel they acted from (falling back
    to the interaction's response_url where Earshot cannot post)."""
    channel = (body.get("channel") or {}).get("id") or services.settings.slack_mentions_channel
    tell_person(
        services, channel, user_id, text, blocks=blocks, response_url=body.get("response_url")
    )


def register(app: App) -> None:
    app.action("reply")(guarded(open_reply_modal))
    app.action(TEXT_ACTION)(guarded(on_draft_changed))
    app.action(TEMPLATE_ACTION)(guarded(on_template_chosen))
    app.action(SUGGESTION_ACTION)(guarded(on_suggestion_used))
    app.action("reply_open_in_x")(guarded(acknowledge_link))
