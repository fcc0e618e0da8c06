"""Fast lexical analysis of SPARQL text: the SERVICE and LOAD targets a request would reach, and
the structure of SPARQL Update requests.

The engine (Oxigraph) runs SERVICE and LOAD against any URL and cannot be told not to, so the
policy layer reads every request first: :func:`inspect` finds every SERVICE and LOAD target,
:func:`enforce_federation` refuses those not on the allow-list, and :func:`split_update` gives
the operations of an update as source text, to compute what a write changes. rdflib's parser
takes about 20 ms a query; this reads a 2 KB query in a small fraction of a millisecond.

The analysis is a tokenizer plus a light structural pass, written to find *at least* every
target the engine would use (over-reporting only refuses a request). Where the SPARQL
specification and Oxigraph read the same text differently, the text is refused or both
readings are reported:

- ``\\uXXXX`` escapes are decoded over the whole text first (SPARQL 1.1 §19.2), but Oxigraph
  decodes them only inside strings and IRIs. When the text has escapes it is tokenized both
  ways; if both succeed and the tokens differ (``"\\u0022"``, ``"\\u005C"``, an escaped newline
  in a comment...), the request is refused with :class:`~kg.errors.QueryError`.
- Oxigraph matches keywords without a word boundary (``SERVICESILENT<x>{}`` and
  ``?s ?p trueSERVICE <x> {}`` run a SERVICE). Bare words that are not SPARQL keywords, and
  prefixed names whose prefix is not declared, are refused; a declared prefixed name that the
  engine could split into ``SERVICE`` plus a target (``SERVICEex:x {``) is reported as a SERVICE.
- Oxigraph allows dots in a local name only in one final group (``ex:a.b.SERVICE <x> {}`` is
  ``ex:a.b`` then a SERVICE): local names are read its way.
- A ``<`` is an IRI unless it follows an operand inside an expression, where it is the
  comparison operator (as in Oxigraph's parser: ``FILTER(?a<'x>')``).

Text that Oxigraph rejects may still be accepted here (and the reverse); what matters is that
every text the engine would run is either refused or has all its targets reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from kg.errors import FederationRefused, QueryError

__all__ = [
    "ALLOW_ANY",
    "ALLOW_SETTING",
    "Inspection",
    "LoadRef",
    "ServiceRef",
    "Token",
    "UpdateOperation",
    "decode_escapes",
    "enforce_federation",
    "inspect",
    "invalid_allow_entries",
    "resolve_iri",
    "split_update",
    "tokenize",
]

ALLOW_ANY = "*"
"""Allow-list entry that allows every absolute http(s) IRI (``file:`` stays refused).

It also allows loopback and private addresses: use it only where the engine cannot reach
anything worth protecting.
"""

ALLOW_SETTING = "CLUSTERKG_SERVICE_ALLOW"
"""The setting that holds the allow-list, named in refusals."""

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
                    f"ambiguous escape '\\\\{text[m.end() : m.end() + 5]}' at {_where(text, m.start())}:"
                    " SPARQL engines disagree on whether it is an escape"
                )
            continue
        digits = m.group(1) or m.group(2)
        if digits is None:
            raise QueryError(
                f"malformed escape {text[m.start() : m.start() + 6]!r} at {_where(text, m.start())}:"
                " expected \\uXXXX or \\UXXXXXXXX with hexadecimal digits"
            )
        code = int(digits, 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryError(f"escape {m.group(0)!r} at {_where(text, m.start())} is not a Unicode character")
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

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
# Possessive quantifiers throughout: the token rules are unambiguous, so giving nothing back
# keeps a failed attempt linear. A prefix name is at most _PREFIX_MAX characters long: without a
# cap, text like 'a.a.a.a...' would rescan the whole run for a ':' at every token (quadratic).
_PREFIX_MAX = 100
_PN_PREFIX = f"[{_BASE}][{_CHARS}.]{{0,{_PREFIX_MAX - 1}}}+(?<!\\.)"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
# Oxigraph 0.5 allows dots in a local name only in one final group ('ex:a.b.c' is 'ex:a.b' '.'
# 'c' there, so 'ex:a.b.SERVICE <x> {}' is a SERVICE): read local names its way.
_PN_LOCAL = f"(?:[{_CHARS_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*+(?:\\.++(?:[{_CHARS}:]|{_PLX})++)?"
_VARNAME = f"[{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*+"
_ECHAR = r"""\\[tbnrf\\"']"""
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_EXP = r"[eE][+-]?[0-9]+"


def _token_pattern(uchar: bool) -> re.Pattern[str]:
    """The master token pattern; with ``uchar``, strings and IRIs may hold escapes (raw text)."""
    esc = f"{_ECHAR}|{_UCHAR}" if uchar else _ECHAR
    iri_escape = f"|{_UCHAR}" if uchar else ""
    string = (
        f"'''(?:(?:''|')?(?:[^'\\\\]|{esc}))*+'''"
        f'|"""(?:(?:""|")?(?:[^"\\\\]|{esc}))*+"""'
        f"|'(?:[^'\\\\\\n\\r]|{esc})*+'"
        f'|"(?:[^"\\\\\\n\\r]|{esc})*+"'
    )
    # Ordered by frequency where the grammar allows: PNAME before WORD (longest match), NIL and
    # ANON before OPEN, IRIREF before LT, numbers before DOT.
    alternatives = [
        ("VAR", f"[?$]{_VARNAME}"),
        ("PNAME", f"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
        ("WORD", "[A-Za-z][A-Za-z0-9_]*"),
        ("NIL", r"\([ \t\r\n]*\)"),
        ("ANON", r"\[[ \t\r\n]*\]"),
        ("OPEN", r"[{(\[]"),
        ("CLOSE", r"[})\]]"),
        ("IRIREF", f'<(?:[^<>"{{}}|^`\\\\\\x00-\\x20]{iri_escape})*+>'),
        ("STRING", string),
        ("PUNCT", r"\^\^|\|\||&&|!=|>=|[;,*/|^?!=+\->]"),
        ("DOUBLE", f"[0-9]+\\.[0-9]*{_EXP}|\\.[0-9]+{_EXP}|[0-9]+{_EXP}"),
        ("DECIMAL", r"[0-9]*\.[0-9]+"),
        ("INTEGER", "[0-9]+"),
        ("BLANK_NODE_LABEL", f"_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
        ("LANGTAG", "@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?"),
        ("DOT", r"\."),
        ("LT", "<=?"),
        ("END", r"\Z"),
        ("ERR", r"[\s\S]"),
    ]
    body = "|".join(f"(?P<{name}>{regex})" for name, regex in alternatives)
    return re.compile(f"(?>(?:[ \\t\\r\\n]+|#[^\\r\\n]*)*)(?:{body})")


_TOKEN_RE = _token_pattern(uchar=False)
_RAW_TOKEN_RE = _token_pattern(uchar=True)

_QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
_KEYWORDS = _QUERY_FORMS | {
    # clauses
    "BASE", "PREFIX", "DISTINCT", "REDUCED", "AS", "FROM", "NAMED", "WHERE", "GROUP", "BY", "HAVING",
    "ORDER", "ASC", "DESC", "LIMIT", "OFFSET", "VALUES", "UNDEF", "OPTIONAL", "MINUS", "UNION", "GRAPH",
    "SERVICE", "SILENT", "FILTER", "BIND", "LATERAL", "IN", "NOT", "EXISTS", "TRUE", "FALSE",
    # updates
    "LOAD", "INTO", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "TO", "INSERT", "DELETE", "DATA",
    "WITH", "USING", "DEFAULT", "ALL",
    # built-in functions and aggregates
    "STR", "LANG", "LANGMATCHES", "LANGDIR", "DATATYPE", "BOUND", "IRI", "URI", "BNODE", "RAND", "ABS",
    "CEIL", "FLOOR", "ROUND", "CONCAT", "SUBSTR", "STRLEN", "REPLACE", "UCASE", "LCASE",
    "ENCODE_FOR_URI", "CONTAINS", "STRSTARTS", "STRENDS", "STRBEFORE", "STRAFTER", "YEAR", "MONTH",
    "DAY", "HOURS", "MINUTES", "SECONDS", "TIMEZONE", "TZ", "NOW", "UUID", "STRUUID", "MD5", "SHA1",
    "SHA256", "SHA384", "SHA512", "COALESCE", "IF", "STRLANG", "STRLANGDIR", "STRDT", "SAMETERM",
    "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "HASLANG", "HASLANGDIR", "REGEX", "TRIPLE",
    "SUBJECT", "PREDICATE", "OBJECT", "ISTRIPLE", "ADJUST", "COUNT", "SUM", "MIN", "MAX", "AVG",
    "SAMPLE", "GROUP_CONCAT", "SEPARATOR",
}  # fmt: skip
# Keywords that change the bracket context or end an operand (see _scan).
_CONTEXT_WORDS = frozenset({"FILTER", "BIND", "SELECT", "TRUE", "FALSE"})
_OPENERS = {"}": "{", ")": "(", "]": "["}


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


_Tok = tuple[str, str, int]  # kind, text, offset


class _LexError(QueryError):
    """A lexical error at a known offset."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def _where(text: str, offset: int) -> str:
    line, column = _line_col(text, offset)
    return f"line {line}, column {column}"


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


def _scan(text: str, pattern: re.Pattern[str]) -> tuple[list[_Tok], dict[int, int]]:
    """Tokenize; return the tokens and, for each opening bracket's index, its closer's index.

    Tracks the bracket context to tell '<' the operator (after an operand, in an expression)
    from '<' starting an IRI, as Oxigraph's parser does.
    """
    toks: list[_Tok] = []
    append = toks.append
    pairs: dict[int, int] = {}
    # (opening bracket, context, token index); contexts: T clauses, P group, E expression,
    # C collection or blank-node property list.
    stack: list[tuple[str, str, int]] = [("", "T", -1)]
    ctx = "T"
    constraint = False  # after FILTER or BIND: the next '(' opens an expression
    operand = False  # the previous token ends an operand
    pos = 0
    while True:
        for m in pattern.finditer(text, pos):
            kind = m.lastgroup
            start, end = m.span(kind)  # type: ignore[arg-type]
            if kind == "VAR":
                append(("VAR", text[start:end], start))
                operand = True
            elif kind == "WORD":
                word = text[start:end]
                upper = word.upper()
                operand = False
                if upper in _KEYWORDS:
                    append(("KEYWORD", word, start))
                    if upper in _CONTEXT_WORDS:
                        if upper == "FILTER" or upper == "BIND":
                            constraint = True
                        elif upper == "SELECT":
                            if ctx == "P":
                                stack[-1] = (stack[-1][0], "T", stack[-1][2])
                                ctx = "T"
                        else:
                            operand = True
                else:
                    append(("A" if word == "a" else "NAME", word, start))
            elif kind == "OPEN":
                ch = text[start]
                append(("PUNCT", ch, start))
                operand = False
                if ch == "{":
                    ctx = "P"
                    constraint = False
                elif ch == "(":
                    ctx = "E" if ctx == "T" or ctx == "E" or constraint else "C"
                    constraint = False
                else:
                    ctx = "C"
                stack.append((ch, ctx, len(toks) - 1))
            elif kind == "CLOSE":
                ch = text[start]
                opener, _, index = stack[-1]
                if opener != _OPENERS[ch]:
                    raise _LexError(f"unbalanced {ch!r} at {_where(text, start)}", start)
                append(("PUNCT", ch, start))
                stack.pop()
                pairs[index] = len(toks) - 1
                ctx = stack[-1][1]
                operand = True
            elif kind == "IRIREF":
                if ctx == "E" and operand:  # the comparison operator, not an IRI
                    op = "<=" if text.startswith("<=", start) else "<"
                    append(("PUNCT", op, start))
                    operand = False
                    pos = start + len(op)
                    break
                append(("IRIREF", text[start:end], start))
                operand = True
            elif kind == "LT":
                if not (ctx == "E" and operand):
                    raise _LexError(f"unterminated or malformed IRI at {_where(text, start)}", start)
                append(("PUNCT", text[start:end], start))
                operand = False
            elif kind == "PNAME":
                name = text[start:end]
                append(("PNAME_NS" if name.index(":") == len(name) - 1 else "PNAME_LN", name, start))
                operand = True
            elif kind == "PUNCT" or kind == "DOT":
                append(("PUNCT", text[start:end], start))
                operand = False
            elif kind == "END":
                if len(stack) > 1:
                    opener, _, index = stack[-1]
                    at = toks[index][2]
                    raise _LexError(f"unclosed {opener!r} opened at {_where(text, at)}", at)
                return toks, pairs
            elif kind == "ERR":
                ch = text[start]
                if ch in "'\"":
                    if toks and toks[-1][1] == ch * 2 and toks[-1][2] + 2 == start:
                        start -= 2  # an unterminated long string: point at its opening quotes
                    raise _LexError(f"unterminated or malformed string at {_where(text, start)}", start)
                raise _LexError(f"unexpected character {ch!r} at {_where(text, start)}", start)
            else:
                append((kind, text[start:end], start))  # type: ignore[arg-type]
                operand = True


_ESCAPES_DIFFER = (
    "escape sequences change how this request is read (an escaped quote, backslash, bracket or"
    " line break): write the characters themselves instead of \\u escapes"
)


def _lex(text: str) -> tuple[str, list[_Tok], dict[int, int]]:
    """Decode escapes and tokenize; refuse text whose reading depends on where escapes are decoded.

    The specification decodes escapes before parsing; Oxigraph decodes them only inside strings
    and IRIs. Text with escapes is read both ways, and refused when the readings differ.
    """
    decoded, had_escapes = _decode(text)
    if not had_escapes:
        toks, pairs = _scan(decoded, _TOKEN_RE)
        return decoded, toks, pairs
    try:
        toks, pairs = _scan(decoded, _TOKEN_RE)
    except _LexError as e:
        try:
            _scan(text, _RAW_TOKEN_RE)
        except _LexError:
            raise e from None
        raise QueryError(f"{_ESCAPES_DIFFER} ({e})") from None
    try:
        raw, _ = _scan(text, _RAW_TOKEN_RE)
    except _LexError as e:
        if text.startswith("\\", e.offset):
            # An escape outside strings and IRIs: an engine that decodes late rejects the text.
            return decoded, toks, pairs
        raise QueryError(f"{_ESCAPES_DIFFER} ({e})") from None
    same = len(raw) == len(toks) and all(
        r[0] == d[0] and (r[1] == d[1] or _decode(r[1])[0] == d[1]) for r, d in zip(raw, toks, strict=True)
    )
    if not same:
        raise QueryError(_ESCAPES_DIFFER)
    return decoded, toks, pairs


def tokenize(text: str) -> list[Token]:
    """Decode escapes and split SPARQL text into tokens, skipping whitespace and comments.

    Raises :class:`~kg.errors.QueryError` naming line and column for an unterminated string or
    IRI, an unbalanced bracket or an unexpected character.

    >>> [t.keyword or t.text for t in tokenize("sElEcT * { ?s a <x> } # done")]
    ['SELECT', '*', '{', '?s', 'a', '<x>', '}']
    """
    decoded, toks, _ = _lex(text)
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


# ---------------------------------------------------------------------------------------------
# IRIs (RFC 3986 §5.2)

_IRI_PARTS_RE = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S
)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, step by step."""
    output: list[str] = []
    rest = path
    while rest:
        if rest.startswith("../"):
            rest = rest[3:]
        elif rest.startswith(("./", "/./")):
            rest = rest[2:]
        elif rest == "/.":
            rest = "/"
        elif rest.startswith("/../") or rest == "/..":
            rest = "/" + rest[4:]
            if output:
                output.pop()
        elif rest in (".", ".."):
            rest = ""
        else:
            cut = rest.find("/", 1)
            cut = len(rest) if cut < 0 else cut
            output.append(rest[:cut])
            rest = rest[cut:]
    return "".join(output)


def resolve_iri(base: str | None, reference: str) -> str:
    """Resolve an IRI reference against a base IRI (RFC 3986 §5.2); no base: unchanged.

    >>> resolve_iri("http://a/b/c/d;p?q", "../g")
    'http://a/b/g'
    >>> resolve_iri("http://a/b/c/d;p?q", "//evil.org/x")
    'http://evil.org/x'
    >>> resolve_iri(None, "sparql")
    'sparql'
    """
    if base is None:
        return reference
    r = _IRI_PARTS_RE.fullmatch(reference)
    b = _IRI_PARTS_RE.fullmatch(base)
    if r is None or b is None:  # pragma: no cover - the pattern matches every string
        return reference
    r_scheme, r_auth, r_path, r_query, r_frag = r.groups()
    b_scheme, b_auth, b_path, b_query, _ = b.groups()
    if r_scheme is not None:
        scheme, auth, path, query = r_scheme, r_auth, _remove_dot_segments(r_path), r_query
    elif r_auth is not None:
        scheme, auth, path, query = b_scheme, r_auth, _remove_dot_segments(r_path), r_query
    elif r_path == "":
        scheme, auth, path = b_scheme, b_auth, b_path
        query = r_query if r_query is not None else b_query
    else:
        if r_path.startswith("/"):
            path = _remove_dot_segments(r_path)
        elif b_auth is not None and b_path == "":
            path = _remove_dot_segments("/" + r_path)
        else:
            path = _remove_dot_segments(b_path[: b_path.rfind("/") + 1] + r_path)
        scheme, auth, query = b_scheme, b_auth, r_query
    out = f"{scheme}:" if scheme is not None else ""
    if auth is not None:
        out += f"//{auth}"
    out += path
    if query is not None:
        out += f"?{query}"
    if r_frag is not None:
        out += f"#{r_frag}"
    return out


# ---------------------------------------------------------------------------------------------
# Inspection

Kind = Literal["query", "update"]
Form = Literal["SELECT", "CONSTRUCT", "DESCRIBE", "ASK"]
_FORMS: tuple[Form, ...] = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


@dataclass(frozen=True)
class ServiceRef:
    """A SERVICE in the request: its endpoint IRI (None when it is a variable) and where it is."""

    iri: str | None
    silent: bool
    line: int
    column: int


@dataclass(frozen=True)
class LoadRef:
    """A LOAD in the request: the IRI it fetches, and the graph it loads into (None: default)."""

    iri: str
    silent: bool
    into: str | None
    line: int
    column: int


@dataclass(frozen=True)
class Inspection:
    """What a SPARQL request is and what it would reach.

    ``base`` and ``prefixes`` are those in force at the end of the text (an update may declare
    more before each operation). ``operations`` lists an update's operation kinds in order.
    """

    kind: Kind
    form: Form | None
    base: str | None
    prefixes: dict[str, str]
    services: list[ServiceRef]
    loads: list[LoadRef]
    operations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UpdateOperation:
    """One operation of a SPARQL Update, with its parts as source text (after escape decoding).

    ``kind`` is INSERT DATA, DELETE DATA, DELETE WHERE, MODIFY, LOAD, CLEAR, DROP, CREATE, ADD,
    MOVE or COPY. ``prologue`` holds every BASE and PREFIX declaration before the operation, to
    prepend when re-running a part. ``data`` (INSERT/DELETE DATA), ``where`` (DELETE WHERE's quad
    pattern, MODIFY's group graph pattern) and the templates are the text between the braces.
    Graph references (``source``, ``target``, ``with_iri``, ``using``...) are resolved IRIs or
    "DEFAULT", "NAMED", "ALL". LOAD without INTO has target "DEFAULT".
    """

    kind: str
    prologue: str
    text: str
    data: str | None = None
    where: str | None = None
    with_iri: str | None = None
    delete_template: str | None = None
    insert_template: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    silent: bool = False
    source: str | None = None
    target: str | None = None


_MISPLACED = frozenset(
    {"BASE", "PREFIX", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH"}
    | {"USING", "DATA"}
)
_IRI_KINDS = frozenset({"IRIREF", "PNAME_LN", "PNAME_NS"})
_PN_ESCAPE_RE = re.compile(r"\\(.)")


class _Reader:
    """The structural pass over a token list."""

    def __init__(self, text: str, toks: list[_Tok], pairs: dict[int, int]) -> None:
        self.text = text
        self.toks = toks
        self.pairs = pairs
        self.base: str | None = None
        self.prefixes: dict[str, str] = {}
        self.declarations: list[str] = []
        self.services: list[ServiceRef] = []
        self.loads: list[LoadRef] = []

    # -- helpers

    def error(self, message: str, index: int) -> QueryError:
        at = self.toks[index][2] if index < len(self.toks) else len(self.text)
        return QueryError(f"{message} at {_where(self.text, at)}")

    def keyword(self, index: int) -> str | None:
        if index < len(self.toks) and self.toks[index][0] == "KEYWORD":
            return self.toks[index][1].upper()
        return None

    def punct(self, index: int) -> str | None:
        if index < len(self.toks) and self.toks[index][0] == "PUNCT":
            return self.toks[index][1]
        return None

    def expand(self, index: int) -> str:
        """The IRI a token denotes: an IRIREF resolved against BASE, or an expanded prefixed name."""
        kind, text, _ = self.toks[index]
        if kind == "IRIREF":
            return resolve_iri(self.base, text[1:-1])
        prefix, _, local = text.partition(":")
        namespace = self.prefixes.get(prefix)
        if namespace is None:
            raise self.error(f"undeclared prefix {prefix + ':'!r}", index)
        if "\\" in local:
            local = _PN_ESCAPE_RE.sub(r"\1", local)
        return namespace + local

    def iri(self, index: int, what: str) -> str:
        if index >= len(self.toks) or self.toks[index][0] not in _IRI_KINDS:
            raise self.error(f"expected an IRI for {what}", index)
        return self.expand(index)

    # -- prologue and bodies

    def prologue(self, i: int) -> int:
        """Read BASE and PREFIX declarations from token i on; return the index after them."""
        while True:
            word = self.keyword(i)
            if word == "BASE":
                if i + 1 >= len(self.toks) or self.toks[i + 1][0] != "IRIREF":
                    raise self.error("expected an IRI after BASE", i + 1)
                self.base = self.expand(i + 1)
                end = i + 2
            elif word == "PREFIX":
                if i + 2 >= len(self.toks) or self.toks[i + 1][0] != "PNAME_NS":
                    raise self.error("expected a prefix name after PREFIX", i + 1)
                if self.toks[i + 2][0] != "IRIREF":
                    raise self.error("expected an IRI after the prefix name", i + 2)
                self.prefixes[self.toks[i + 1][1][:-1]] = self.expand(i + 2)
                end = i + 3
            else:
                return i
            last = self.toks[end - 1]
            self.declarations.append(self.text[self.toks[i][2] : last[2] + len(last[1])])
            i = end

    def body(self, i: int, j: int) -> None:
        """Check tokens i..j-1 and record every SERVICE among them."""
        toks = self.toks
        prefixes = self.prefixes
        for k in range(i, j):
            kind, text, _ = toks[k]
            if kind == "PNAME_LN" or kind == "PNAME_NS":
                prefix = text[: text.index(":")]
                if prefix not in prefixes:
                    raise self.error(f"undeclared prefix {prefix + ':'!r}", k)
                if prefix and prefix[0] in "sStTfF":
                    self.glued_service(k, prefix)
            elif kind == "KEYWORD":
                word = text.upper()
                if word == "SERVICE":
                    self.service(k)
                elif word in _MISPLACED:
                    raise self.error(f"unexpected {word}", k)
            elif kind == "NAME":
                raise self.error(f"unknown keyword {text!r}", k)

    def service(self, k: int) -> None:
        """Record the SERVICE whose keyword is token k."""
        line, column = _line_col(self.text, self.toks[k][2])
        t = k + 1
        silent = self.keyword(t) == "SILENT"
        if silent:
            t += 1
        if t < len(self.toks) and self.toks[t][0] == "VAR":
            self.services.append(ServiceRef(None, silent, line, column))
            return
        self.services.append(ServiceRef(self.iri(t, "SERVICE"), silent, line, column))
        # Oxigraph reads 'SERVICE SILENTex:x' as SERVICE SILENT ex:x when ex: is declared.
        for iri in self.split_names(t, "silent"):
            self.services.append(ServiceRef(iri, True, line, column))

    def glued_service(self, k: int, prefix: str) -> None:
        """Report a prefixed name that the engine may read as SERVICE plus a target ('SERVICEex:x {')."""
        if self.punct(k + 1) != "{":
            return
        lowered = prefix.lower()
        for lead in ("service", "trueservice", "falseservice"):
            if not lowered.startswith(lead):
                continue
            rest = prefix[len(lead) :]
            readings = [(rest, False)]
            if rest.lower().startswith("silent"):
                readings.append((rest[6:], True))
            local = self.toks[k][1][len(prefix) + 1 :]
            if "\\" in local:
                local = _PN_ESCAPE_RE.sub(r"\1", local)
            line, column = _line_col(self.text, self.toks[k][2])
            for name, silent in readings:
                if name in self.prefixes:
                    self.services.append(ServiceRef(self.prefixes[name] + local, silent, line, column))

    def split_names(self, t: int, lead: str) -> list[str]:
        """IRIs of prefixed name t read with ``lead`` (e.g. 'silent') cut from the front of its prefix."""
        kind, text, _ = self.toks[t]
        if kind == "IRIREF":
            return []
        prefix, _, local = text.partition(":")
        if not prefix.lower().startswith(lead) or prefix[len(lead) :] not in self.prefixes:
            return []
        if "\\" in local:
            local = _PN_ESCAPE_RE.sub(r"\1", local)
        return [self.prefixes[prefix[len(lead) :]] + local]

    # -- update operations

    def block(self, i: int, what: str) -> tuple[str, int]:
        """The text inside the braces that open at token i (checked as a body); the index after."""
        if self.punct(i) != "{":
            raise self.error(f"expected '{{' to open {what}", i)
        close = self.pairs[i]
        self.body(i + 1, close)
        return self.text[self.toks[i][2] + 1 : self.toks[close][2]], close + 1

    def graph_ref(self, i: int, allow: tuple[str, ...], what: str) -> tuple[str, int]:
        """Read GRAPH iri, or one of the words in ``allow`` (DEFAULT, NAMED, ALL, or '' for a bare iri)."""
        word = self.keyword(i)
        if word == "GRAPH":
            return self.iri(i + 1, what), i + 2
        if word is not None and word in allow:
            return word, i + 1
        if "" in allow:
            return self.iri(i, what), i + 1
        raise self.error(f"expected GRAPH <iri> or {', '.join(a for a in allow if a)} for {what}", i)

    def operation(self, i: int, first: bool) -> tuple[UpdateOperation, int]:
        """Read the update operation that starts at token i; return it and the index after it."""
        word = self.keyword(i)
        start = self.toks[i][2] if i < len(self.toks) else len(self.text)
        data = where = with_iri = delete_template = insert_template = source = target = None
        using: list[str] = []
        using_named: list[str] = []
        silent = False
        if word in ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"):
            kind = word
            j = i + 1
            silent = self.keyword(j) == "SILENT"
            if silent:
                j += 1
            if word == "LOAD":
                source, j = self.load(j, silent, start)
                target = self.loads[-1].into or "DEFAULT"
            elif word in ("CLEAR", "DROP"):
                target, j = self.graph_ref(j, ("DEFAULT", "NAMED", "ALL"), word)
            elif word == "CREATE":
                target, j = self.graph_ref(j, (), word)
            else:
                source, j = self.graph_ref(j, ("DEFAULT", ""), word)
                if self.keyword(j) != "TO":
                    raise self.error(f"expected TO in {word}", j)
                target, j = self.graph_ref(j + 1, ("DEFAULT", ""), word)
        elif word in ("INSERT", "DELETE") and self.keyword(i + 1) == "DATA":
            kind = f"{word} DATA"
            data, j = self.block(i + 2, kind)
        elif word == "DELETE" and self.keyword(i + 1) == "WHERE":
            kind = "DELETE WHERE"
            where, j = self.block(i + 2, kind)
        elif word in ("WITH", "INSERT", "DELETE"):
            kind = "MODIFY"
            j = i
            if word == "WITH":
                with_iri = self.iri(i + 1, "WITH")
                j = i + 2
            if self.keyword(j) == "DELETE":
                delete_template, j = self.block(j + 1, "DELETE")
            if self.keyword(j) == "INSERT":
                insert_template, j = self.block(j + 1, "INSERT")
            if delete_template is None and insert_template is None:
                raise self.error("expected DELETE or INSERT", j)
            while self.keyword(j) == "USING":
                if self.keyword(j + 1) == "NAMED":
                    using_named.append(self.iri(j + 2, "USING NAMED"))
                    j += 3
                else:
                    using.append(self.iri(j + 1, "USING"))
                    j += 2
            if self.keyword(j) != "WHERE":
                raise self.error("expected WHERE", j)
            where, j = self.block(j + 1, "WHERE")
        elif first:
            raise self.error("expected SELECT, CONSTRUCT, DESCRIBE, ASK or an update operation", i)
        else:
            raise self.error("expected an update operation", i)
        last = self.toks[j - 1]
        return (
            UpdateOperation(
                kind=kind,
                prologue="\n".join(self.declarations),
                text=self.text[start : last[2] + len(last[1])],
                data=data,
                where=where,
                with_iri=with_iri,
                delete_template=delete_template,
                insert_template=insert_template,
                using=using,
                using_named=using_named,
                silent=silent,
                source=source,
                target=target,
            ),
            j,
        )

    def load(self, j: int, silent: bool, start: int) -> tuple[str, int]:
        """Read LOAD's IRI at token j and its INTO GRAPH; record it; return the IRI, the index after."""
        line, column = _line_col(self.text, start)
        source = self.iri(j, "LOAD")
        into = None
        end = j + 1
        if self.keyword(end) == "INTO":
            if self.keyword(end + 1) != "GRAPH":
                raise self.error("expected GRAPH after INTO", end + 1)
            into = self.iri(end + 2, "INTO GRAPH")
            end += 3
        # Oxigraph reads 'LOAD SILENTex:x' as LOAD SILENT ex:x when ex: is declared.
        for iri in self.split_names(j, "silent"):
            self.loads.append(LoadRef(iri, True, into, line, column))
        self.loads.append(LoadRef(source, silent, into, line, column))
        return source, end

    def update(self, i: int) -> list[UpdateOperation]:
        """Read operations separated by ';', each after its own prologue."""
        operations: list[UpdateOperation] = []
        n = len(self.toks)
        while True:
            i = self.prologue(i)
            if i >= n:
                return operations
            operation, i = self.operation(i, first=not operations)
            operations.append(operation)
            if i >= n:
                return operations
            if self.punct(i) != ";":
                raise self.error("expected ';' between update operations", i)
            i += 1


def _read(text: str) -> tuple[_Reader, Form | None, list[UpdateOperation]]:
    decoded, toks, pairs = _lex(text)
    reader = _Reader(decoded, toks, pairs)
    i = reader.prologue(0)
    word = reader.keyword(i)
    for form in _FORMS:
        if word == form:
            reader.body(i, len(toks))
            return reader, form, []
    return reader, None, reader.update(i)


def inspect(text: str) -> Inspection:
    """Tell whether SPARQL text is a query or an update, and find every SERVICE and LOAD target.

    Prefixed names are expanded and relative IRIs resolved against BASE (a relative IRI with
    no BASE stays relative). Raises :class:`~kg.errors.QueryError` when the text cannot be read
    safely: a lexical error, an undeclared prefix, an unknown keyword, a misplaced LOAD.

    >>> found = inspect("PREFIX ex: <http://example.org/> SELECT * { SERVICE SILENT ex:sparql {} }")
    >>> found.kind, found.form, [(s.iri, s.silent) for s in found.services]
    ('query', 'SELECT', [('http://example.org/sparql', True)])
    >>> [(load.iri, load.into) for load in inspect("LOAD <file:///etc/passwd>").loads]
    [('file:///etc/passwd', None)]
    """
    reader, form, operations = _read(text)
    return Inspection(
        kind="query" if form is not None else "update",
        form=form,
        base=reader.base,
        prefixes=dict(reader.prefixes),
        services=reader.services,
        loads=reader.loads,
        operations=[op.kind for op in operations],
    )


def split_update(text: str) -> list[UpdateOperation]:
    """Split a SPARQL Update into its operations, with their parts as source text.

    >>> ops = split_update("PREFIX ex: <http://e/> INSERT DATA { ex:a ex:b 'c;}' } ; DROP SILENT ALL")
    >>> [(op.kind, op.data, op.target) for op in ops]
    [('INSERT DATA', " ex:a ex:b 'c;}' ", None), ('DROP', None, 'ALL')]
    >>> ops[1].prologue
    'PREFIX ex: <http://e/>'
    """
    _, form, operations = _read(text)
    if form is not None:
        raise QueryError(f"expected an update, found a {form} query")
    return operations


# ---------------------------------------------------------------------------------------------
# Federation policy


class _Url(NamedTuple):
    scheme: str
    host: str
    port: int
    path: str


_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_HOST_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_.\-]*[a-z0-9_])?|\[[0-9a-f:.]+\]")
_DOT_SEGMENTS = frozenset({".", "..", "%2e", ".%2e", "%2e.", "%2e%2e"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _parse_url(iri: str) -> _Url | str:
    """Parse an absolute http(s) IRI strictly; return why not when it cannot be used."""
    m = _SCHEME_RE.match(iri)
    if m is None:
        return "it is not an absolute IRI"
    scheme = m.group(1).lower()
    if scheme == "file":
        return "file: IRIs are never allowed"
    if scheme not in _DEFAULT_PORTS:
        return "only http and https endpoints can be allowed"
    if any(ch <= " " or ch in "\\\x7f" for ch in iri) or not iri.startswith("//", m.end()):
        return "it is not a well-formed http(s) URL"
    rest = iri[m.end() + 2 :]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority, tail = rest[:cut], rest[cut:]
    if "@" in authority:
        return "it has user information before the host"
    if "%" in authority:
        return "its host is percent-encoded"
    if not authority.isascii():
        return "its host is not ASCII (use the xn-- form)"
    host, port_text = authority.lower(), ""
    colon = host.rfind(":")
    if colon > host.rfind("]"):
        host, port_text = host[:colon], host[colon + 1 :]
    if _HOST_RE.fullmatch(host) is None:
        return "its host is malformed"
    if port_text == "":
        port = _DEFAULT_PORTS[scheme]
    elif port_text.isdigit() and int(port_text) <= 65535:
        port = int(port_text)
    else:
        return "its port is malformed"
    path = re.split(r"[?#]", tail, maxsplit=1)[0] or "/"
    if any(segment.lower() in _DOT_SEGMENTS for segment in path.split("/")):
        return "its path has '.' or '..' segments"
    return _Url(scheme, host, port, path)


def _allows(entry: _Url, url: _Url) -> bool:
    if (entry.scheme, entry.host, entry.port) != (url.scheme, url.host, url.port):
        return False
    if url.path == entry.path or entry.path == "/":
        return True
    return url.path.startswith(entry.path if entry.path.endswith("/") else entry.path + "/")


def _parse_entry(entry: str) -> _Url | None:
    """An allow-list entry as a URL; None for "*" and for entries that can never match."""
    entry = entry.strip()
    if entry == ALLOW_ANY or "?" in entry or "#" in entry:
        return None
    url = _parse_url(entry)
    return url if isinstance(url, _Url) else None


def invalid_allow_entries(allow: Sequence[str]) -> list[str]:
    """The allow-list entries that can never match: neither "*" nor an http(s) URL without query.

    For the settings to report at start-up.

    >>> invalid_allow_entries(["https://example.org/sparql", "example.org", "*"])
    ['example.org']
    """
    return [entry for entry in allow if entry.strip() != ALLOW_ANY and _parse_entry(entry) is None]


def enforce_federation(inspection: Inspection, allow: Sequence[str]) -> None:
    """Refuse every SERVICE and LOAD whose target is not on the allow-list.

    Each allow-list entry is an http(s) URL (the endpoint and the paths below it, at a '/'
    boundary; scheme, host and default port compared after normalisation) or "*" (any http(s)
    IRI). A variable target, a non-http(s) or relative IRI and any ``file:`` IRI are always
    refused; SILENT changes nothing. Against URL entries, an IRI must be a plain URL: user
    information, a percent-encoded or non-ASCII host and '.' or '..' path segments are refused.
    Raises :class:`~kg.errors.FederationRefused`.

    >>> found = inspect("SELECT * { SERVICE <https://example.org/sparql/v1> {} }")
    >>> enforce_federation(found, ["https://EXAMPLE.org:443/sparql"])
    >>> enforce_federation(found, ["https://example.org/spar"])
    Traceback (most recent call last):
    ...
    kg.errors.FederationRefused: SERVICE <https://example.org/sparql/v1> (line 1, column 12) is not allowed: \
it is not on the allow-list. To allow it, add it to CLUSTERKG_SERVICE_ALLOW.
    """
    any_http = any(entry.strip() == ALLOW_ANY for entry in allow)
    entries = [url for url in map(_parse_entry, allow) if url is not None]
    targets: list[tuple[str, str | None, int, int]] = [
        ("SERVICE", s.iri, s.line, s.column) for s in inspection.services
    ]
    targets += [("LOAD", load.iri, load.line, load.column) for load in inspection.loads]
    for what, iri, line, column in targets:
        where = f"(line {line}, column {column})"
        if iri is None:
            raise FederationRefused(
                f"{what} with a variable endpoint {where} is not allowed: the endpoint cannot be checked"
                f" before the query runs. Use a constant IRI listed in {ALLOW_SETTING}."
            )
        scheme = _SCHEME_RE.match(iri)
        if scheme is not None and scheme.group(1).lower() == "file":
            raise FederationRefused(f"{what} <{iri}> {where} is not allowed: file: IRIs are never allowed.")
        if scheme is None or scheme.group(1).lower() not in _DEFAULT_PORTS:
            reason = "it is not an absolute IRI" if scheme is None else "it is not an http(s) IRI"
            raise FederationRefused(
                f"{what} <{iri}> {where} is not allowed: {reason}. Only absolute http(s) IRIs listed in"
                f" {ALLOW_SETTING} can be reached."
            )
        if any_http:
            continue
        url = _parse_url(iri)
        if isinstance(url, str):
            raise FederationRefused(
                f"{what} <{iri}> {where} is not allowed: {url}, so it cannot be matched against"
                f" {ALLOW_SETTING}."
            )
        if not any(_allows(entry, url) for entry in entries):
            raise FederationRefused(
                f"{what} <{iri}> {where} is not allowed: it is not on the allow-list. To allow it,"
                f" add it to {ALLOW_SETTING}."
            )
