"""What the own-timeline poll finds: replies made in X's own app, and replies that were in doubt.

A post of ours that replies to a case's post (or a follow-up, or one of our replies) and that
Earshot did not record is either a reply whose outcome was unknown (same post, same text: it is
settled as sent) or a reply made outside Earshot: the card then says *Replied on X* with a link,
the SLA clock stops at the time of that post, and the audit trail says "replied outside
Earshot". Each post is handled once, whichever worker and however often the poll reads it.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from bot.casework.cards import load_reply_target, refresh_card, say_in_thread
from bot.casework.people import person
from bot.casework.sending import DOUBT_SECONDS, keep_draft, record_settled_reply, reply_url
from bot.domain.case import CaseStatus
from bot.domain.permissions import Person
from bot.domain.reply import same_reply_text
from bot.pipeline.own_poll import HandleLater, OwnTimelinePoller
from bot.services import Services
from bot.sources.x_parse import OwnPost
from bot.store import keys
from bot.store.audit import AuditLog
from bot.store.doubts import Doubt, doubt_about, doubts_older_than, settle
from bot.store.sla import stop_case_clock

log = structlog.get_logger()

OUTSIDE = "(on X)"  # who the SLA figures name for a reply typed in X's own app


class OwnReplies:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.client = services.redis

    def handle(self, posts: Sequence[OwnPost]) -> None:
        for post in posts:
            if post.replied_to:
                self._reply(post, post.replied_to)

    def _reply(self, post: OwnPost, target: str) -> None:
        doubt = doubt_about(self.client, target)
        if doubt is not None and same_reply_text(doubt.text, post.text):
            self._settle_sent(doubt, post)
            return
        if self.client.exists(keys.thread_of(post.id)):
            return  # sent from Earshot (or handled by an earlier round)
        case_id = self.client.get(keys.thread_of(target))
        if not case_id:
            return  # a reply to a post that is no case of ours
        if self.client.exists(keys.sending(str(case_id))):
            raise HandleLater(post.id)  # Earshot's own send may be recording this very post
        keep = self.services.cases.retention.case_seconds
        if not self.client.set(keys.thread_of(post.id), str(case_id), nx=True, ex=keep):
            return
        self._record_outside(str(case_id), target, post)

    def _record_outside(self, case_id: str, target: str, post: OwnPost) -> None:
        found = self.services.cases.get(case_id)
        if found is None:
            return
        case, first = found
        known = self.services.x.known_me()
        url = reply_url(known.username if known else None, post.id, first)
        self.services.cases.set_status(case_id, CaseStatus.REPLIED_ON_X, None, url)
        details = {"reply_id": post.id, "text": post.text, "in_reply_to": target}
        AuditLog(self.client).record(
            case_id, "replied_outside_earshot", "", "the brand account on X", **details
        )
        stop_case_clock(self.client, case_id, "replied", by=OUTSIDE, at=post.created_at.timestamp())
        self.services.cases.release_claim(case_id)
        refresh_card(self.services, case_id)
        say_in_thread(self.services, case, f"Replied on X, outside Earshot: <{url}|view the reply>")
        log.info("reply_seen_outside_earshot", post_id=case_id, reply_id=post.id)

    def _settle_sent(self, doubt: Doubt, post: OwnPost) -> None:
        found = load_reply_target(self.services, doubt.target)
        sender = self._sender(doubt)
        if not settle(self.client, doubt, post.id) or found is None:
            return
        case, target = found
        keep = self.services.cases.retention.case_seconds
        self.client.set(keys.thread_of(post.id), case.post_id, ex=keep)
        if doubt.kind == "autoreply":  # no person answered: the case and its clock stay open
            AuditLog(self.client).record(
                case.post_id, "autoreply_sent", sender.id, "", reply_id=post.id, text=doubt.text
            )
            say_in_thread(self.services, case, "The out-of-hours auto-reply is on X after all.")
        else:
            record_settled_reply(self.services, case, target, doubt.text, sender, post.id)
        log.info("reply_doubt_settled", post_id=case.post_id, reply_id=post.id, sent=True)

    def expire_doubts(self) -> None:
        """After a successful round: a reply in doubt for DOUBT_SECONDS that the timeline never
        showed did not go out. Its draft is freed and kept, and the sender is told in the
        thread."""
        now = self.services.clock()
        for target in doubts_older_than(self.client, now - DOUBT_SECONDS):
            doubt = doubt_about(self.client, target)
            if doubt is None or not settle(self.client, doubt, None):
                continue
            AuditLog(self.client).record(
                doubt.case_id, f"{doubt.kind}_not_sent", doubt.sender_id, "", text=doubt.text
            )
            found = self.services.cases.get(doubt.case_id)
            if doubt.kind == "autoreply":
                said = "The out-of-hours auto-reply did not reach X after all: a person needs to "
                said += "answer this post."
            else:
                keep_draft(self.services, doubt.case_id, doubt.sender_id, doubt.text)
                said = f"<@{doubt.sender_id}> your reply did not reach X after all (its timeline "
                said += "does not show it). The draft is kept: press Reply to send it again."
            if found is not None:
                say_in_thread(self.services, found[0], said)
            log.info("reply_doubt_settled", post_id=doubt.case_id, sent=False)

    def _sender(self, doubt: Doubt) -> Person:
        try:
            found = person(self.services, doubt.sender_id)
        except Exception:  # Slack away: record under the id alone rather than not at all
            found = None
        return found or Person(doubt.sender_id, "", "", "")


def build_own_poller(services: Services) -> OwnTimelinePoller:
    """The poller as the worker runs it: replies seen outside Earshot are recorded, and replies
    left in doubt are settled."""
    replies = OwnReplies(services)
    poller = OwnTimelinePoller.for_worker(services, handle=replies.handle)
    poller.after_round.append(replies.expire_doubts)
    return poller
