"""A case's key names its network: X ids stay bare digits, Bluesky's are prefixed at-URIs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.mention import Author, Mention
from bot.domain.network import (
    BLUESKY,
    X,
    bluesky_post_id,
    bluesky_uri,
    is_post_id,
    network_of,
    new_tid,
)

URI = "at://did:plc:abc234/app.bsky.feed.post/3kabcdefgh2xy"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("1790000000000000001", True),
        ("", False),
        ("12a", False),
        ("1" * 21, False),
        (bluesky_post_id(URI), True),
        ("bsky:at://did:plc:abc/app.bsky.feed.like/3k", False),  # a like is no post
        ("bsky:https://bsky.app/profile/x/post/3k", False),
        ("bsky:" + URI + " <script>", False),
    ],
)
def test_what_is_a_post_id(value: str, ok: bool) -> None:
    assert is_post_id(value) is ok


def test_the_network_of_a_post_and_its_links() -> None:
    assert network_of("1790000000000000001").key == X
    assert network_of(bluesky_post_id(URI)).key == BLUESKY
    assert bluesky_uri(bluesky_post_id(URI)) == URI
    with pytest.raises(ValueError):
        bluesky_uri("1790000000000000001")
    author = Author("did:plc:abc234", "dana.bsky.social", "Dana", network=BLUESKY)
    post = Mention(
        bluesky_post_id(URI),
        "hi",
        author,
        datetime(2026, 12, 4, tzinfo=UTC),
        cid="bafyreiabc",
        thread_root=("at://did:plc:zz/app.bsky.feed.post/3kroot", "bafyreiroot"),
    )
    assert post.url == "https://bsky.app/profile/dana.bsky.social/post/3kabcdefgh2xy"
    assert author.profile_url == "https://bsky.app/profile/dana.bsky.social"
    assert Mention.from_json(post.to_json()) == post


@given(st.integers(0, 2**53 - 1), st.integers(0, 1023))
def test_a_tid_is_13_sortable_characters(micros: int, clock: int) -> None:
    tid = new_tid(micros, clock)
    assert len(tid) == 13 and tid[0] in "234567abcdefghij"
    assert set(tid) <= set("234567abcdefghijklmnopqrstuvwxyz")
    assert new_tid(micros + 1, clock) > tid or micros + 1 >= 2**53
