"""Write endpoints of the X fake: POST /2/tweets with the 2026 self-serve rules, likes, reposts."""

from __future__ import annotations

from typing import Any

from twitter_text import parse_tweet

from bot.sandbox.server import Response
from bot.sandbox.x_data import XPost, XStore, extract_entities
from bot.sandbox.x_rules import (
    ID_PATTERN,
    client_forbidden,
    fail,
    invalid_request,
    is_id,
    names,
    not_found,
    ok,
    param_error,
    problem,
)

MAX_WEIGHTED_LENGTH = 280
# Bodies observed from the real API (see contracts/README.md); the last three are the fake's own
# wording for documented rules whose real error text is not published.
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
REPLY_NOT_ALLOWED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise "
    "engaged by the author of the post you are replying to."
)
REPLY_TARGET_GONE = "You attempted to reply to a Tweet that is deleted or not visible to you."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length "
    "see https://github.com/twitter/twitter-text."
)
LIKES_REMOVED = "Likes were removed from self-serve API access on 2026-04-20; Enterprise only."
QUOTES_REMOVED = "Quote posts (quote_tweet_id) require an Enterprise plan."
TOO_MANY_CASHTAGS = "Posts created via the API are limited to a maximum of 1 cashtag per post."

_CREATE_KEYS = names(
    "card_uri community_id direct_message_deep_link edit_options for_super_followers_only geo "
    "media nullcast poll quote_tweet_id reply reply_settings share_with_followers text"
)
_CONTENT_KEYS = ("text", "media", "poll", "quote_tweet_id", "card_uri")


def check_create_body(body: object) -> list[str]:
    """Schema errors of a TweetCreateRequest body, worded like X's JSON-schema messages."""
    if not isinstance(body, dict):
        return ["$: the request body must be a JSON object"]
    messages = [
        f"$.{key}: is not defined in the schema and the schema does not allow additional properties"
        for key in body
        if key not in _CREATE_KEYS
    ]
    if not isinstance(body.get("text", ""), str):
        messages.append("$.text: is not a string")
    reply = body.get("reply")
    if reply is not None:
        reply_to = reply.get("in_reply_to_tweet_id") if isinstance(reply, dict) else None
        if reply_to is None:
            messages.append("$.reply.in_reply_to_tweet_id: is missing but it is required")
        elif not is_id(reply_to):
            messages.append(f"$.reply.in_reply_to_tweet_id: does not match {ID_PATTERN}")
    if "quote_tweet_id" in body and not is_id(body["quote_tweet_id"]):
        messages.append(f"$.quote_tweet_id: does not match {ID_PATTERN}")
    if not any(body.get(key) for key in _CONTENT_KEYS):
        messages.append("You must specify either Media, Poll, Quote Tweet ID, Text, or Card URI")
    return messages


def create_post(store: XStore, tier: str, body: Any) -> Response:
    """POST /2/tweets: 201 with the new post, stored as ours so later reads see it."""
    messages = check_create_body(body)
    if messages:
        return fail(400, invalid_request([{"message": message} for message in messages]))
    text = body.get("text", "")
    if parse_tweet(text).weightedLength > MAX_WEIGHTED_LENGTH:
        return fail(400, invalid_request([{"message": TOO_LONG}]))
    refusal = _refuse(store, tier, body, text)
    if refusal is not None:
        return refusal
    refs = []
    if body.get("reply"):
        refs.append({"type": "replied_to", "id": body["reply"]["in_reply_to_tweet_id"]})
    if body.get("quote_tweet_id"):
        refs.append({"type": "quoted", "id": body["quote_tweet_id"]})
    post = store.add_post(text, store.own, referenced_tweets=refs)
    store.ours.append(post.id)
    data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    return ok({"data": data}, status=201)


def _refuse(store: XStore, tier: str, body: dict[str, Any], text: str) -> Response | None:
    if any(store.posts[post_id].text == text for post_id in store.ours):
        return fail(403, problem(403, DUPLICATE))
    target = None
    if body.get("reply"):
        target = store.posts.get(body["reply"]["in_reply_to_tweet_id"])
        if target is None:
            return fail(403, problem(403, REPLY_TARGET_GONE))
    if tier == "enterprise":
        return None
    if body.get("quote_tweet_id"):
        return fail(403, client_forbidden(QUOTES_REMOVED))
    if target is not None and not _summoned(store, target):
        return fail(403, problem(403, REPLY_NOT_ALLOWED))
    if len(extract_entities(text, lambda _: None).get("cashtags", [])) > 1:
        return fail(403, problem(403, TOO_MANY_CASHTAGS))
    return None


def _summoned(store: XStore, target: XPost) -> bool:
    """Self-serve replies need the target's author to have @mentioned or quoted us (or be us)."""
    if target.author is store.own or store.own.username.casefold() in target.mentions:
        return True
    return target.reference("quoted") in store.ours


def engage(
    store: XStore, tier: str, user_id: str, tweet_id: object, *, kind: str, on: bool
) -> Response:
    """Like/unlike (kind "likes") or repost/undo (kind "retweets") a post as our own user."""
    if kind == "likes" and tier != "enterprise":
        return fail(403, client_forbidden(LIKES_REMOVED))
    errors = []
    if user_id != store.own.id:
        message = f"The `id` query parameter value [{user_id}] must be the authenticating user"
        errors.append(param_error("id", user_id, message))
    if not is_id(tweet_id):
        errors.append(
            param_error("tweet_id", str(tweet_id), f"$.tweet_id: must match {ID_PATTERN}")
        )
    if errors:
        return fail(400, invalid_request(errors))
    assert isinstance(tweet_id, str)
    if on and tweet_id not in store.posts:
        return fail(404, {**not_found("tweet_id", tweet_id, "tweet"), "status": 404})
    marks = store.likes if kind == "likes" else store.reposts
    if on:
        marks.add(tweet_id)
    else:
        marks.discard(tweet_id)
    return ok({"data": {"liked" if kind == "likes" else "retweeted": on}})
