"""Edits and deletions in the X fake, as X applies them (contracts/x/docs/edit-posts.mdx).

An edit creates a new post with a new id; every version keeps answering its own id on lookup
and lists the whole chain in edit_history_tweet_ids (oldest first), while timelines and search
show only the newest version. Deleting any version deletes the whole chain, and reposts of it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sandbox.x_data import EDIT_WINDOW, MAX_EDITS, XPost, XStore


def edit_post(store: XStore, post_id: str, text: str, *, now: datetime | None = None) -> XPost:
    """The new version of `post_id` (the chain's newest version) saying `text`.

    Raises KeyError when the post is unknown or deleted, ValueError when X would not let its
    author edit it: an older version, a repost or reply to someone else, 5 edits already made,
    or more than 30 minutes since the original was posted.
    """
    post = store.posts.get(post_id)
    if post is None:
        raise KeyError(f"no post {post_id!r}: unknown or deleted")
    chain = store.chains.get(post_id, [post_id])
    first = store.posts[chain[0]]
    moment = now or datetime.now(UTC)
    if chain[-1] != post_id:
        raise ValueError(f"post {post_id} is not the newest version; {chain[-1]} is")
    if not store.edit_eligible(first):
        raise ValueError(f"post {post_id} is a repost or a reply to someone else: not editable")
    if len(chain) > MAX_EDITS:
        raise ValueError(f"post {chain[0]} was already edited {MAX_EDITS} times")
    if moment > first.created_at + EDIT_WINDOW:
        raise ValueError(f"post {chain[0]} is older than 30 minutes: no longer editable")
    new = store.add_post(
        text, post.author, created_at=moment, referenced_tweets=post.referenced_tweets,
        lang=post.lang,
    )  # fmt: skip
    # A reply keeps its parent's conversation; an edited original keeps the conversation its
    # replies already belong to (the original id).
    new.conversation_id = post.conversation_id
    chain = store.chains.setdefault(first.id, [first.id])
    chain.append(new.id)
    store.chains[new.id] = chain
    if post_id in store.ours:
        store.ours.append(new.id)
    return new


def delete_post(store: XStore, post_id: str) -> list[str]:
    """Delete the chain `post_id` belongs to and every repost of it; answer the ids removed.

    Raises KeyError when the post is unknown or already deleted. Replies and quotes of it
    stay; their references now point at a post X cannot find.
    """
    if post_id not in store.posts:
        raise KeyError(f"no post {post_id!r}: unknown or already deleted")
    chain = set(store.history(post_id))
    gone = chain | {p.id for p in store.posts.values() if p.reference("retweeted") in chain}
    for gone_id in gone:
        del store.posts[gone_id]
        store.chains.pop(gone_id, None)
    store.deleted |= gone
    store.ours[:] = [our_id for our_id in store.ours if our_id not in gone]
    store.likes -= gone
    store.reposts -= gone
    return sorted(gone, key=int)
