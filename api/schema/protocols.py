"""The two SPARQL protocols as OpenAPI describes them: what ``/sparql`` (SPARQL 1.1 Protocol)
and ``/store`` (Graph Store HTTP Protocol) read and answer.

Both routes read their parameters from the raw query string (repeated ``default-graph-uri``,
a bare ``?default``) and their bodies from the request stream, so FastAPI cannot see them: they
are declared here for ``openapi_extra`` (:func:`api.schema.openapi.parameter`,
:func:`api.schema.openapi.request_body`), with their answers (:func:`api.schema.openapi.answer`) and the media
types the protocols read. The error answers are :func:`api.schema.openapi.error_responses`'.
"""

from __future__ import annotations

from typing import Any

from api.schema.openapi import (
    FORMAT_PARAMETERS,
    RDF_TYPES,
    RESULTS_TYPES,
    answer,
    header,
    parameter,
    request_body,
)
from kg.formats import readable_types
from kg.namespaces import PROVENANCE_GRAPH

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
NQUADS = "application/n-quads"

_TEXT: dict[str, Any] = {"type": "string"}
_IRI: dict[str, Any] = {"type": "string", "format": "iri"}

MIN_TIMEOUT_S = 0.5
"""The least time limit a request may ask for. Below it a limit measures the host's load more
than the query (the round trip to the engine alone takes tens of milliseconds on a busy
machine), and a query stopped by it would be a 503 that only the request caused: such a
``timeout`` is refused with a 400 instead."""

# --- /sparql --------------------------------------------------------------------------------------

EXAMPLE_QUERY = (
    "PREFIX ckg: <https://w3id.org/clusterkg/ontology#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?cluster ?label WHERE { ?cluster a ckg:Cluster ; rdfs:label ?label } LIMIT 10"
)
EXAMPLE_UPDATE = "INSERT DATA { GRAPH <urn:example:graph> { <urn:example:a> <urn:example:b> 1 } }"
_DATASETS = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")
_DATASET_TEXT = {
    "default-graph-uri": "A graph of the query's default graph (repeatable).",
    "named-graph-uri": "A named graph of the query's dataset (repeatable).",
    "using-graph-uri": "A graph of the update's default graph (repeatable).",
    "using-named-graph-uri": "A named graph of the update's dataset (repeatable).",
}
_ANSWER_PARAMETERS = [
    *FORMAT_PARAMETERS,
    parameter("results", "As `format` (SPARQLWrapper sends it)."),
    parameter(
        "timeout",
        f"The time limit in seconds, at least {MIN_TIMEOUT_S}; the server's own limit caps it.",
        schema={"type": "number", "minimum": MIN_TIMEOUT_S},
    ),
]


def _dataset(*names: str) -> list[dict[str, Any]]:
    return [parameter(name, _DATASET_TEXT[name], schema=_IRI, repeated=True) for name in names]


GET_PARAMETERS = [
    parameter(
        "query", "The SPARQL query. Without it, the answer is the Service Description.", example=EXAMPLE_QUERY
    ),
    *_dataset("default-graph-uri", "named-graph-uri"),
    *_ANSWER_PARAMETERS,
]
"""The query parameters of ``GET /sparql``."""

POST_PARAMETERS = [*_dataset(*_DATASETS), *_ANSWER_PARAMETERS]
"""The query parameters of ``POST /sparql`` (the query or update is in the body)."""

POST_BODY = request_body(
    {
        FORM: {
            "schema": {
                "type": "object",
                "properties": {
                    "query": _TEXT,
                    "update": _TEXT,
                    **{name: {"type": "array", "items": _TEXT} for name in _DATASETS},
                },
            },
            "encoding": {name: {"explode": True} for name in _DATASETS},
        },
        QUERY_TYPE: {"schema": _TEXT, "example": EXAMPLE_QUERY},
        UPDATE_TYPE: {"schema": _TEXT, "example": EXAMPLE_UPDATE},
    },
    "A query or an update: form-encoded (`query=` or `update=`), or the text itself. An update "
    "needs the update token (`Authorization: Bearer ...`).",
)
"""The body of ``POST /sparql``."""

ANSWERS = answer(
    "The results (SELECT, ASK) or the graph (CONSTRUCT, DESCRIBE) in the negotiated format; without "
    "a query, the Service Description (RDF).",
    *RESULTS_TYPES,
    *RDF_TYPES,
)
"""The answers of ``/sparql`` to a query."""

_COUNTS = {
    "X-Clusterkg-Inserted": header("Quads inserted.", {"type": "integer"}),
    "X-Clusterkg-Deleted": header("Quads deleted.", {"type": "integer"}),
    "Clusterkg-Version": header(
        "The dataset version the write made; for a write that changed nothing, the current one "
        "(absent when this server's versions are not trusted: a remote engine others write to).",
        {"type": "integer"},
    ),
}
UPDATED = answer("The update is committed.", status=204, headers=_COUNTS)
"""The answer of ``/sparql`` to an update."""

# --- /store ---------------------------------------------------------------------------------------

EXAMPLE_GRAPH = str(PROVENANCE_GRAPH)
EXAMPLE_TURTLE = '<urn:example:a> <http://www.w3.org/2000/01/rdf-schema#label> "a"@en .\n'
GRAPH_PARAMETERS = [
    parameter(
        "graph", "The graph's IRI (absolute). Give this or `default`.", schema=_IRI, example=EXAMPLE_GRAPH
    ),
    parameter(
        "default", "The default graph (the parameter's value is ignored). Give this or `graph`.", flag=True
    ),
]
"""The parameters that name a graph of the store."""

READ_PARAMETERS = [*GRAPH_PARAMETERS, *FORMAT_PARAMETERS]
"""The query parameters of ``GET /store`` and ``HEAD /store``."""


def upload_body(*, dataset: bool) -> dict[str, Any]:
    """The body of a Graph Store write: RDF in any format read here (N-Quads only with ``dataset``)."""
    types = [m for m in readable_types() if dataset or m != NQUADS]
    described: dict[str, dict[str, Any]] = {m: {"schema": _TEXT} for m in types}
    described["text/turtle"]["example"] = EXAMPLE_TURTLE
    what = "The RDF to write" + (
        "; without a graph parameter, a dataset (TriG, N-Quads) goes to its graphs and a graph to a new one."
        if dataset
        else "."
    )
    return request_body(described, what)


GRAPH_READ = answer("The graph in the negotiated RDF format.", *RDF_TYPES)
"""The answer of a graph read."""

_WRITE_COUNTS = {
    **_COUNTS,
    "X-Clusterkg-Inferred-Added": header("Inferred quads added.", {"type": "integer"}),
    "X-Clusterkg-Inferred-Removed": header("Inferred quads removed.", {"type": "integer"}),
}
CREATED = answer(
    "The graph is new and holds the body.",
    status=201,
    headers={
        **_WRITE_COUNTS,
        "Location": header("The new graph's URL here (a POST to the store)."),
        "X-Clusterkg-Graph": header("The new graph's IRI (a POST to the store)."),
    },
)
"""The answer of a write that made a graph."""

WRITTEN = answer("The write is committed.", status=204, headers=_WRITE_COUNTS)
"""The answer of a write to a graph that was there."""
