"""Writes to X on behalf of the brand account: replies, likes, reposts (and their undo)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.sources.x import XSource

DM_SEND_ENDPOINT = "dm_conversations/messages"  # key of its x-rate-limit-* headers


@dataclass
class XWriter:
    source: XSource

    def post_reply(self, text: str, in_reply_to: str) -> str:
        """POST /2/tweets with reply.in_reply_to_tweet_id; returns the new post's id."""
        client = self.source.client
        body = self.source.call(
            "tweets/create",
            client.create_tweet,
            text=text,
            in_reply_to_tweet_id=in_reply_to,
            user_auth=True,
        )
        return str(body["data"]["id"])

    def send_dm(self, participant_id: str, text: str) -> tuple[str, str]:
        """POST /2/dm_conversations/with/:participant_id/messages (one-to-one, user context);
        returns (dm_conversation_id, dm_event_id)."""
        client = self.source.client
        body = self.source.call(
            DM_SEND_ENDPOINT,
            client.create_direct_message,
            participant_id=participant_id,
            text=text,
            user_auth=True,
        )
        data = body["data"]
        return str(data["dm_conversation_id"]), str(data["dm_event_id"])

    def like(self, post_id: str) -> None:
        self.source.call("users/likes", self.source.client.like, post_id, user_auth=True)

    def unlike(self, post_id: str) -> None:
        self.source.call("users/likes", self.source.client.unlike, post_id, user_auth=True)

    def repost(self, post_id: str) -> None:
        self.source.call("users/retweets", self.source.client.retweet, post_id, user_auth=True)

    def unrepost(self, post_id: str) -> None:
        self.source.call("users/retweets", self.source.client.unretweet, post_id, user_auth=True)
