"""When a channel falls behind Slack's pace, several new posts go out in one group message.

Slack takes about one message a second per channel. Behind a backlog of more than
BACKLOG_SECONDS of that pace in one channel, the next new posts for that channel (up to
GROUP_LIMIT) leave in one message, each still a case of its own with its own buttons
(bot/blocks/group.py). When the backlog is gone, cards are single again. Only plain new posts
are grouped: a direct message, a follow-up, an edit, a muted author's post or a copy of a
carded text goes where it always goes.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.blocks.group import GROUP_LIMIT
from bot.domain.mention import Mention
from bot.pipeline.inbox import Entry

BACKLOG_SECONDS = 4.0  # "more than a few seconds of Slack's rate" behind, in one channel


def new_post(fields: dict[str, str]) -> Mention | None:
    """The new public post an inbox entry carries (None for a DM, a reply, an edit, an
    update, or what does not parse: delivery deals with those one by one)."""
    raw = fields.get("mention")
    if raw is None:
        return None
    try:
        mention = Mention.from_json(raw)
    except (KeyError, TypeError, ValueError):
        return None
    if mention.is_dm or mention.replied_to is not None or mention.earlier_versions:
        return None
    return mention


class GroupPicker:
    """Chooses, from what one read holds, the posts that go out together next."""

    def __init__(self, channel_of: Callable[[Mention], str], interval_ms: int) -> None:
        self.channel_of, self.interval_ms = channel_of, interval_ms
        self._channels: dict[str, str] = {}  # entry id -> its channel, while it waits

    def take(self, waiting: list[Entry]) -> tuple[str, list[tuple[Entry, Mention]]] | None:
        """The channel and the entries (removed from `waiting`, in their order) that go out
        in one message; None when the first entry goes out alone."""
        if self.interval_ms <= 0 or not waiting:
            return None  # no pacing: nothing ever waits for Slack
        first = new_post(waiting[0][1])
        if first is None:
            return None
        channel = self._channel(waiting[0][0], first)
        backlog_needed = max(2, int(BACKLOG_SECONDS * 1000 / self.interval_ms))
        picked: list[int] = []
        posts: dict[int, Mention] = {}
        for index, (entry_id, fields) in enumerate(waiting):
            mention = first if index == 0 else new_post(fields)
            if mention is not None and self._channel(entry_id, mention) == channel:
                picked.append(index)
                posts[index] = mention
        if len(picked) < backlog_needed:
            return None
        chosen = picked[:GROUP_LIMIT]
        taken = [(waiting[index], posts[index]) for index in chosen]
        for index in reversed(chosen):
            del waiting[index]
        live = {entry_id for entry_id, _fields in waiting}
        self._channels = {k: v for k, v in self._channels.items() if k in live}
        return channel, taken

    def _channel(self, entry_id: str, mention: Mention) -> str:
        found = self._channels.get(entry_id)
        if found is None:
            found = self._channels[entry_id] = self.channel_of(mention)
        return found
