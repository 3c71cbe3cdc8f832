"""/track queries: X recent-search syntax checked before saving, and the query actually sent.

Follows contracts/x/docs/search-operators.mdx and search-build-a-query.mdx: 512 characters on
self-serve, AND binds tighter than OR, `-` negates one operator (never a group), is:/has:/lang:
need a standalone operator beside them. On top of X's rules, a query that would match almost
everything (a bare `#`, a lone stop-word) is refused: on pay-per-use every post read is billed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.search_syntax import (
    CONJUNCTION_ONLY,
    AllOf,
    AnyOf,
    Node,
    Parser,
    QueryProblem,
    Term,
    join_tokens,
    token_signature,
    tokenize,
)

MAX_QUERY_LENGTH = 512  # recent search on self-serve tiers
MAX_HANDLE_LENGTH = 15  # X usernames; the length budget assumes the longest when ours is unknown


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


BROAD_OPERATORS = frozenset(
    {
        "min_likes",
        "min_replies",
        "min_reposts",
        "place",
        "place_country",
        "point_radius",
        "bounding_box",
    }
)
# Words so common that alone they match a large share of every post on X.
STOP_WORDS = _words(
    "a about after all also am an and any are as at be because been but by can could did do "
    "does for from get got had has have he her him his how i if in into is it its just like "
    "lol me my no not now of off ok on one or our out rt so some than that the their them "
    "then there they this to too u up us was we what when which who why will with would yes "
    "you your de la le el les los las et und der die das ein eine il lo un una y e o que en "
    "je"
)

EXAMPLE = '"acme app" OR acmeapp OR #acme'


@dataclass(frozen=True, slots=True)
class TrackQuery:
    """A query that passed every check; `text` is what the person wrote, whitespace tidied."""

    text: str
    root: Node
    signature: str  # the same for queries X would treat the same (case, spacing)

    def effective(
        self, own_handle: str | None, *, include_retweets: bool, include_own: bool
    ) -> str:
        """The query sent to X: `-is:retweet` and `-from:<us>` added unless opted out or
        already said; a top-level OR is wrapped first so the exclusions apply to every branch."""
        extra: list[str] = []
        if not include_retweets and not _mentions(self.root, "is", "retweet"):
            extra.append("-is:retweet")
        handle = own_handle or "x" * MAX_HANDLE_LENGTH
        if not include_own and not _mentions(self.root, "from", handle.casefold()):
            extra.append(f"-from:{handle}")
        if not extra:
            return self.text
        body = f"({self.text})" if isinstance(self.root, AnyOf) else self.text
        return " ".join([body, *extra])


def parse_track_query(
    raw: str,
    own_handle: str | None = None,
    *,
    include_retweets: bool = False,
    include_own: bool = False,
    max_length: int = MAX_QUERY_LENGTH,
) -> TrackQuery:
    """The checked query, or QueryProblem saying what is wrong and how to write it."""
    tokens = tokenize(raw)
    if not tokens:
        raise QueryProblem(f"The query is empty. Example: `{EXAMPLE}`")
    parser = Parser(tokens)
    root = parser.alternatives()
    if parser.peek() is not None:
        raise QueryProblem("There is a `)` without its `(`. Example: `(acme OR acmeco) app`")
    if not _standalone(root):
        raise QueryProblem(
            "`is:`, `has:`, `lang:` and negated terms cannot stand alone: add a keyword, phrase, "
            "#hashtag or @account beside them. Example: `acme -is:reply lang:en`"
        )
    if not _specific(root):
        raise QueryProblem(
            "This query would match almost everything on X (a lone common word, a bare #, @ "
            "or $, or only engagement/place filters), and every post read is billed. Add a "
            f"specific word, phrase, #hashtag or @account. Example: `{EXAMPLE}`"
        )
    query = TrackQuery(text=join_tokens(tokens), root=root, signature=token_signature(tokens))
    sent = query.effective(own_handle, include_retweets=include_retweets, include_own=include_own)
    if len(sent) > max_length:
        over = len(sent) - max_length
        raise QueryProblem(
            f"The query is {over} character{'s' if over != 1 else ''} too long: X takes "
            f"{max_length}, counting the `-is:retweet -from:…` Earshot adds. Shorten it or split "
            "it into two rules."
        )
    return query


def signature_with(query: TrackQuery, *, include_retweets: bool, include_own: bool) -> str:
    """Duplicate-detection key: the query's signature plus the opt-outs that change results."""
    flags = ("+rt" if include_retweets else "") + ("+own" if include_own else "")
    return query.signature + ("|" + flags if flags else "")


# -- tokens -------------------------------------------------------------------------------


def _standalone(node: Node) -> bool:
    if isinstance(node, Term):
        return not node.negated and node.kind not in CONJUNCTION_ONLY
    if isinstance(node, AllOf):
        return any(_standalone(child) for child in node.children)
    return all(_standalone(child) for child in node.children)


def _specific(node: Node) -> bool:
    """Does every way this query can match require something specific to the brand?"""
    if isinstance(node, AllOf):
        return any(_specific(child) for child in node.children)
    if isinstance(node, AnyOf):
        return all(_specific(child) for child in node.children)
    if node.negated or node.kind in CONJUNCTION_ONLY or node.kind in BROAD_OPERATORS:
        return False
    if node.kind in ("word", "phrase"):
        return _specific_words(node.value)
    return True


def _specific_words(text: str) -> bool:
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", text).casefold())
    return any(len(word) >= 2 and word not in STOP_WORDS for word in words)


def _mentions(node: Node, kind: str, value: str) -> bool:
    if isinstance(node, Term):
        return node.kind == kind and node.value.lstrip("@") == value
    return any(_mentions(child, kind, value) for child in node.children)


__all__ = ["QueryProblem", "TrackQuery", "parse_track_query", "signature_with"]
