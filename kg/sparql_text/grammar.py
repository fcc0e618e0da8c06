"""The token rules of SPARQL as Oxigraph reads them: the master token pattern and the word tables.

:mod:`kg.sparql_text.lexer` scans text with :data:`TOKEN_RE` (escapes decoded first) or
:data:`RAW_TOKEN_RE` (escapes left in strings and IRIs, as Oxigraph reads them), and uses the
tables here to tell keywords from names and to measure nesting.
"""

from __future__ import annotations

import re

__all__ = [
    "BINARY",
    "CHAINING",
    "CONTEXT_WORDS",
    "KEYWORDS",
    "OPENERS",
    "RAW_TOKEN_RE",
    "TEMPLATE_WORDS",
    "TOKEN_RE",
]

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


TOKEN_RE = _token_pattern(uchar=False)
RAW_TOKEN_RE = _token_pattern(uchar=True)

_QUERY_FORMS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
KEYWORDS = _QUERY_FORMS | {
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
# Keywords that change the bracket context or end an operand (see the lexer).
CONTEXT_WORDS = frozenset({"FILTER", "BIND", "SELECT", "TRUE", "FALSE"})
OPENERS = {"}": "{", ")": "(", "]": "["}
# Chain elements (see kg.sparql_text.lexer.Nesting): binary operators in expressions; in a
# group graph pattern, the triple separators and path operators (groups, BIND and FILTER are
# counted where they open); the words before a '{' that opens a template or data, not a pattern.
BINARY = frozenset({"||", "&&", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/"})
CHAINING = frozenset({".", ";", ",", "/", "|", "^", "*", "+", "?", "!"})
TEMPLATE_WORDS = frozenset({"DATA", "INSERT", "DELETE", "CONSTRUCT"})
