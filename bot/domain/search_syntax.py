"""X recent-search syntax as a tree: tokens, operators X knows (and their values), AND binding
tighter than OR, `-` negating one term (contracts/x/docs/search-operators.mdx,
search-build-a-query.mdx). Problems are QueryProblem, worded for a person, with an example."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


VALUE_OPERATORS = _words(
    "from to retweets_of url context entity conversation_id list in_reply_to_tweet_id "
    "retweets_of_tweet_id quotes_of_tweet_id place place_country point_radius bounding_box "
    "min_likes min_replies min_reposts"
)
IS_VALUES = frozenset({"retweet", "reply", "quote", "verified", "nullcast"})
HAS_VALUES = frozenset(
    {"hashtags", "cashtags", "links", "mentions", "media", "images", "video_link", "geo"}
)
LANG_CODES = _words(
    "am ar hy eu bn bg ca hr cs da nl en et fi fr ka de el gu iw hi hu in it ja kn ko lv lt "
    "ml mr no fa pl pt ro ru sr zh-cn sk sl es sv ta te th zh-tw tr uk ur vi"
)
CONJUNCTION_ONLY = frozenset({"is", "has", "lang"})
# Standalone for X, but on their own they match a huge share of all posts.
ID_OPERATORS = frozenset(
    {"conversation_id", "in_reply_to_tweet_id", "retweets_of_tweet_id", "quotes_of_tweet_id"}
)
COUNT_OPERATORS = frozenset({"min_likes", "min_replies", "min_reposts"})
USER_OPERATORS = frozenset({"from", "to", "retweets_of"})

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_OPERATOR = re.compile(r"^([A-Za-z_]+):(.*)$", re.DOTALL)
_CASHTAG = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,14}$")
_HASHTAG = re.compile(r"^\w+$")
# Full-width forms (U+FF03, U+FF20) are how CJK keyboards type # and @.
_ENTITY_KINDS = {
    "#": "hashtag",
    "\uff03": "hashtag",
    "@": "mention",
    "\uff20": "mention",
    "$": "cashtag",
}


class QueryProblem(ValueError):
    """Why a query cannot be saved, in words a person can act on (with a correct example)."""


@dataclass(frozen=True, slots=True)
class Term:
    kind: str  # word, phrase, mention, hashtag, cashtag, or an operator name (from, is, ...)
    value: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]


Node = Term | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "(", ")", "OR", "term"
    text: str
    term: Term | None = None


def tokenize(raw: str) -> list[Token]:
    tokens: list[Token] = []
    text = unicodedata.normalize("NFC", raw)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token(ch, ch))
            i += 1
        elif text.startswith("-(", i):
            raise QueryProblem(
                "X cannot negate a group: instead of `-(cheap OR free)` write `-cheap -free`."
            )
        else:
            end = _term_end(text, i)
            word = text[i:end]
            if word == "or":
                raise QueryProblem(
                    "Write OR in capitals: a lowercase `or` is searched as a word. "
                    "Example: `acme OR acmeco`"
                )
            tokens.append(Token("OR", "OR") if word == "OR" else _term_token(word))
            i = end
    return tokens


def _term_end(text: str, start: int) -> int:
    """End of one term: "quotes" and [brackets] may hold spaces; ( and ) end a bare term."""
    i = start
    while i < len(text) and not text[i].isspace() and text[i] not in "()":
        if text[i] == '"':
            i = _closing(text, i, '"', '`"acme app" OR acmeapp`')
        elif text[i] == "[":
            i = _closing(text, i, "]", "`point_radius:[2.35 48.86 16km]`")
        else:
            i += 1
    return i


def _closing(text: str, at: int, closer: str, example: str) -> int:
    end = text.find(closer, at + 1)
    if end < 0:
        what = 'quote (")' if closer == '"' else "bracket ([)"
        raise QueryProblem(f"A {what} is not closed. Example: {example}")
    return end + 1


def _term_token(word: str) -> Token:
    negated = word.startswith("-") and len(word) > 1
    body = word[1:] if negated else word
    return Token("term", word, _classify(body, negated))


def _classify(body: str, negated: bool) -> Term:
    if body.startswith('"'):
        phrase = body[1:-1] if body.endswith('"') and len(body) > 1 else body[1:]
        if not phrase.strip() or body.count('"') != 2 or not body.endswith('"'):
            raise QueryProblem(f'Quotes must hold a phrase, like `"acme app"`; got `{body}`.')
        return Term("phrase", phrase, negated)
    if body[0] in _ENTITY_KINDS:
        return _entity(body, negated)
    operator = _OPERATOR.match(body)
    if operator is None:
        if '"' in body:
            raise QueryProblem(f'Put quotes around a whole phrase, like `"acme app"`: `{body}`.')
        return Term("word", body, negated)
    return _operator(operator.group(1).casefold(), operator.group(2), body, negated)


def _entity(body: str, negated: bool) -> Term:
    name, value = _ENTITY_KINDS[body[0]], body[1:]
    if not value:
        raise QueryProblem(
            f"A bare `{body}` matches nothing specific: write the whole "
            f"{name}, like `#acme`, `@acme` or `$ACME`."
        )
    valid = {"hashtag": _HASHTAG, "mention": _HANDLE, "cashtag": _CASHTAG}[name].match(value)
    if not valid:
        raise QueryProblem(f"`{body}` is not a valid {name}. Example: `#acme OR @acme OR $ACME`")
    return Term(name, value.casefold(), negated)


def _operator(name: str, value: str, body: str, negated: bool) -> Term:
    if name not in VALUE_OPERATORS and name not in CONJUNCTION_ONLY:
        raise QueryProblem(
            f"`{name}:` is not an X search operator. Known ones include from:, to:, url:, "
            "is:reply, has:links, lang:en, min_likes:. To search the text itself, quote it: "
            f'`"{body}"`.'
        )
    problem = _value_problem(name, value)
    if problem:
        raise QueryProblem(f"`{body}`: {problem}")
    if name == "is" and value.casefold() == "nullcast" and not negated:
        raise QueryProblem("`is:nullcast` can only be negated: write `-is:nullcast`.")
    return Term(name, value.strip('"').casefold(), negated)


def _value_problem(name: str, value: str) -> str | None:
    folded = value.casefold()
    if not value:
        return "the operator needs a value, like `from:acme` or `lang:en`."
    if name == "is" and folded not in IS_VALUES:
        return f"use one of is:{', is:'.join(sorted(IS_VALUES))}."
    if name == "has" and folded not in HAS_VALUES:
        return f"use one of has:{', has:'.join(sorted(HAS_VALUES))}."
    if name == "lang" and folded not in LANG_CODES:
        return "use a language code X knows, like lang:en, lang:es, lang:ja."
    if name in USER_OPERATORS and not _HANDLE.match(value.lstrip("@")):
        return "use an X username (letters, digits, _; at most 15), like from:acme."
    if name in COUNT_OPERATORS and not value.isdigit():
        return "use a whole number, like min_likes:100."
    if name in ID_OPERATORS and not (value.isdigit() and len(value) <= 19):
        return "use a numeric post id, like conversation_id:1334987486343299072."
    return None


# -- grammar ------------------------------------------------------------------------------


class Parser:
    """alternatives := sequence ("OR" sequence)* ; sequence := unit+ ; unit := term | (alts)"""

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens, self._at = tokens, 0

    def peek(self) -> str | None:
        return self._tokens[self._at].kind if self._at < len(self._tokens) else None

    def alternatives(self) -> Node:
        branches = [self.sequence()]
        while self.peek() == "OR":
            self._at += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else AnyOf(tuple(branches))

    def sequence(self) -> Node:
        units: list[Node] = []
        while self.peek() not in (None, ")", "OR"):
            units.append(self.unit())
        if not units:
            where = {None: "at the end", ")": "before `)`", "OR": "before OR"}[self.peek()]
            raise QueryProblem(
                f"Something is missing {where} (an empty `()` or a dangling OR). "
                "Example: `(acme OR acmeco) app`"
            )
        return units[0] if len(units) == 1 else AllOf(tuple(units))

    def unit(self) -> Node:
        token = self._tokens[self._at]
        self._at += 1
        if token.kind == "(":
            node = self.alternatives()
            if self.peek() != ")":
                raise QueryProblem("A `(` is not closed. Example: `(acme OR acmeco) app`")
            self._at += 1
            return node
        assert token.term is not None
        return token.term


def join_tokens(tokens: list[Token]) -> str:
    out = ""
    for index, token in enumerate(tokens):
        glued = index == 0 or tokens[index - 1].kind == "(" or token.kind == ")"
        out += ("" if glued else " ") + token.text
    return out


def token_signature(tokens: list[Token]) -> str:
    parts = [
        "\x00OR" if token.kind == "OR" else unicodedata.normalize("NFKC", token.text).casefold()
        for token in tokens
    ]
    return " ".join(parts)
