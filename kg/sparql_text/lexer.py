"""The SPARQL lexer: escape decoding (SPARQL 1.1 §19.2) and tokenization, read Oxigraph's way.

:func:`decode_escapes` decodes ``\\uXXXX`` escapes over the whole text; :func:`lex` tokenizes
it, tracking brackets to tell the ``<`` operator from an IRI, and refuses text whose reading
depends on where escapes are decoded (the specification decodes them first, Oxigraph only
inside strings and IRIs); :func:`tokenize` gives the tokens with line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.errors import QueryError

__all__ = ["Tok", "Token", "decode_escapes", "lex", "line_col", "position", "tokenize"]

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


def _scan(text: str, pattern: re.Pattern[str]) -> tuple[list[Tok], dict[int, int]]:
    """Tokenize; return the tokens and, for each opening bracket's index, its closer's index.

    Tracks the bracket context to tell '<' the operator (after an operand, in an expression)
    from '<' starting an IRI, as Oxigraph's parser does.
    """
    toks: list[Tok] = []
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
                    raise _LexError(f"unbalanced {ch!r} at {position(text, start)}", start)
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
                    raise _LexError(f"unterminated or malformed IRI at {position(text, start)}", start)
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
                    raise _LexError(f"unclosed {opener!r} opened at {position(text, at)}", at)
                return toks, pairs
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


_ESCAPES_DIFFER = (
    "escape sequences change how this request is read (an escaped quote, backslash, bracket or"
    " line break): write the characters themselves instead of \\u escapes"
)


def lex(text: str) -> tuple[str, list[Tok], dict[int, int]]:
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
    decoded, toks, _ = lex(text)
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
