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

MAX_QUERY_LENGTH = 512  # recent search on self-serve tiers
MAX_HANDLE_LENGTH = 15  # X usernames; the length budget assumes the longest when ours is unknown


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
ID_OPERATORS = frozenset(
    {"conversation_id", "in_reply_to_tweet_id", "retweets_of_tweet_id", "quotes_of_tweet_id"}
)
COUNT_OPERATORS = frozenset({"min_likes", "min_replies", "min_reposts"})
USER_OPERATORS = frozenset({"from", "to", "retweets_of"})

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
    tokens = _tokenize(raw)
    if not tokens:
        raise QueryProblem(f"The query is empty. Example: `{EXAMPLE}`")
    parser = _Parser(tokens)
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
    query = TrackQuery(text=_join(tokens), root=root, signature=_signature(tokens))
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


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # "(", ")", "OR", "term"
    text: str
    term: Term | None = None


def _tokenize(raw: str) -> list[_Token]:
    tokens: list[_Token] = []
    text = unicodedata.normalize("NFC", raw)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, ch))
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
            tokens.append(_Token("OR", "OR") if word == "OR" else _term_token(word))
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


def _term_token(word: str) -> _Token:
    negated = word.startswith("-") and len(word) > 1
    body = word[1:] if negated else word
    return _Token("term", word, _classify(body, negated))


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


class _Parser:
    """alternatives := sequence ("OR" sequence)* ; sequence := unit+ ; unit := term | (alts)"""

    def __init__(self, tokens: list[_Token]) -> None:
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


def _join(tokens: list[_Token]) -> str:
    out = ""
    for index, token in enumerate(tokens):
        glued = index == 0 or tokens[index - 1].kind == "(" or token.kind == ")"
        out += ("" if glued else " ") + token.text
    return out


def _signature(tokens: list[_Token]) -> str:
    parts = [
        "\x00OR" if token.kind == "OR" else unicodedata.normalize("NFKC", token.text).casefold()
        for token in tokens
    ]
    return " ".join(parts)
