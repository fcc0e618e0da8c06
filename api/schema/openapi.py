"""The answers in OpenAPI: one table of the error statuses with the one error body, and the
media types of every other answer, from the one format table (:mod:`kg.formats`).

:mod:`api.errors` answers every error with the JSON :class:`ErrorBody`, or its first line as
``text/plain`` when the client asks for plain text, or (a write refused by SHACL) the report as
``text/turtle`` when the client asks for Turtle. A route documents the errors it can give with
``responses=error_responses(404, *ENGINE)`` and its other answers with :func:`answer`, so a
schema-driven client meets no status and no media type the description does not list.

Routes that read their parameters from the raw query string (the SPARQL Protocol's repeated
``default-graph-uri``, ``format``...) or their body from the request stream declare them for
OpenAPI only, with :func:`parameter` and :func:`request_body` in ``openapi_extra``.

FastAPI adds a ``422`` with its own body (``HTTPValidationError``) to every route with a
parameter that documents none; :mod:`api.errors` never answers that body, so such routes
document ``error_responses(422)`` instead.

>>> sorted(error_responses(422))
[422]
>>> error_responses(422)[422]["model"].__name__
'ErrorBody'
>>> sorted(answer("A page.", HTML)[200]["content"])
['text/html']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, Field

from kg.formats import RDF_FORMATS, RESULT_FORMATS

# --- The error body -------------------------------------------------------------------------------


class ParameterProblem(BaseModel):
    """One parameter that does not fit, in a request FastAPI could not read."""

    parameter: str = Field(description="The parameter's name.", examples=["limit"])
    message: str = Field(description="What is wrong with it.")


class TemplateProblem(BaseModel):
    """One problem of an ingested case template, where the spreadsheet shows it."""

    sheet: str = Field(description="The sheet (or CSV file) it is in.", examples=["memberships"])
    row: int | None = Field(description="The row, as the spreadsheet numbers it (header: 1).")
    column: str | None = Field(description="The column's header.")
    value: str | None = Field(description="The value as written.")
    expected: str = Field(description="What would fit.")
    line: str = Field(description="All of it in one readable line.")


class Violation(BaseModel):
    """One SHACL result of a refused write."""

    focus_node: str
    path: str | None
    message: str
    severity: str
    value: str | None
    source_shape: str | None
    source_file: str | None


class ErrorBody(BaseModel):
    """An error answer."""

    error: str = Field(
        description="The kind of error: `http-404`, `not-found`, `parameter-error`, `request-error`, "
        "`query-timeout`, `validation-failed`...",
        examples=["parameter-error"],
    )
    message: str = Field(
        description="What went wrong.",
        examples=["parameter 'foo': unknown parameter; accepted: limit, offset"],
    )
    parameter: str | None = Field(
        None, description="The parameter at fault (422 answers about a parameter).", examples=["foo"]
    )
    problems: list[ParameterProblem | TemplateProblem] | None = Field(
        None,
        description="Every parameter that does not fit (a request FastAPI could not read), or every "
        "problem of a case template (`/api/ingest`).",
    )
    violations: list[Violation] | None = Field(
        None, description="The SHACL results of a write the shapes refused."
    )
    complete: bool | None = Field(
        None, description="Whether `violations` is every result (false: the checks stopped at a cap)."
    )
    report_turtle: str | None = Field(None, description="The SHACL validation report, as Turtle.")


ERRORS: dict[int, str] = {
    400: "The request is malformed, or the engine refused the query.",
    403: "Refused by policy: a write without the update token (or with writes off), a write to a "
    "graph the server keeps, or SERVICE/LOAD of an IRI that is not allow-listed.",
    404: "No such resource.",
    410: "The dataset version asked for (`version`) is past the server's retention policy: no longer kept.",
    405: "This method cannot do what the request asks (SPARQL Update sent with GET); `Allow` lists "
    "the methods.",
    406: "None of the media types the client accepts can be given.",
    413: "The request body, the query or the answer is over a configured size limit; narrow the request.",
    415: "The body's Content-Type is not one this route reads; the message lists those it does.",
    422: "A parameter is unknown, missing or does not fit its type; `parameter` names it.",
    502: "The SPARQL engine failed.",
    503: "The engine is unavailable (retry after `Retry-After` seconds) or the query timed out.",
}
"""Every error status a route may document, with what it means."""

REFUSED_WRITE = (
    "A parameter is unknown, missing or does not fit its type (`parameter` names it); or the write "
    "cannot be carried out: its data do not conform to the shapes (`violations`; with `Accept: "
    "text/turtle`, the SHACL report itself), a case template has problems (`problems`), or it holds "
    "what the checks cannot read."
)
"""The meaning of a 422 of a route that writes (:func:`write_error_responses`)."""

ENGINE = (400, 413, 502, 503)
"""The errors of any route that asks the SPARQL engine."""

WRITE = (400, 403, 413, 415, 422, 502, 503)
"""The errors of any route that writes (with the update token, validated, committed)."""

_HEADERS: dict[int, dict[str, Any]] = {
    405: {"Allow": {"description": "The methods of the route.", "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}},
}


def error_responses(
    *statuses: int,
    notes: Mapping[int, str] | None = None,
    also: Mapping[int, Iterable[str]] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of these error statuses: :class:`ErrorBody` as JSON, or plain text.

    :param notes: a status's meaning on this route, in place of :data:`ERRORS`'.
    :param also: more media types a status may come in on this route (a 404 in the format the
        client negotiated, a SHACL report as Turtle), each with :func:`content`'s schema.
    :raises KeyError: for a status that is not in :data:`ERRORS`.

    >>> sorted(error_responses(422, also={422: ["text/turtle"]})[422]["content"])
    ['text/plain', 'text/turtle']
    """
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        more = [m for m in (also or {}).get(status, ()) if m not in ("application/json", "text/plain")]
        responses[status] = {
            "model": ErrorBody,
            "description": (notes or {}).get(status, ERRORS[status]),
            "content": {"text/plain": {"schema": {"type": "string"}}, **content(*more)},
        }
        if status in _HEADERS:
            responses[status]["headers"] = _HEADERS[status]
    return responses


def write_error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """:func:`error_responses` of a route that writes: its 422 may also be a SHACL refusal, in JSON
    or (``Accept: text/turtle``) the report itself.

    >>> write_error_responses(403, 422)[422]["description"] == REFUSED_WRITE
    True
    """
    return error_responses(*statuses, notes={422: REFUSED_WRITE}, also={422: ["text/turtle"]})


# --- Other answers --------------------------------------------------------------------------------

HTML = "text/html"
RESULTS_TYPES: tuple[str, ...] = tuple(m for f in RESULT_FORMATS.values() for m in f.media_types)
"""Every media type of SPARQL results (SELECT/ASK), aliases included."""
RDF_TYPES: tuple[str, ...] = tuple(m for f in RDF_FORMATS.values() for m in f.media_types)
"""Every media type of RDF documents (graphs and datasets), aliases included."""


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def content(*media_types: str, schema: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """An OpenAPI ``content`` map: each media type with ``schema``, else a JSON document (an object
    or an array) for JSON types and text for the others.

    >>> content("text/csv", "application/ld+json")  # doctest: +NORMALIZE_WHITESPACE
    {'text/csv': {'schema': {'type': 'string'}},
     'application/ld+json': {'schema': {'type': ['object', 'array']}}}
    """
    return {
        m: {"schema": dict(schema or ({"type": ["object", "array"]} if _is_json(m) else {"type": "string"}))}
        for m in dict.fromkeys(media_types)
    }


def answer(
    description: str,
    *media_types: str,
    status: int = 200,
    schema: Mapping[str, Any] | None = None,
    headers: Mapping[str, Any] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of an answer that is not an error (no media type: no body).

    >>> answer("Created.", status=201)
    {201: {'description': 'Created.'}}
    """
    entry: dict[str, Any] = {"description": description}
    if media_types:
        entry["content"] = content(*media_types, schema=schema)
    if headers:
        entry["headers"] = dict(headers)
    return {status: entry}


def header(description: str, schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An OpenAPI response header: its description and schema (text by default)."""
    return {"description": description, "schema": dict(schema or {"type": "string"})}


# --- Parameters and bodies a route reads itself ---------------------------------------------------


def parameter(
    name: str,
    description: str,
    *,
    schema: Mapping[str, Any] | None = None,
    repeated: bool = False,
    example: object = None,
    flag: bool = False,
) -> dict[str, Any]:
    """An OpenAPI query parameter the route reads from the query string itself.

    :param repeated: the parameter may be given more than once (an array, exploded).
    :param flag: the parameter counts by its presence (``?default``): its value is ignored.
    """
    item: dict[str, Any] = dict(schema or {"type": "string"})
    spec: dict[str, Any] = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": {"type": "array", "items": item} if repeated else item,
    }
    if flag:
        spec["allowEmptyValue"] = True
    if example is not None:
        spec["example"] = example
    return spec


FORMAT_PARAMETERS = [
    parameter(
        name,
        "The answer's format: a short name (`json`, `xml`, `csv`, `tsv`, `ttl`, `nt`, `jsonld`, `rdfxml`, "
        "`trig`, `nq`...) or media types; it wins over `Accept`. An unknown value is ignored.",
    )
    for name in ("format", "output")
]
"""The ``format`` and ``output`` parameters of every negotiated RDF answer."""


def request_body(
    media_types: Mapping[str, Mapping[str, Any]], description: str, *, required: bool = True
) -> dict[str, Any]:
    """An OpenAPI ``requestBody`` the route reads from the request stream itself.

    :param media_types: each media type with its ``content`` entry (``schema``, ``examples``...).
    """
    return {
        "description": description,
        "required": required,
        "content": {m: dict(entry) for m, entry in media_types.items()},
    }
