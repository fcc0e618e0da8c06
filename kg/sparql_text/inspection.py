"""Inspection of a SPARQL request: query or update, its form, and every SERVICE and LOAD target."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from kg.sparql_text.reader import Form, LoadRef, ServiceRef
from kg.sparql_text.updates import read_request

__all__ = ["Inspection", "Kind", "inspect"]

Kind = Literal["query", "update"]


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
    reader, form, operations = read_request(text)
    return Inspection(
        kind="query" if form is not None else "update",
        form=form,
        base=reader.base,
        prefixes=dict(reader.prefixes),
        services=reader.services,
        loads=reader.loads,
        operations=[op.kind for op in operations],
    )
