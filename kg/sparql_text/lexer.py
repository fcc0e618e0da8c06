"""The SPARQL lexer: escape decoding (SPARQL 1.1 §19.2) and tokenization, read Oxigraph's way.

:func:`decode_escapes` decodes ``\\uXXXX`` escapes over the whole text; :func:`lex` tokenizes
it, tracking brackets to tell the ``<`` operator from an IRI and to measure how deep the text
nests (:class:`Nesting`), and refuses text whose reading depends on where escapes are decoded
(the specification decodes them first, Oxigraph only inside strings and IRIs); :func:`tokenize`
gives the tokens with line and column.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from typing import NamedTuple

from kg.errors import QueryError
from kg.sparql_text.grammar import (
    BINARY,
    CHAINING,
    CONTEXT_WORDS,
    KEYWORDS,
    OPENERS,
    RAW_TOKEN_RE,
    TEMPLATE_WORDS,
    TOKEN_RE,
)

__all__ = ["Nesting", "Tok", "Token", "decode_escapes", "lex", "line_col", "position", "scan", "tokenize"]

# ---------------------------------------------------------------------------------------------
# Escapes (SPARQL 1.1 §19.2)

_ESCAPE_RE = re.compile(r"\\\\|\\u([0-9A-Fa-f]{4})?|\\U([0-9A-Fa-f]{8})?")
_ESCAPE_AHEAD_RE = re.compile(r"u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}")


def _decode(text: str) -> tuple[str, bool]:
    """Decode codepoint escapes; also say whether there were any."""
    if "\\u" not in text and "\\U" not in text:
        return text, False
    parts: list[str] = []
    last = 0
    for m in _ESCAPE_RE.finditer(text):
        if m.end() - m.start() == 2 and text[m.start() + 1] == "\\":
            if _ESCAPE_AHEAD_RE.match(text, m.end()):
                raise QueryError(
                    f"ambiguous escape '\\\\{text[m.end() : m.end() + 5]}' at {position(text, m.start())}:"
                    " SPARQL engines disagree on whether it is an escape"
                )
            continue
        digits = m.group(1) or m.group(2)
        if digits is None:
            raise QueryError(
                f"malformed escape {text[m.start() : m.start() + 6]!r} at {position(text, m.start())}:"
                " expected \\uXXXX or \\UXXXXXXXX with hexadecimal digits"
            )
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(
                f"escape {m.group(0)!r} at {position(text, m.start())} is not a Unicode character"
            )
        parts.append(text[last : m.start()])
        parts.append(chr(code))
        last = m.end()
    parts.append(text[last:])
    return "".join(parts), True


def decode_escapes(text: str) -> str:
    r"""Replace ``\uXXXX`` and ``\UXXXXXXXX`` escapes by their characters, over the whole text.

    A backslash pair (``\\``) is not the start of an escape. Raises
    :class:`~kg.errors.QueryError` for a malformed escape, one that is not a Unicode character,
    and ``\\`` followed by an escape (engines disagree on that one).

    >>> decode_escapes(r"SE\u0052VICE <http://127.0.0.1\u003A8080/>")
    'SERVICE <http://127.0.0.1:8080/>'
    >>> decode_escapes(r"'a\\b'")
    "'a\\\\b'"
    """
    return _decode(text)[0]


# ---------------------------------------------------------------------------------------------
# Tokens

_NO_LIMIT = sys.maxsize


@dataclass(frozen=True, slots=True)
class Token:
    """One SPARQL token; positions are in the text after escape decoding (line, column from 1).

    ``kind`` is one of IRIREF, PNAME_LN, PNAME_NS, VAR, STRING, INTEGER, DECIMAL, DOUBLE, LANGTAG,
    BLANK_NODE_LABEL, ANON, NIL, KEYWORD, A (the keyword ``a``), NAME (a bare word that is not
    a SPARQL keyword) and PUNCT. ``keyword`` is the upper-cased word for KEYWORD tokens.
    """

    kind: str
    text: str
    offset: int
    line: int
    column: int
    keyword: str | None = None


Tok = tuple[str, str, int]  # kind, text, offset


class _LexError(QueryError):
    """A lexical error at a known offset."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def position(text: str, offset: int) -> str:
    """Where an offset is, for messages: ``line L, column C`` (from 1)."""
    line, column = line_col(text, offset)
    return f"line {line}, column {column}"


def line_col(text: str, offset: int) -> tuple[int, int]:
    """The line and column (from 1) of an offset in the text."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


class Nesting(NamedTuple):
    """How deep a text nests and how long its chains are, measured while it is lexed.

    ``depth``: the deepest nesting of brackets (``{`` ``(`` ``[``), each run of unary ``!``
    adding its length. ``chain``: the longest chain of pattern elements (groups, BIND, FILTER,
    triples, collection items, path steps) and binary operators, summed down the brackets of one
    path through the text, as the engine folds them into one deep tree. ``deep_at`` is the index
    of the token where the depth first passed the limit given to the lexer, ``long_at`` that of
    the opening bracket of the innermost group whose chain passed the chain limit (-1: none).
    """

    depth: int
    chain: int
    deep_at: int
    long_at: int


def _scan(
    text: str, pattern: re.Pattern[str], limit: int = _NO_LIMIT, chain_limit: int = _NO_LIMIT
) -> tuple[list[Tok], dict[int, int], Nesting]:
    """Tokenize; return the tokens, for each opening bracket's index its closer's index, and the nesting.

    Tracks the bracket context to tell '<' the operator (after an operand, in an expression)
    from '<' starting an IRI, as Oxigraph's parser does. ``limit`` and ``chain_limit`` only
    decide where the nesting reports that a limit was passed; nothing is refused here.
    """
    toks: list[Tok] = []
    append = toks.append
    pairs: dict[int, int] = {}
    # (opening bracket, context, token index, nesting depth); contexts: T clauses, P group graph
    # pattern, E expression, C collection, blank-node property list or path group in a pattern,
    # Q template or data braces (INSERT DATA, DELETE/INSERT/CONSTRUCT templates), K a collection
    # or blank-node property list in those. Chains count in P, C and E only: templates and data
    # are flat lists for the engine.
    stack: list[tuple[str, str, int, int]] = [("", "T", -1, 0)]
    chains = [0]  # chain elements directly in each open bracket
    below = [0]  # the longest chain inside each open bracket's closed children
    ctx = "T"
    constraint = False  # after FILTER or BIND: the next '(' opens an expression
    operand = False  # the previous token ends an operand
    bangs = 0  # the run of unary '!' before the next operand or bracket
    deepest = 0
    deep_at = long_at = -1
    pos = 0
    while True:
        for m in pattern.finditer(text, pos):
            kind = m.lastgroup
            start, end = m.span(kind)  # type: ignore[arg-type]
            if kind == "VAR":
                append(("VAR", text[start:end], start))
                operand = True
                bangs = 0
                if ctx == "C":
                    chains[-1] += 1
            elif kind == "WORD":
                word = text[start:end]
                upper = word.upper()
                operand = False
                if ctx == "C":
                    chains[-1] += 1
                if upper in KEYWORDS:
                    append(("KEYWORD", word, start))
                    if upper in CONTEXT_WORDS:
                        if upper == "FILTER" or upper == "BIND":
                            constraint = True
                            if ctx == "P":
                                chains[-1] += 1
                        elif upper == "SELECT":
                            if ctx == "P":
                                stack[-1] = (stack[-1][0], "T", stack[-1][2], stack[-1][3])
                                ctx = "T"
                        else:
                            operand = True
                            bangs = 0
                else:
                    append(("A" if word == "a" else "NAME", word, start))
            elif kind == "OPEN":
                ch = text[start]
                append(("PUNCT", ch, start))
                operand = False
                if ctx == "C" or (ch == "{" and ctx == "P"):
                    chains[-1] += 1
                if ch == "{":
                    template = ctx == "Q" or ctx == "K" or (ctx == "T" and _opens_template(toks))
                    ctx = "Q" if template else "P"
                    constraint = False
                elif ch == "(":
                    if ctx == "T" or ctx == "E" or constraint:
                        ctx = "E"
                    else:
                        ctx = "K" if ctx == "Q" or ctx == "K" else "C"
                    constraint = False
                else:
                    ctx = "K" if ctx == "Q" or ctx == "K" else "C"
                depth = stack[-1][3] + 1 + bangs
                bangs = 0
                if depth > deepest:
                    deepest = depth
                    if depth > limit and deep_at < 0:
                        deep_at = len(toks) - 1
                stack.append((ch, ctx, len(toks) - 1, depth))
                chains.append(0)
                below.append(0)
            elif kind == "CLOSE":
                ch = text[start]
                opener, _, index, _ = stack[-1]
                if opener != OPENERS[ch]:
                    raise _LexError(f"unbalanced {ch!r} at {position(text, start)}", start)
                append(("PUNCT", ch, start))
                stack.pop()
                pairs[index] = len(toks) - 1
                ctx = stack[-1][1]
                operand = True
                bangs = 0
                chain = chains.pop() + below.pop()
                if chain > below[-1]:
                    below[-1] = chain
                    if chain > chain_limit and long_at < 0:
                        long_at = index
            elif kind == "IRIREF":
                if ctx == "E" and operand:  # the comparison operator, not an IRI
                    op = "<=" if text.startswith("<=", start) else "<"
                    append(("PUNCT", op, start))
                    operand = False
                    chains[-1] += 1
                    pos = start + len(op)
                    break
                append(("IRIREF", text[start:end], start))
                operand = True
                if ctx == "C":
                    chains[-1] += 1
            elif kind == "LT":
                if not (ctx == "E" and operand):
                    raise _LexError(f"unterminated or malformed IRI at {position(text, start)}", start)
                append(("PUNCT", text[start:end], start))
                operand = False
                chains[-1] += 1
            elif kind == "PNAME":
                name = text[start:end]
                append(("PNAME_NS" if name.index(":") == len(name) - 1 else "PNAME_LN", name, start))
                operand = True
                if ctx == "C":
                    chains[-1] += 1
            elif kind == "PUNCT" or kind == "DOT":
                punct = text[start:end]
                append(("PUNCT", punct, start))
                if punct == "!":
                    bangs += 1
                    depth = stack[-1][3] + bangs
                    if depth > deepest:
                        deepest = depth
                        if depth > limit and deep_at < 0:
                            deep_at = len(toks) - 1
                else:
                    bangs = 0
                if ctx == "E":
                    if operand and punct in BINARY:
                        chains[-1] += 1
                elif ctx == "C" or (ctx == "P" and punct in CHAINING):
                    chains[-1] += 1
                operand = False
            elif kind == "END":
                if len(stack) > 1:
                    opener, _, index, _ = stack[-1]
                    at = toks[index][2]
                    raise _LexError(f"unclosed {opener!r} opened at {position(text, at)}", at)
                return toks, pairs, Nesting(deepest, below[0], deep_at, long_at)
            elif kind == "ERR":
                ch = text[start]
                if ch in "'\"":
                    if toks and toks[-1][1] == ch * 2 and toks[-1][2] + 2 == start:
                        start -= 2  # an unterminated long string: point at its opening quotes
                    raise _LexError(f"unterminated or malformed string at {position(text, start)}", start)
                raise _LexError(f"unexpected character {ch!r} at {position(text, start)}", start)
            else:
                append((kind, text[start:end], start))  # type: ignore[arg-type]
                operand = True
                bangs = 0
                if ctx == "C":
                    chains[-1] += 1


def _opens_template(toks: list[Tok]) -> bool:
    """Whether the '{' just appended opens a template or data (after DATA, INSERT, DELETE, CONSTRUCT)."""
    if len(toks) < 2 or toks[-2][0] != "KEYWORD":
        return False
    return toks[-2][1].upper() in TEMPLATE_WORDS


_ESCAPES_DIFFER = (
    "escape sequences change how this request is read (an escaped quote, backslash, bracket or"
    " line break): write the characters themselves instead of \\u escapes"
)


def lex(
    text: str, *, depth_limit: int | None = None, chain_limit: int | None = None
) -> tuple[str, list[Tok], dict[int, int], Nesting]:
    """Decode escapes and tokenize; refuse text whose reading depends on where escapes are decoded.

    The specification decodes escapes before parsing; Oxigraph decodes them only inside strings
    and IRIs. Text with escapes is read both ways, and refused when the readings differ. The
    limits only mark, in the returned :class:`Nesting`, where the text first passes them.
    """
    limits = (
        _NO_LIMIT if depth_limit is None else depth_limit,
        _NO_LIMIT if chain_limit is None else chain_limit,
    )
    decoded, had_escapes = _decode(text)
    if not had_escapes:
        toks, pairs, nesting = _scan(decoded, TOKEN_RE, *limits)
        return decoded, toks, pairs, nesting
    try:
        toks, pairs, nesting = _scan(decoded, TOKEN_RE, *limits)
    except _LexError as e:
        try:
            _scan(text, RAW_TOKEN_RE)
        except _LexError:
            raise e from None
        raise QueryError(f"{_ESCAPES_DIFFER} ({e})") from None
    try:
        raw, _, _ = _scan(text, RAW_TOKEN_RE)
    except _LexError as e:
        if text.startswith("\\", e.offset):
            # An escape outside strings and IRIs: an engine that decodes late rejects the text.
            return decoded, toks, pairs, nesting
        raise QueryError(f"{_ESCAPES_DIFFER} ({e})") from None
    same = len(raw) == len(toks) and all(
        r[0] == d[0] and (r[1] == d[1] or _decode(r[1])[0] == d[1]) for r, d in zip(raw, toks, strict=True)
    )
    if not same:
        raise QueryError(_ESCAPES_DIFFER)
    return decoded, toks, pairs, nesting


def scan(text: str) -> tuple[list[Tok], dict[int, int]]:
    """Tokenize the text as it is, escapes left in strings and IRIs (Oxigraph's reading): the
    tokens with their offsets in ``text`` itself (to rewrite it), and for each opening bracket's
    index its closer's. Raises :class:`~kg.errors.QueryError` for text it cannot read (an
    unterminated string or IRI, an unbalanced bracket, an escape outside strings and IRIs).

    >>> toks, pairs = scan('ASK { "}" }')
    >>> [(kind, text, offset) for kind, text, offset in toks], pairs
    ([('KEYWORD', 'ASK', 0), ('PUNCT', '{', 4), ('STRING', '"}"', 6), ('PUNCT', '}', 10)], {1: 3})
    """
    toks, pairs, _ = _scan(text, RAW_TOKEN_RE)
    return toks, pairs


def tokenize(text: str) -> list[Token]:
    """Decode escapes and split SPARQL text into tokens, skipping whitespace and comments.

    Raises :class:`~kg.errors.QueryError` naming line and column for an unterminated string or
    IRI, an unbalanced bracket or an unexpected character.

    >>> [t.keyword or t.text for t in tokenize("sElEcT * { ?s a <x> } # done")]
    ['SELECT', '*', '{', '?s', 'a', '<x>', '}']
    """
    decoded, toks, _, _ = lex(text)
    tokens: list[Token] = []
    line, line_start, scanned = 1, 0, 0
    for kind, tok_text, start in toks:
        newlines = decoded.count("\n", scanned, start)
        if newlines:
            line += newlines
            line_start = decoded.rfind("\n", scanned, start) + 1
        scanned = start
        keyword = tok_text.upper() if kind == "KEYWORD" else None
        tokens.append(Token(kind, tok_text, start, line, start - line_start + 1, keyword))
    return tokens
