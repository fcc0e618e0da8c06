"""The JSON shapes of the API: named-query listings and answers, and RDF terms as plain JSON values.

A result row is a plain object keyed by variable (unbound variables are left out), the key being
:func:`json_key` of the variable's name: its camelCase words in snake_case, as every JSON key of
the API is (``labelEn`` -> ``label_en``). Each value is :func:`plain_value` of its term, a stable
mapping:

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
from collections.abc import Iterable

import pyoxigraph as ox
from pydantic import BaseModel, Field

from kg import terms
from kg.errors import QueryError

XSD = terms.XSD
_INTEGERS = frozenset(
    XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)  # fmt: skip
_FLOATS = frozenset(XSD + t for t in ("decimal", "double", "float"))
# A word starts at an upper-case letter after a lower-case one or a digit (labelEn), or at the
# last capital of a run followed by a lower-case letter (regionISOCode -> region_iso_code).
_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

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


class QueryAnswer(BaseModel):
    """A page of a named query's rows, as JSON."""

    query: str = Field(description="The query's name.", examples=["statistics"])
    variables: list[str] = Field(
        description="The row keys in the query's order: its SPARQL variables in snake_case.",
        examples=[["subject", "subject_label_en", "value"]],
    )
    limit: int = Field(description="The page size asked for.", examples=[100])
    offset: int = Field(description="The rows skipped.", examples=[0])
    rows: list[dict[str, JsonValue]] = Field(
        description="The rows: a key per bound variable, its value as a plain JSON value."
    )


def json_key(variable: str) -> str:
    """The JSON key of a SPARQL variable: its camelCase words joined by ``_``, lower-cased.

    >>> [json_key(v) for v in ("labelEn", "isGroup", "x", "regionISOCode", "label2En", "as_of")]
    ['label_en', 'is_group', 'x', 'region_iso_code', 'label2_en', 'as_of']
    """
    return _WORD.sub("_", variable).lower()


def json_keys(variables: Iterable[str]) -> list[str]:
    """The JSON keys of a query's variables, in order.

    :raises QueryError: when two variables have the same key (``labelEn`` and ``label_en``).
    """
    keys: dict[str, str] = {}
    for variable in variables:
        key = json_key(variable)
        if key in keys:
            raise QueryError(f"the variables ?{keys[key]} and ?{variable} both become the JSON key {key!r}")
        keys[key] = variable
    return list(keys)


def curie(iri: str) -> str | None:
    """The IRI as a compact URI with the longest published namespace, or ``None`` (:func:`kg.terms.compact`).

    >>> curie("https://w3id.org/clusterkg/ontology#Cluster")
    'ckg:Cluster'
    """
    return terms.compact(iri)


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
