"""The recent-search query language of the X fake: parse a query, then match posts against it.

Supported: keywords, "exact phrases", @handle, #hashtag, $cashtag, from:, is:retweet|reply|quote,
is:verified, lang:, `-` negation, OR and parentheses, with AND binding tighter than OR
(contracts/x/docs/search-build-a-query.mdx, search-operators.mdx). Other real operators are refused
with a 400 that says the sandbox lacks them, so a test never silently matches the wrong thing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from bot.sandbox.x_rules import names

REAL_OPERATORS = names(
    "to retweets_of url context entity conversation_id list in_reply_to_tweet_id "
    "retweets_of_tweet_id quotes_of_tweet_id place place_country point_radius bounding_box has "
    "min_likes min_replies min_reposts sample followers_count"
)
_IS_VALUES = frozenset({"retweet", "reply", "quote", "verified"})
_CONJUNCTION_REQUIRED = frozenset({"is", "lang"})
_OPERATOR = re.compile(r"([a-z_]+):(.+)", re.IGNORECASE)
_BARE = re.compile(r'[^\s()"]+')


class QueryError(ValueError):
    """A query X would refuse with 400 invalid-request; the message follows X's wording."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(
            f"There were errors processing your request: {reason} (at position {position + 1})"
        )


class Searchable(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def author_id(self) -> str: ...
    @property
    def author_username(self) -> str: ...
    @property
    def author_verified(self) -> bool: ...
    @property
    def mentions(self) -> frozenset[str]: ...
    @property
    def hashtags(self) -> frozenset[str]: ...
    @property
    def cashtags(self) -> frozenset[str]: ...
    @property
    def kinds(self) -> frozenset[str]: ...
    @property
    def lang(self) -> str: ...


@dataclass(frozen=True)
class Term:
    kind: str  # word, phrase, mention, hashtag, cashtag, from, is, lang
    value: str
    position: int


@dataclass(frozen=True)
class Not:
    child: Term


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


Node = Term | Not | AllOf | AnyOf


def parse_query(query: str) -> Node:
    """The query as a tree, or QueryError for what X would refuse."""
    parser = _Parser(_tokenize(query))
    node = parser.alternatives()
    if parser.peek() is not None:
        raise QueryError("Unexpected ')'", parser.peek_position())
    if not _standalone(node):
        raise QueryError(
            "Queries need a positive standalone operator; negated and conjunction-required "
            "operators (is:, lang:) cannot be used alone",
            0,
        )
    return node


def matches(node: Node, post: Searchable) -> bool:
    if isinstance(node, Term):
        return _term_matches(node, post)
    if isinstance(node, Not):
        return not _term_matches(node.child, post)
    if isinstance(node, AllOf):
        return all(matches(child, post) for child in node.children)
    return any(matches(child, post) for child in node.children)


def uses_keywords(node: Node) -> bool:
    """True when a word or phrase is in the query: such searches no longer return reposts."""
    if isinstance(node, Term):
        return node.kind in {"word", "phrase"}
    if isinstance(node, Not):
        return False
    return any(uses_keywords(child) for child in node.children)


def _term_matches(term: Term, post: Searchable) -> bool:
    if term.kind in {"word", "phrase"}:
        return _keyword_pattern(term.value).search(_fold(post.text)) is not None
    sets = {"mention": post.mentions, "hashtag": post.hashtags, "cashtag": post.cashtags}
    if term.kind in sets:
        return term.value in sets[term.kind]
    if term.kind == "from":
        return term.value in {post.author_username.casefold(), post.author_id}
    if term.kind == "lang":
        return post.lang.casefold() == term.value
    return post.author_verified if term.value == "verified" else term.value in post.kinds


def _fold(text: str) -> str:
    """Case- and accent-insensitive form: `Diacrítica` matches `diacritica` (search only)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=256)
def _keyword_pattern(value: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(word) for word in _fold(value).split())
    return re.compile(rf"(?<!\w){words}(?!\w)")


def _standalone(node: Node) -> bool:
    if isinstance(node, Term):
        return node.kind not in _CONJUNCTION_REQUIRED
    if isinstance(node, Not):
        return False
    if isinstance(node, AllOf):
        return any(_standalone(child) for child in node.children)
    return all(_standalone(child) for child in node.children)


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "OR", "term"
    position: int
    term: Term | None = None
    negated: bool = False


def _tokenize(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(query):
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, i))
            i += 1
        else:
            token, i = _read_term(query, i)
            tokens.append(token)
    return tokens


def _read_term(query: str, start: int) -> tuple[_Token, int]:
    negated = query[start] == "-" and start + 1 < len(query) and not query[start + 1].isspace()
    i = start + negated
    if query[i] == "(":
        raise QueryError("Do not negate grouped operators; negate each operator instead", start)
    if query[i] == '"':
        end = query.find('"', i + 1)
        if end < 0:
            raise QueryError("Unterminated quoted phrase", i)
        if not query[i + 1 : end].strip():
            raise QueryError("Empty quoted phrase", i)
        return _Token("term", start, Term("phrase", query[i + 1 : end], start), negated), end + 1
    match = _BARE.match(query, i)
    if match is None:
        raise QueryError("Expected an operator or keyword after '-'", start)
    word = match.group()
    end = i + len(word)
    if word == "OR" and not negated:
        return _Token("OR", start), end
    return _Token("term", start, _classify(word, start), negated), end


def _classify(word: str, position: int) -> Term:
    prefixes = {"@": "mention", "#": "hashtag", "$": "cashtag"}
    if len(word) > 1 and word[0] in prefixes:
        return Term(prefixes[word[0]], word[1:].casefold(), position)
    operator = _OPERATOR.fullmatch(word)
    if operator is None:
        return Term("word", word, position)
    name, value = operator.group(1).casefold(), operator.group(2)
    if name in {"from", "lang"} or (name == "is" and value.casefold() in _IS_VALUES):
        return Term(name, value.casefold(), position)
    if name in REAL_OPERATORS or name == "is":
        raise QueryError(f"Operator '{name}:{value}' is not implemented by the sandbox", position)
    raise QueryError(
        f"Reference to invalid operator '{name}'. Operator is not available in current product "
        "or product packaging",
        position,
    )


class _Parser:
    """alternatives := sequence ("OR" sequence)* ; sequence := unit+ ; unit := term | ( alt )"""

    def __init__(self, tokens: list[_Token]) -> None:
        self._tokens = tokens
        self._at = 0

    def peek(self) -> str | None:
        return self._tokens[self._at].kind if self._at < len(self._tokens) else None

    def peek_position(self) -> int:
        return self._tokens[self._at].position if self._at < len(self._tokens) else 0

    def alternatives(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "OR":
            self._at += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else AnyOf(tuple(branches))

    def sequence(self) -> Node:
        units: list[Node] = []
        while self.peek() not in {None, ")", "OR"}:
            units.append(self.unit())
        if not units:
            raise QueryError("Expected an operator or keyword", self.peek_position())
        return units[0] if len(units) == 1 else AllOf(tuple(units))

    def unit(self) -> Node:
        token = self._tokens[self._at]
        self._at += 1
        if token.kind == "(":
            node = self.alternatives()
            if self.peek() != ")":
                raise QueryError("Missing ')'", token.position)
            self._at += 1
            return node
        assert token.term is not None
        return Not(token.term) if token.negated else token.term
