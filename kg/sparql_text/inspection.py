"""Inspection of a SPARQL request: query or update, its form, and every SERVICE and LOAD target."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kg.sparql_text.nesting import NESTING_LIMIT
from kg.sparql_text.reader import Form, LoadRef, ServiceRef
from kg.sparql_text.updates import read_request

__all__ = ["Inspection", "Kind", "inspect"]

Kind = Literal["query", "update"]


@dataclass(frozen=True)
class Inspection:
    """What a SPARQL request is and what it would reach.

    ``base`` and ``prefixes`` are those in force at the end of the text (an update may declare
    more before each operation). ``operations`` lists an update's operation kinds in order.
    ``depth`` and ``chain`` are how deep the text nests and its longest chain
    (:mod:`kg.sparql_text.nesting`).
    """

    kind: Kind
    form: Form | None
    base: str | None
    prefixes: dict[str, str]
    services: list[ServiceRef]
    loads: list[LoadRef]
    operations: list[str] = field(default_factory=list)
    depth: int = 0
    chain: int = 0


def inspect(text: str, *, nesting_limit: int = NESTING_LIMIT) -> Inspection:
    """Tell whether SPARQL text is a query or an update, and find every SERVICE and LOAD target.

    Prefixed names are expanded and relative IRIs resolved against BASE (a relative IRI with
    no BASE stays relative). Raises :class:`~kg.errors.QueryError` when the text cannot be read
    safely: a lexical error, an undeclared prefix, an unknown keyword, a misplaced LOAD, or
    nesting deeper than ``nesting_limit`` (or a chain longer than
    :func:`~kg.sparql_text.nesting.chain_limit` of it), which could crash the engine.

    >>> found = inspect("PREFIX ex: <http://example.org/> SELECT * { SERVICE SILENT ex:sparql {} }")
    >>> found.kind, found.form, [(s.iri, s.silent) for s in found.services]
    ('query', 'SELECT', [('http://example.org/sparql', True)])
    >>> [(load.iri, load.into) for load in inspect("LOAD <file:///etc/passwd>").loads]
    [('file:///etc/passwd', None)]
    >>> inspect("ASK { FILTER(!!!true) }").depth
    5
    >>> inspect("SELECT * { " + "{" * 40 + "}" * 40 + " }")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: the query nests braces 41 deep at line 1, column 43; the limit is 32
    """
    reader, form, operations, nesting = read_request(text, nesting_limit=nesting_limit)
    return Inspection(
        kind="query" if form is not None else "update",
        form=form,
        base=reader.base,
        prefixes=dict(reader.prefixes),
        services=reader.services,
        loads=reader.loads,
        operations=[op.kind for op in operations],
        depth=nesting.depth,
        chain=nesting.chain,
    )
