"""The JSON shapes of the API: named-query listings, and RDF terms as plain JSON values.

A result row is a plain object keyed by variable (unbound variables are left out); each value
is :func:`plain_value` of its term, a stable mapping:

- ``xsd:integer`` and its derived types -> a JSON integer; ``xsd:decimal``, ``xsd:double``,
  ``xsd:float`` -> a JSON number (a non-finite double stays its lexical string);
- ``xsd:boolean`` -> ``true``/``false``; ``xsd:string`` -> a string;
- an IRI -> ``{"iri": ..., "curie": "ckg:Cluster"}`` (``curie`` is ``null`` when no known
  prefix compacts it);
- a language-tagged string -> ``{"value": ..., "lang": "ru"}``;
- any other literal -> ``{"value": ..., "datatype": <curie or IRI>}``;
- a blank node -> ``{"bnode": <label>}``.
"""

from __future__ import annotations

import math
import re

import pyoxigraph as ox
from pydantic import BaseModel

from kg.namespaces import PREFIXES

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = frozenset(
    XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_FLOATS = frozenset(XSD + t for t in ("decimal", "double", "float"))
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?")

JsonValue = str | int | float | bool | dict[str, str | None]


class ParamInfo(BaseModel):
    """One declared parameter of a named query."""

    name: str
    type: str
    required: bool
    default: str | None = None
    description: str = ""
    example: str | None = None
    enum: list[str] = []
    enum_from: str | None = None


class QueryInfo(BaseModel):
    """A named query as ``GET /api/queries`` lists it."""

    name: str
    summary: str
    question: str
    description: str
    parameters: list[ParamInfo]
    links: dict[str, str]


class QueryList(BaseModel):
    """Every named query."""

    queries: list[QueryInfo]


def curie(iri: str) -> str | None:
    """The IRI as a compact URI with the longest known namespace, or ``None``.

    >>> curie("https://w3id.org/clusterkg/ontology#Cluster")
    'ckg:Cluster'
    """
    best = max(
        (p for p, ns in PREFIXES.items() if iri.startswith(ns)), key=lambda p: len(PREFIXES[p]), default=None
    )
    if best is None:
        return None
    local = iri[len(PREFIXES[best]) :]
    return f"{best}:{local}" if _LOCAL.fullmatch(local) else None


def plain_value(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> JsonValue:
    """The term as a plain JSON value (see the module's docstring).

    >>> plain_value(ox.Literal("28", datatype=ox.NamedNode(XSD + "integer")))
    28
    >>> plain_value(ox.Literal("МедИнж", language="ru"))
    {'value': 'МедИнж', 'lang': 'ru'}
    """
    if isinstance(term, ox.NamedNode):
        return {"iri": term.value, "curie": curie(term.value)}
    if isinstance(term, ox.BlankNode):
        return {"bnode": term.value}
    if isinstance(term, ox.Triple):
        return {"triple": str(term)}
    if term.language:
        return {"value": term.value, "lang": term.language}
    datatype = term.datatype.value
    try:
        if datatype in _INTEGERS:
            return int(term.value)
        if datatype in _FLOATS:
            number = float(term.value)
            return number if math.isfinite(number) else term.value
    except ValueError:
        pass  # an ill-typed literal keeps its lexical form
    if datatype == XSD + "boolean" and term.value in ("true", "false", "1", "0"):
        return term.value in ("true", "1")
    if datatype == XSD + "string":
        return term.value
    return {"value": term.value, "datatype": curie(datatype) or datatype}
