"""Binding parameters and pages into a query's text, as RDF terms, for engines without substitution.

The engine is reached over the SPARQL Protocol, which has no variable substitution. So a
named query's parameters go in as a ``VALUES`` block of N-Triples terms, the first element of
the query's outer ``WHERE`` group::

    SELECT ?x WHERE { VALUES (?a ?b) { (<t1> "t2"@ru) } <original group> } ...

At the start of the group the values join before any ``OPTIONAL``, ``FILTER`` or ``BIND`` of
that group sees the variables, which is what pre-binding (pyoxigraph's ``substitutions``) does
for the named queries (a test compares both on every query). The terms are pyoxigraph terms
(validated by :func:`queries.to_term`); ``str(term)`` is their escaped N-Triples form, so no
value can end the block or the query. The group is found by the tokens of
:mod:`kg.sparql_text`, never by searching the text.

Pages (:func:`page`): ``LIMIT``/``OFFSET`` go after the query's own solution modifiers, so its
``ORDER BY`` still holds (a subquery would lose the order). A query with its own ``LIMIT`` or
``OFFSET`` is not paged in SPARQL: :func:`page` returns ``None`` and the caller pages the rows.
Page first, then bind: the ``VALUES`` block goes inside the group, the page after it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from kg import sparql_text
from kg.errors import ParameterError, QueryError

Term = ox.NamedNode | ox.Literal


@dataclass(frozen=True)
class _Group:
    open: int  # offset just after the outer group's "{"
    close: int  # offset of its "}"
    modifiers: tuple[str, ...]  # keywords after the group (ORDER, LIMIT, ...)


def _outer_group(text: str) -> _Group:
    if sparql_text.decode_escapes(text) != text:
        raise QueryError("a query to bind must not use \\u escapes outside strings")
    tokens = sparql_text.tokenize(text)
    parens = 0
    start = None
    for index, token in enumerate(tokens):
        if token.kind != "PUNCT":
            continue
        if token.text == "(":
            parens += 1
        elif token.text == ")":
            parens -= 1
        elif token.text == "{" and parens == 0:
            start = index
            break
    if start is None:
        raise QueryError("the query has no WHERE group")
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind == "PUNCT" and token.text == "{":
            depth += 1
        elif token.kind == "PUNCT" and token.text == "}":
            depth -= 1
            if depth == 0:
                after = tuple(t.keyword for t in tokens[index + 1 :] if t.keyword)
                return _Group(tokens[start].offset + 1, token.offset, after)
    raise QueryError("the query's WHERE group is not closed")  # pragma: no cover (tokenize checks)


def values_block(terms: Mapping[str, Term]) -> str:
    """A ``VALUES`` block of one row binding each variable to its term (N-Triples syntax).

    >>> values_block({"a": ox.NamedNode("http://x/y"), "b": ox.Literal('q"}', language="ru")})
    'VALUES (?a ?b) { (<http://x/y> "q\\\\"}"@ru) }'
    """
    names = " ".join(f"?{name}" for name in terms)
    row = " ".join(str(term) for term in terms.values())
    return f"VALUES ({names}) {{ ({row}) }}"


def bind_values(text: str, terms: Mapping[str, Term]) -> str:
    """The query with its parameters bound by a ``VALUES`` block opening the outer ``WHERE`` group.

    >>> bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": ox.NamedNode("http://x/y")})
    'SELECT ?s WHERE { VALUES (?s) { (<http://x/y>) } ?s ?p ?o }'

    :raises ParameterError: naming a value whose text would read differently to different engines
        (an escaped backslash followed by ``u0022``, say).
    :raises QueryError: if the text has no outer group.
    """
    if not terms:
        return text
    for name, term in terms.items():
        try:
            sparql_text.decode_escapes(str(term))
        except QueryError:
            raise ParameterError(
                name, "a backslash followed by u or U and hex digits cannot be bound unambiguously"
            ) from None
    group = _outer_group(text)
    block = values_block(terms)
    bound = f"{text[: group.open]} {block}{text[group.open :]}"
    # Each term must stay one term: the bound text has exactly the tokens of both parts.
    if len(sparql_text.tokenize(bound)) != len(sparql_text.tokenize(text)) + len(sparql_text.tokenize(block)):
        raise QueryError("a bound value changed the structure of the query")  # pragma: no cover
    return bound


def page(text: str, limit: int, offset: int) -> str | None:
    """The query with ``LIMIT``/``OFFSET`` after its solution modifiers, or ``None`` if it has its own.

    >>> page("SELECT * { ?s ?p ?o } ORDER BY ?s", 10, 20)
    'SELECT * { ?s ?p ?o } ORDER BY ?s\\nLIMIT 10 OFFSET 20\\n'
    >>> page("SELECT * { ?s ?p ?o } LIMIT 5", 10, 0) is None
    True
    """
    group = _outer_group(text)
    if "LIMIT" in group.modifiers or "OFFSET" in group.modifiers or "VALUES" in group.modifiers:
        return None
    return f"{text.rstrip()}\nLIMIT {int(limit)} OFFSET {int(offset)}\n"
