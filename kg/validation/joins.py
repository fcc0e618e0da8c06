"""Rewrites of the shapes' own SPARQL constraints that Oxigraph evaluates set-wise much faster.

A SPARQL constraint (``sh:select``) that :mod:`kg.validation.compiled` joins with its targets
is evaluated once for all focus nodes, but Oxigraph 0.5 plans the joins of its basic graph
pattern as loops with an index lookup per solution: 25-40 us each on a 10M-triple store, where
a hash join of two scans costs about 1 us per triple. Two rewrites, each giving the same
solutions, applied only to a ``WHERE`` whose group has no nested group (no ``OPTIONAL``,
``UNION``, ``MINUS``, ``EXISTS``, subquery or ``VALUES``), so that every variable of a triple
pattern is bound in every solution:

- :func:`in_lists_as_values`: ``FILTER (?x IN (iri, ...))`` of a variable of a triple pattern
  also gets ``VALUES ?x { iri ... }`` (a join with the same IRIs: the same solutions, since
  ``?x`` is always bound and IRIs are equal only when identical), so that ``?s ?x ?o`` is read
  for those predicates only instead of for every quad of the store (10M triples: 29 s -> 11 s);
- :func:`hash_joins`: each triple pattern with a constant predicate (an IRI or a path of IRIs)
  becomes a subquery ``{ SELECT * WHERE { s p o } }``, which Oxigraph joins with the rest by
  hashing (``ProductionStageShape``'s order check, 10M triples: 41 s -> a few seconds).

Anything the small reader here does not understand leaves the text as it is. And, for every
SPARQL constraint, :func:`constant_patterns`: a ``REGEX`` whose pattern is chosen by an ``IF``
becomes an ``IF`` of two ``REGEX`` with constant patterns (compiled once, not for every row).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r'\s+|"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[^<>\s]*>|<=?|>=?|[(){};,]|\.(?![0-9])'
    r'|[^\s(){};,"\'<]+?(?=[\s(){};,<]|\.(?![0-9A-Za-z_])|$)',
    re.S,
)
_IRI = re.compile(r"<[^<>\s]*>|[A-Za-z][\w-]*:[\w-]*")
_PATH = ("/", "|", "^")
_NESTED = {"OPTIONAL", "UNION", "MINUS", "EXISTS", "NOT", "SELECT", "VALUES", "GRAPH", "SERVICE", "{"}


def _tokens(text: str) -> list[tuple[str, int, int]] | None:
    """The tokens of a query (whitespace dropped) with where each starts and ends, or ``None``
    where the reader stops."""
    found, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            return None
        if not match.group(0).isspace():
            found.append((match.group(0), match.start(), match.end()))
        at = match.end()
    return found


@dataclass(frozen=True)
class _Group:
    """A query read around its group: the text up to ``WHERE {``, the group's tokens and their
    places in ``text`` (the rest of the query), and the text from the group's ``}`` on."""

    head: str
    body: list[str]
    spans: list[tuple[int, int]]
    text: str
    tail: str

    def source(self, first: int, last: int) -> str:
        """The text of the tokens ``first`` to ``last`` (excluded), as written."""
        return self.text[self.spans[first][0] : self.spans[last - 1][1]]


def _group(text: str) -> _Group | None:
    """The query read around its group; ``None`` when the group holds a nested group or
    cannot be read."""
    head = re.match(r"\s*SELECT\s[^{}]*?\bWHERE\s*\{", text, re.I)
    if head is None:
        return None
    rest = text[head.end() :]
    tokens = _tokens(rest)
    if tokens is None or "}" not in (t for t, _, _ in tokens):
        return None
    end = next(i for i, (t, _, _) in enumerate(tokens) if t == "}")
    body = [t for t, _, _ in tokens[:end]]
    if any(t.upper() in _NESTED for t in body):
        return None
    spans = [(a, b) for _, a, b in tokens[:end]]
    return _Group(text[: head.end()], body, spans, rest, rest[tokens[end][1] :])


def _statements(body: list[str]) -> list[tuple[str, int, int]] | None:
    """The group as "filter", "bind" and "triples" statements (kind, first and last token
    excluded), in order."""
    out: list[tuple[str, int, int]] = []
    at = 0
    while at < len(body):
        word = body[at].upper()
        if word in ("FILTER", "BIND"):
            if at + 1 >= len(body) or body[at + 1] != "(":
                return None
            depth, end = 0, at + 1
            while end < len(body):
                depth += {"(": 1, ")": -1}.get(body[end], 0)
                end += 1
                if depth == 0:
                    break
            if depth:
                return None
            out.append((word.lower(), at, end))
            at = end
            continue
        end, depth = at, 0
        while end < len(body) and not (depth == 0 and body[end] == "."):
            if depth == 0 and body[end].upper() in ("FILTER", "BIND"):
                break
            depth += {"(": 1, ")": -1}.get(body[end], 0)
            end += 1
        out.append(("triples", at, end))
        at = end + 1 if end < len(body) and body[end] == "." else end
    return out


def _triples(tokens: list[str]) -> list[tuple[str, str, str]] | None:
    """``s p o ; p o , o`` as triples (a path is the tokens between terms, without spaces)."""
    terms: list[str] = []
    depth, current = 0, ""
    for token in tokens:
        if depth == 0 and token in (";", ","):
            terms += [current, token] if current else [token]
            current = ""
            continue
        inside = depth > 0 or token in (*_PATH, ")", "*", "+", "?") or current.endswith((*_PATH, "("))
        depth += {"(": 1, ")": -1}.get(token, 0)
        if current and not inside:
            terms.append(current)
            current = token
        else:
            current += token
    if current:
        terms.append(current)
    if len(terms) < 3 or terms[0] in (";", ","):
        return None
    subject, found, predicate, at = terms[0], [], None, 1
    while at < len(terms):
        if predicate is None:
            predicate, at = terms[at], at + 1
            continue
        if at >= len(terms) or terms[at] in (";", ","):
            return None
        found.append((subject, predicate, terms[at]))
        at += 1
        if at < len(terms):
            if terms[at] == ";":
                predicate = None
            elif terms[at] != ",":
                return None
            at += 1
    return found if predicate is not None or found else None


def in_lists_as_values(query: str) -> str:
    """``FILTER (?x IN (iri, ...))`` also as ``VALUES ?x { iri ... }`` where ``?x`` is a term of
    a triple pattern of the group (see the module's docstring).

    >>> q = "SELECT ?this WHERE { ?this ?p ?v . FILTER (?p IN (<a:>, ex:b)) }"
    >>> in_lists_as_values(q)
    'SELECT ?this WHERE { ?this ?p ?v . VALUES ?p { <a:> ex:b } FILTER (?p IN (<a:>, ex:b)) }'
    >>> in_lists_as_values("SELECT ?this WHERE { ?this <q:> ?v OPTIONAL { ?v ?p ?w } FILTER (?p IN (<a:>)) }")
    'SELECT ?this WHERE { ?this <q:> ?v OPTIONAL { ?v ?p ?w } FILTER (?p IN (<a:>)) }'
    """
    read = _group(query)
    statements = _statements(read.body) if read is not None else None
    if read is None or statements is None:
        return query
    bound: set[str] = set()
    for kind, first, last in statements:
        if kind == "triples":
            for triple in _triples(read.body[first:last]) or []:
                bound.update(t for t in triple if t.startswith("?"))

    def values(match: re.Match[str]) -> str:
        variable, items = match.group(1), [i.strip() for i in match.group(2).split(",")]
        if variable not in bound or not all(_IRI.fullmatch(i) for i in items):
            return match.group(0)
        return f"VALUES {variable} {{ {' '.join(items)} }} {match.group(0)}"

    return re.sub(r"FILTER\s*\(\s*(\?\w+)\s+IN\s*\(([^()\"']*)\)\s*\)", values, query)


def hash_joins(query: str) -> str:
    """Each triple pattern with a constant predicate as ``{ SELECT * WHERE { s p o } }`` where the
    group joins two or more triple patterns (see the module's docstring).

    >>> hash_joins("SELECT ?this WHERE { ?this <p:> ?c ; <q:>/<r:> ?v . ?o <p:> ?c FILTER(?o != ?this) }")
    'SELECT ?this WHERE { { SELECT * WHERE { ?this <p:> ?c } } { SELECT * WHERE { ?this <q:>/<r:> ?v } } \
{ SELECT * WHERE { ?o <p:> ?c } } FILTER(?o != ?this) }'
    >>> hash_joins("SELECT ?this WHERE { ?this <p:> ?v . }")  # one pattern: nothing to join
    'SELECT ?this WHERE { ?this <p:> ?v . }'
    """
    read = _group(query)
    statements = _statements(read.body) if read is not None else None
    if read is None or statements is None:
        return query
    parts: list[str] = []
    patterns = 0
    for kind, first, last in statements:
        if kind != "triples":
            parts.append(read.source(first, last))
            continue
        triples = _triples(read.body[first:last])
        if triples is None:
            return query
        for s, p, o in triples:
            patterns += 1
            if "?" in p or "$" in p:
                parts.append(f"{s} {p} {o} .")
            else:
                parts.append(f"{{ SELECT * WHERE {{ {s} {p} {o} }} }}")
    if patterns < 2:
        return query
    return f"{read.head} {' '.join(parts)} {read.tail}"


_REGEX_OF_IF = re.compile(
    r'REGEX\((STR\(\?\w+\)), IF\(((?:[^(),"\']|\([^()"\']*\))*), ("(?:[^"\\]|\\.)*"), ("(?:[^"\\]|\\.)*")\)\)'
)


def constant_patterns(query: str) -> str:
    """``REGEX(STR(?v), IF(c, "a", "b"))`` as ``IF(c, REGEX(STR(?v), "a"), REGEX(STR(?v), "b"))``.

    The same value (an error of ``c`` is an error of both), but Oxigraph compiles a constant
    pattern once, and a computed one for every row: the statistics' number checks took 1.1 s
    instead of 0.1 s at 1M triples. Any other ``REGEX`` is left as it is.

    >>> constant_patterns('FILTER(REGEX(STR(?v), IF(DATATYPE(?v) = xsd:integer, "^[0-9]+$", "^[0-9.]+$")))')
    'FILTER(IF(DATATYPE(?v) = xsd:integer, REGEX(STR(?v), "^[0-9]+$"), REGEX(STR(?v), "^[0-9.]+$")))'
    >>> constant_patterns('FILTER(REGEX(STR(?v), IF(?c, "a", "b"), "i"))')  # with flags: as it is
    'FILTER(REGEX(STR(?v), IF(?c, "a", "b"), "i"))'
    """

    def split(match: re.Match[str]) -> str:
        text, condition, one, other = match.groups()
        return f"IF({condition}, REGEX({text}, {one}), REGEX({text}, {other}))"

    return _REGEX_OF_IF.sub(split, query)


__all__ = ["constant_patterns", "hash_joins", "in_lists_as_values"]
