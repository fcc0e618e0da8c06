"""Rewrites of query text for Virtuoso 7.2.5, made on the tokens of the text, never on its characters.

Virtuoso 7.2.5 answers some SPARQL wrongly or not at all; the layer sends it an equivalent text
instead (the measured facts are in the README, "Remote engines"):

- ``GRAPH <g> { }`` / ``GRAPH ?g { }`` (queries only): a graph pattern over a graph holding a
  triple (:func:`empty_graph_patterns`);
- ``FILTER EXISTS { VALUES ?v { <a> <b> } }``: ``FILTER (?v IN (<a>, <b>))``
  (:func:`exists_values_as_in`);
- ``SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }``: a ``GROUP BY`` (:func:`graph_list_grouped`);
- language tags in a VALUES block in upper case (:func:`values_language_tags_upper`);
- two BASE declarations at the start as one (:func:`one_base`);
- DESCRIBE as a concise bounded description, by a pragma in front (:func:`for_virtuoso`).

And the answers: a variable bound to ``EXISTS {...}``, or to booleans in a VALUES block, holds
booleans that Virtuoso returns as integers (:func:`boolean_variables`, for
:func:`kg.engine.profiles.repair_json_results`).

Every rewrite reads the text with :func:`kg.sparql_text.lexer.scan` (Oxigraph's reading, offsets in
the text as sent) and changes only the tokens of the construct it rewrites: the text of string
literals, IRIs, prefixed names and comments is never changed, and ``GRAPH ?g { }`` inside a
literal, an IRI or a comment is not a graph pattern. Text the lexer cannot read is sent as it is
(the engine says what is wrong with it). Each rewrite is first looked for by a cheap search of
its keywords, so that most texts are not tokenized at all; an update over
:data:`LARGE_UPDATE` characters (a bulk ``INSERT DATA``) gets only :func:`one_base`.

Size: six rewrites and two readings of the answers' variables, each a small function with its
doctests, over one shared reading of the tokens; they belong together as what Virtuoso needs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from kg.errors import QueryError
from kg.sparql_text.grammar import RAW_TOKEN_RE
from kg.sparql_text.lexer import Tok, decode_escapes, scan

__all__ = [
    "DESCRIBE_CBD",
    "LARGE_UPDATE",
    "boolean_variables",
    "empty_graph_patterns",
    "exists_values_as_in",
    "exists_variables",
    "for_virtuoso",
    "graph_list_grouped",
    "one_base",
    "values_boolean_variables",
    "values_language_tags_upper",
]

XSD = "http://www.w3.org/2001/XMLSchema#"
DESCRIBE_CBD = 'define sql:describe-mode "CBD"\n'
"""The pragma that makes Virtuoso answer DESCRIBE with a concise bounded description, as Oxigraph."""
LARGE_UPDATE = 1 << 20
"""Updates longer than this (in characters) are not tokenized: only :func:`one_base` applies."""
_CACHED = 1 << 16  # readings of texts up to this length are kept (a query is read twice: sent, answered)

Edit = tuple[int, int, str]  # replace text[start:end] by the string


@dataclass
class _Reading:
    """The tokens of a text, its bracket pairs both ways, and its declared prefixes."""

    text: str
    toks: list[Tok]
    pairs: dict[int, int]
    openers: dict[int, int] = field(init=False)
    prefixes: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.openers = {close: open_ for open_, close in self.pairs.items()}
        self.prefixes = {}
        toks = self.toks
        for i in range(len(toks) - 2):
            if self.word(i) == "PREFIX" and toks[i + 1][0] == "PNAME_NS" and toks[i + 2][0] == "IRIREF":
                self.prefixes[toks[i + 1][1][:-1]] = toks[i + 2][1][1:-1]

    def word(self, i: int) -> str | None:
        """The keyword at token ``i`` (upper case), if it is one."""
        if 0 <= i < len(self.toks) and self.toks[i][0] == "KEYWORD":
            return self.toks[i][1].upper()
        return None

    def punct(self, i: int) -> str | None:
        """The punctuation at token ``i``, if it is one."""
        if 0 <= i < len(self.toks) and self.toks[i][0] == "PUNCT":
            return self.toks[i][1]
        return None

    def kind(self, i: int) -> str | None:
        """The kind of token ``i``."""
        return self.toks[i][0] if 0 <= i < len(self.toks) else None

    def start(self, i: int) -> int:
        """Where token ``i`` starts in the text."""
        return self.toks[i][2]

    def end(self, i: int) -> int:
        """Where token ``i`` ends in the text."""
        return self.toks[i][2] + len(self.toks[i][1])

    def iri(self, i: int) -> str | None:
        """The IRI token ``i`` names (an IRI reference as written, a prefixed name expanded)."""
        kind, text, _ = self.toks[i]
        if kind == "IRIREF":
            return text[1:-1]
        if kind in ("PNAME_LN", "PNAME_NS"):
            prefix, _, local = text.partition(":")
            if prefix in self.prefixes:
                return self.prefixes[prefix] + local
        return None


def _read_uncached(text: str) -> _Reading | None:
    try:
        toks, pairs = scan(text)
    except QueryError:
        return None
    return _Reading(text, toks, pairs)


_read_cached = functools.lru_cache(maxsize=64)(_read_uncached)


def _read(text: str) -> _Reading | None:
    """The tokens of a text; None when it cannot be read (then nothing is rewritten)."""
    return _read_cached(text) if len(text) <= _CACHED else _read_uncached(text)


def _apply(text: str, edits: list[Edit]) -> str:
    """The text with the edits made (in order; one that overlaps an earlier one is left out)."""
    if not edits:
        return text
    pieces: list[str] = []
    done = 0
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
        if start < done:
            continue
        pieces += [text[done:start], replacement]
        done = end
    return "".join(pieces) + text[done:]


def _name(var: str) -> str:
    return var[1:]


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


# Cheap searches for what each rewrite needs, before any tokenizing: each finds at least every
# text where the construct is syntax (spaces and comments between its tokens allowed); the
# tokens then tell syntax from literals and comments.
_GAP = r"(?:\s|#[^\n]*)*"
_EMPTY_BRACES = re.compile(r"\{" + _GAP + r"\}")
_EXISTS_VALUES = re.compile(r"EXISTS" + _GAP + r"\{" + _GAP + "VALUES", re.IGNORECASE)
_GRAPH_LIST = re.compile(
    r"DISTINCT" + _GAP + r"[?$][^\s{]+" + _GAP + r"(?:WHERE" + _GAP + r")?\{" + _GAP + "GRAPH", re.IGNORECASE
)


# --- the whole text --------------------------------------------------------------------------


def for_virtuoso(text: str, *, update: bool = False) -> str:
    """The query (or, with ``update``, update) text as Virtuoso 7.2.5 is sent it: every rewrite
    of this module, and the DESCRIBE pragma in front.

    >>> print(for_virtuoso("ASK { GRAPH <urn:g> { } } # GRAPH <urn:g> { }"))
    define sql:describe-mode "CBD"
    ASK { { SELECT (1 AS ?kg_graph) { GRAPH <urn:g> { ?kg_s ?kg_p ?kg_o } } LIMIT 1 } } # GRAPH <urn:g> { }
    """
    text = one_base(text)
    if update and len(text) > LARGE_UPDATE:
        return DESCRIBE_CBD + text
    edits: list[Edit] = []
    values = _has("VALUES", text)
    empty = not update and _EMPTY_BRACES.search(text) is not None and _has("GRAPH", text)
    exists = values and _EXISTS_VALUES.search(text) is not None
    listing = _GRAPH_LIST.search(text) is not None
    tags = values and "@" in text
    if empty or exists or listing or tags:
        reading = _read(text)
        if reading is not None:
            edits += _empty_graph_edits(reading) if empty else []
            edits += _exists_values_edits(reading) if exists else []
            edits += _graph_list_edits(reading) if listing else []
            edits += _language_tag_edits(reading) if tags else []
    return DESCRIBE_CBD + _apply(text, edits)


# --- BASE ------------------------------------------------------------------------------------


def one_base(text: str) -> str:
    """One BASE where the text starts with two (Virtuoso 7 refuses a second BASE): the second
    resolved against the first, as SPARQL would. Only the first four tokens are read (not the
    whole text); comments before them are kept.

    >>> one_base("BASE <http://s/sparql> BASE <a/> SELECT ?x {}")
    'BASE <http://s/a/> SELECT ?x {}'
    >>> one_base("BASE <http://s/sparql> SELECT ?x { ?x ?p 'BASE <a/>' }")
    "BASE <http://s/sparql> SELECT ?x { ?x ?p 'BASE <a/>' }"
    """
    if not _has("BASE", text):
        return text
    head: list[re.Match[str]] = []
    for match in RAW_TOKEN_RE.finditer(text):
        head.append(match)
        if len(head) == 4:
            break
    kinds = [(m.lastgroup, m[m.lastgroup or 0].upper()) for m in head]
    if len(kinds) < 4 or kinds[0] != ("WORD", "BASE") or kinds[2] != ("WORD", "BASE"):
        return text
    if kinds[1][0] != "IRIREF" or kinds[3][0] != "IRIREF":
        return text
    first, second = (decode_escapes(m[m.lastgroup or 0][1:-1]) for m in (head[1], head[3]))
    resolved = urljoin(first, second)
    if re.search(r'[\x00-\x20<>"{}|^`\\]', resolved):
        return text
    return text[: head[0].start("WORD")] + f"BASE <{resolved}>" + text[head[3].end() :]


# --- empty graph patterns --------------------------------------------------------------------

_TRIPLE = "?kg_s ?kg_p ?kg_o"


def empty_graph_patterns(text: str) -> str:
    """Empty graph patterns as patterns Virtuoso 7.2.5 answers as SPARQL says (a graph exists
    there when it holds a triple: it keeps no empty graphs; it matches ``GRAPH <g> { }`` for any
    IRI and never ``GRAPH ?g { }``). A variable a VALUES block binds becomes ``FILTER EXISTS``; a
    free variable a subquery of the graphs; an IRI a subquery of one row (7.2.5 ignores a
    ``FILTER EXISTS`` that shares no variable with its group, and answers ``ASK { FILTER EXISTS {
    GRAPH <nowhere> { ?s ?p ?o } } }`` true; measured), which binds ``?kg_graph`` to 1 (``SELECT *``
    shows it). Only for queries: in an update, ``GRAPH <g> { }`` may be data.

    >>> empty_graph_patterns("ASK { GRAPH <urn:g> { } }")
    'ASK { { SELECT (1 AS ?kg_graph) { GRAPH <urn:g> { ?kg_s ?kg_p ?kg_o } } LIMIT 1 } }'
    >>> empty_graph_patterns("SELECT ?g { VALUES (?g) { (<urn:g>) } GRAPH ?g { } }")
    'SELECT ?g { VALUES (?g) { (<urn:g>) } FILTER EXISTS { GRAPH ?g { ?kg_s ?kg_p ?kg_o } } }'
    >>> empty_graph_patterns("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    'SELECT DISTINCT ?g WHERE { { SELECT ?g { GRAPH ?g { ?kg_s ?kg_p ?kg_o } } GROUP BY ?g } }'
    >>> empty_graph_patterns("SELECT * { ?s ?p 'GRAPH ?g { }' }")
    "SELECT * { ?s ?p 'GRAPH ?g { }' }"
    """
    reading = _read(text)
    return text if reading is None else _apply(text, _empty_graph_edits(reading))


def _empty_graph_edits(r: _Reading) -> list[Edit]:
    edits: list[Edit] = []
    bound: set[str] | None = None
    for i in range(len(r.toks) - 3):
        if r.word(i) != "GRAPH" or r.punct(i + 2) != "{" or r.pairs.get(i + 2) != i + 3:
            continue
        kind, term, _ = r.toks[i + 1]
        if kind == "VAR":
            if bound is None:
                bound = {name for names, _, _ in _values_blocks(r) for name in names}
            name = _name(term)
            if name in bound:
                new = f"FILTER EXISTS {{ GRAPH ?{name} {{ {_TRIPLE} }} }}"
            else:
                new = f"{{ SELECT ?{name} {{ GRAPH ?{name} {{ {_TRIPLE} }} }} GROUP BY ?{name} }}"
        elif kind in ("IRIREF", "PNAME_LN", "PNAME_NS"):
            new = f"{{ SELECT (1 AS ?kg_graph) {{ GRAPH {term} {{ {_TRIPLE} }} }} LIMIT 1 }}"
        else:
            continue
        edits.append((r.start(i), r.end(i + 3), new))
    return edits


# --- FILTER EXISTS { VALUES } ----------------------------------------------------------------


def exists_values_as_in(text: str) -> str:
    r"""``FILTER EXISTS { VALUES ... }`` of one variable and IRIs as ``FILTER (?v IN (...))``
    (Virtuoso 7.2.5 answers the first with no rows, or fails with SP031 when the variable is
    also BIND-ed; the write path's kg/rq/writes-incoming.rq has it); with an ``UNDEF`` row it
    holds for any value, so it goes.

    >>> exists_values_as_in("FILTER EXISTS {\n VALUES (?in) {\n (<urn:a>)\n (<urn:b>)\n }\n }")
    'FILTER (?in IN (<urn:a>, <urn:b>))'
    >>> exists_values_as_in("FILTER EXISTS { VALUES ?in { UNDEF } }")
    ''
    >>> exists_values_as_in("FILTER EXISTS { VALUES ?in { 'x' } }")  # a literal: not the same test
    "FILTER EXISTS { VALUES ?in { 'x' } }"
    """
    reading = _read(text)
    return text if reading is None else _apply(text, _exists_values_edits(reading))


def _exists_values_edits(r: _Reading) -> list[Edit]:
    edits: list[Edit] = []
    blocks = {head: (names, open_, close) for names, open_, close, head in _values_blocks_at(r)}
    for i in range(len(r.toks) - 3):
        if r.word(i) != "FILTER" or r.word(i + 1) != "EXISTS" or r.punct(i + 2) != "{":
            continue
        end = r.pairs[i + 2]
        block = blocks.get(i + 3)
        if block is None or block[2] != end - 1 or len(block[0]) != 1:
            continue
        names, open_, close = block
        terms: list[str] = []
        undef = False
        for _, first, last in _values_terms(r, names, open_, close):
            kind, term, _ = r.toks[first]
            if last - first != 1 or kind not in ("IRIREF", "PNAME_LN", "PNAME_NS", "KEYWORD"):
                break
            if kind == "KEYWORD":
                if term.upper() != "UNDEF":
                    break
                undef = True
            terms.append(term)
        else:
            new = "" if undef else f"FILTER (?{names[0]} IN ({', '.join(terms)}))"
            edits.append((r.start(i), r.end(end), new))
    return edits


# --- SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } --------------------------------------------


def graph_list_grouped(text: str) -> str:
    """``SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }`` as a GROUP BY: Virtuoso 7.2.5 answers
    that exact shape from its list of graphs, private ones included (measured). ``DISTINCT``
    goes and ``GROUP BY ?g`` comes after the pattern; the rest of the text stays as written.

    >>> graph_list_grouped("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } LIMIT 5")
    'SELECT  ?g { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g LIMIT 5'
    """
    reading = _read(text)
    return text if reading is None else _apply(text, _graph_list_edits(reading))


def _graph_list_edits(r: _Reading) -> list[Edit]:
    edits: list[Edit] = []
    for i in range(len(r.toks) - 10):
        if r.word(i) != "SELECT" or r.word(i + 1) != "DISTINCT" or r.kind(i + 2) != "VAR":
            continue
        name = _name(r.toks[i + 2][1])
        outer = i + 4 if r.word(i + 3) == "WHERE" else i + 3
        if r.punct(outer) != "{" or r.word(outer + 1) != "GRAPH":
            continue
        graph, inner = outer + 2, outer + 3
        if r.kind(graph) != "VAR" or _name(r.toks[graph][1]) != name or r.punct(inner) != "{":
            continue
        if any(r.kind(k) != "VAR" for k in range(inner + 1, inner + 4)):
            continue
        closer = inner + 5 if r.punct(inner + 4) == "." else inner + 4
        if r.pairs.get(inner) != closer or r.pairs.get(outer) != closer + 1:
            continue
        if r.word(closer + 2) == "GROUP":
            continue
        edits += [
            (r.start(i + 1), r.end(i + 1), ""),
            (r.end(closer + 1), r.end(closer + 1), f" GROUP BY ?{name}"),
        ]
    return edits


# --- VALUES blocks ---------------------------------------------------------------------------


def _values_blocks_at(r: _Reading) -> Iterator[tuple[list[str], int, int, int]]:
    """Each VALUES block: its variables, the indexes of its data braces, and of its keyword."""
    for i in range(len(r.toks) - 2):
        if r.word(i) != "VALUES":
            continue
        j = i + 1
        kind = r.kind(j)
        if kind == "VAR":
            names, j = [_name(r.toks[j][1])], j + 1
        elif kind == "NIL":
            names, j = [], j + 1
        elif r.punct(j) == "(":
            close = r.pairs[j]
            names, j = [_name(t[1]) for t in r.toks[j + 1 : close] if t[0] == "VAR"], close + 1
        else:
            continue
        if r.punct(j) == "{":
            yield names, j, r.pairs[j], i


def _values_blocks(r: _Reading) -> Iterator[tuple[list[str], int, int]]:
    for names, open_, close, _ in _values_blocks_at(r):
        yield names, open_, close


def _values_terms(r: _Reading, names: list[str], open_: int, close: int) -> Iterator[tuple[str, int, int]]:
    """The terms of a VALUES block: each with its column's variable and its tokens' range."""
    column, k = 0, open_ + 1
    while k < close:
        punct = r.punct(k)
        if punct == "(" or r.kind(k) == "NIL":
            column, k = 0, k + 1
            continue
        if punct == ")":
            k += 1
            continue
        first = k
        if r.kind(k) == "STRING" and r.kind(k + 1) == "LANGTAG":
            k += 2
        elif r.kind(k) == "STRING" and r.punct(k + 1) == "^^":
            k += 3
        elif punct in ("+", "-"):
            k += 2
        else:
            k += 1
        yield (names[column % len(names)] if names else ""), first, k  # VALUES ?v { a b }: one column
        column += 1


def values_language_tags_upper(text: str) -> str:
    """Language tags in VALUES blocks in upper case (the same tags: BCP 47 tags ignore case).
    Virtuoso 7.2.5 matches nothing for an ASCII literal with a lower-case tag in a VALUES
    block of two or more rows (openlink/virtuoso-opensource#300, #495; measured), and matches
    it with the tag in upper case. Only the tags change: not a literal's text, nor a tag
    outside VALUES.

    >>> values_language_tags_upper('VALUES (?p ?o) { (<urn:p> "x@en"@en) (<urn:p> "y"@en-gb) }')
    'VALUES (?p ?o) { (<urn:p> "x@en"@EN) (<urn:p> "y"@EN-GB) }'
    """
    reading = _read(text)
    return text if reading is None else _apply(text, _language_tag_edits(reading))


def _language_tag_edits(r: _Reading) -> list[Edit]:
    edits: list[Edit] = []
    for _, open_, close in _values_blocks(r):
        for k in range(open_ + 1, close):
            kind, tag, at = r.toks[k]
            if kind == "LANGTAG" and tag != tag.upper():
                language, dash, direction = tag.partition("--")
                edits.append((at, at + len(tag), language.upper() + dash + direction))
    return edits


# --- answers: which variables hold booleans --------------------------------------------------


def boolean_variables(query: str) -> frozenset[str]:
    """The variables whose values are booleans, which Virtuoso 7.2.5 answers as integers:
    :func:`exists_variables` and :func:`values_boolean_variables`.

    >>> sorted(boolean_variables("SELECT * { BIND(EXISTS { ?a ?b ?c } AS ?e) VALUES ?v { true } }"))
    ['e', 'v']
    """
    exists = _has("EXISTS", query) and _has(r"\bAS\b", query)
    if not exists and not (_has("VALUES", query) and _has("TRUE|FALSE|BOOLEAN", query)):
        return frozenset()
    reading = _read(query)
    if reading is None:
        return frozenset()
    return _exists_variables(reading) | _values_boolean_variables(reading)


def exists_variables(query: str) -> frozenset[str]:
    """The variables a query binds to an ``EXISTS {...}`` or ``NOT EXISTS {...}`` alone
    (``BIND(EXISTS {...} AS ?v)``, ``(NOT EXISTS {...} AS ?v)``, ``BIND((EXISTS {...}) AS ?v)``).

    >>> sorted(exists_variables("SELECT * { BIND(EXISTS { ?a a <urn:G> } AS ?isGroup) }"))
    ['isGroup']
    >>> sorted(exists_variables("SELECT (NOT EXISTS { ?a ?b '}' } AS ?none) {}"))
    ['none']
    >>> sorted(exists_variables("SELECT * { BIND(COALESCE(?x, EXISTS { ?a ?b ?c }) AS ?v) }"))
    []
    """
    reading = _read(query)
    return frozenset() if reading is None else _exists_variables(reading)


def _exists_variables(r: _Reading) -> frozenset[str]:
    found: set[str] = set()
    for i in range(len(r.toks) - 1):
        if r.word(i) != "EXISTS" or r.punct(i + 1) != "{":
            continue
        k = r.pairs[i + 1] + 1
        if r.punct(k) == ")":  # (EXISTS {...}) or (NOT EXISTS {...}): the bracket of EXISTS alone
            opener = r.openers.get(k, -1)
            if opener not in (i - 1, i - 2) or (opener == i - 2 and r.word(i - 1) != "NOT"):
                continue
            k += 1
        if r.word(k) == "AS" and r.kind(k + 1) == "VAR":
            found.add(_name(r.toks[k + 1][1]))
    return frozenset(found)


def values_boolean_variables(query: str) -> frozenset[str]:
    """The variables a VALUES block binds to booleans and never to the integers 0 or 1: an
    engine that returns a VALUES constant as an integer (Virtuoso 7.2.5 answers ``1`` for
    ``true``) gives them back as booleans.

    >>> sorted(values_boolean_variables('SELECT * { VALUES (?s ?o) { (<a> "true"^^<' + XSD + 'boolean>) } }'))
    ['o']
    >>> sorted(values_boolean_variables("SELECT * { VALUES ?x { true 1 } VALUES ?y { false } }"))
    ['y']
    >>> sorted(values_boolean_variables("PREFIX x: <" + XSD + "> SELECT * { VALUES ?b { '0'^^x:boolean } }"))
    ['b']
    """
    reading = _read(query)
    return frozenset() if reading is None else _values_boolean_variables(reading)


def _literal(r: _Reading, first: int, last: int) -> tuple[str, str | None] | None:
    """The lexical form and datatype of a VALUES term (None: not a literal with a datatype)."""
    kind, text, _ = r.toks[first]
    if kind == "KEYWORD" and text.upper() in ("TRUE", "FALSE"):
        return text.lower(), XSD + "boolean"
    if kind == "INTEGER" and last - first == 1:
        return text, XSD + "integer"
    if kind == "STRING" and last - first == 3:
        quote = 3 if text[:3] in ('"""', "'''") else 1
        return text[quote:-quote], r.iri(last - 1)
    return None


def _values_boolean_variables(r: _Reading) -> frozenset[str]:
    booleans: set[str] = set()
    integers: set[str] = set()
    for names, open_, close in _values_blocks(r):
        for name, first, last in _values_terms(r, names, open_, close):
            literal = _literal(r, first, last)
            if literal is None:
                continue
            value, datatype = literal
            if datatype == XSD + "boolean" and value in ("true", "false", "1", "0"):
                booleans.add(name)
            elif datatype == XSD + "integer" and value in ("0", "1"):
                integers.add(name)
    return frozenset(booleans - integers - {""})
