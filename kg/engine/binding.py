"""Binding parameters and pages into a query's text, as RDF terms, for engines without substitution.

The engine is reached over the SPARQL Protocol, which has no variable substitution. So values
go into a query as a ``VALUES`` block of N-Triples terms (:func:`bind_values`), in one of two
places:

- a named query's parameters (a mapping, one row) open the query's outer ``WHERE`` group::

      SELECT ?x WHERE { VALUES (?a ?b) { (<t1> "t2"@ru) } <original group> } ...

  At the start of the group the values join before any ``OPTIONAL``, ``FILTER`` or ``BIND`` of
  that group sees the variables, which is what pre-binding (pyoxigraph's ``substitutions``) does
  for the named queries (a test compares both on every query). The group is found by the tokens
  of :mod:`kg.sparql_text`, never by searching the text.
- a table of rows (the nodes of a write's neighbourhood, say) replaces a marker comment line
  of the query (``#@values``, or another one where a query has several blocks), so the query's
  own ``.rq`` file says where the values go (inside a subquery, say).

The terms are pyoxigraph terms, IRIs and literals only (a blank node of the store has no SPARQL
syntax); ``str(term)`` is their escaped N-Triples form, so no value can end the block or the
query, and variable names are checked, so none can either.

Pages (:func:`page`): ``LIMIT``/``OFFSET`` go after the query's own solution modifiers, so its
``ORDER BY`` still holds (a subquery would lose the order). A query with its own ``LIMIT`` or
``OFFSET`` is not paged in SPARQL: :func:`page` returns ``None`` and the caller pages the rows.
Page first, then bind: the ``VALUES`` block goes inside the group, the page after it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import pyoxigraph as ox

from kg import sparql_text
from kg.errors import ParameterError, QueryError

Term = ox.NamedNode | ox.Literal
MARKER = "#@values"
"""The comment line that a table of values replaces (unless the caller names another)."""
_VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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


@overload
def bind_values(text: str, values: Mapping[str, Term]) -> str: ...


@overload
def bind_values(
    text: str, values: Sequence[str], rows: Iterable[Sequence[Term | None]], *, marker: str = MARKER
) -> str: ...


def bind_values(
    text: str,
    values: Mapping[str, Term] | Sequence[str],
    rows: Iterable[Sequence[Term | None]] = (),
    *,
    marker: str = MARKER,
) -> str:
    """The query with a ``VALUES`` block of RDF terms: parameters, or a table at a marker line.

    ``values`` is either a mapping of each parameter to its term, bound as one row opening the
    outer ``WHERE`` group (nothing to bind: the text as it is), or the names of the variables
    of ``rows``, whose terms (None for ``UNDEF``) replace the ``marker`` line, indented as it is:

    >>> bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"s": ox.NamedNode("http://x/y")})
    'SELECT ?s WHERE { VALUES (?s) { (<http://x/y>) } ?s ?p ?o }'
    >>> bind_values("SELECT * {\\n  #@values\\n}", ["g", "o"], [[ox.NamedNode("http://e/g"), None]])
    'SELECT * {\\n  VALUES (?g ?o) {\\n    (<http://e/g> UNDEF)\\n  }\\n}'
    >>> bind_values("SELECT * { ?s ?p ?o }", {"o": ox.Literal('q"}', language="ru")})
    'SELECT * { VALUES (?o) { ("q\\\\"}"@ru) } ?s ?p ?o }'

    A parameter is refused if its text would read differently to different engines (the
    group is found by :mod:`kg.sparql_text`, which refuses such text); a table's terms, read
    from the store, go to the engine as they are.

    :raises ParameterError: naming a parameter whose text would read differently to different
        engines (an escaped backslash followed by ``u0022``, say).
    :raises QueryError: for parameters, if the text has no outer group.
    :raises ValueError: for a table, if the query has not exactly one marker line, or a row has
        the wrong length; for either, a bad variable name or a term that cannot be bound.
    """
    if isinstance(values, Mapping):
        return _bind_parameters(text, values)
    if isinstance(values, str):
        raise ValueError(f"bad VALUES variables {values!r}: give a sequence of names")
    lines = text.split("\n")
    marks = [i for i, line in enumerate(lines) if line.strip() == marker]
    if len(marks) != 1:
        raise ValueError(f"the query needs exactly one {marker!r} line, it has {len(marks)}")
    line = lines[marks[0]]
    indent = line[: len(line) - len(line.lstrip())]
    head = f"{indent}VALUES ({_variables(values)}) {{"
    body = [f"{indent}  ({_row(values, row)})" for row in rows]
    lines[marks[0] : marks[0] + 1] = [head, *body, f"{indent}}}"]
    return "\n".join(lines)


def _bind_parameters(text: str, terms: Mapping[str, Term]) -> str:
    """The parameters as one row opening the outer group (see :func:`bind_values`)."""
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
    block = f"VALUES ({_variables(list(terms))}) {{ ({_row(list(terms), list(terms.values()))}) }}"
    bound = f"{text[: group.open]} {block}{text[group.open :]}"
    # Each term must stay one term: the bound text has exactly the tokens of both parts.
    if len(sparql_text.tokenize(bound)) != len(sparql_text.tokenize(text)) + len(sparql_text.tokenize(block)):
        raise QueryError("a bound value changed the structure of the query")  # pragma: no cover
    return bound


def _variables(names: Sequence[str]) -> str:
    """The block's variables, ``?a ?b``, once each name is checked."""
    if not names or not all(_VARIABLE_RE.fullmatch(v) for v in names):
        raise ValueError(f"bad VALUES variables {names!r}")
    return " ".join(f"?{name}" for name in names)


def _row(names: Sequence[str], row: Sequence[Term | None]) -> str:
    """One row of the block: each term in its N-Triples form, None as ``UNDEF``."""
    if len(row) != len(names):
        raise ValueError(f"a VALUES row has {len(row)} terms for {len(names)} variables")
    cells = []
    for term in row:
        if term is None:
            cells.append("UNDEF")
        elif isinstance(term, ox.NamedNode | ox.Literal):
            cells.append(str(term))
        else:
            raise ValueError(f"cannot bind {term!r} in VALUES")
    return " ".join(cells)


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
