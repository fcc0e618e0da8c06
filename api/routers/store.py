"""The SPARQL 1.1 Graph Store HTTP Protocol at ``/store``: read and write whole graphs.

A graph is named by exactly one of ``?graph=<absolute IRI>`` and ``?default`` (400 otherwise;
only POST may name neither, to add to the store). Reads are negotiated like every RDF answer
(:func:`api.negotiation.negotiate_rdf`); writes need the bearer token and go through the same
validation, inference and single-transaction commit as SPARQL Update (:mod:`kg.write.pipeline`).

- GET / HEAD: the graph (404 for a missing named graph).
- PUT: replace the graph's content; 201 when the graph is new, 204 otherwise.
- POST: add to the graph; 201 when the graph is new, 204 otherwise. Without a graph
  parameter, a dataset (TriG, N-Quads) is added to its graphs (204), and a single graph
  (any other format) becomes a new graph with a new IRI (201, ``Location``).
- DELETE: drop the named graph (404 if missing) or empty the default graph; 204.

Uploads: Turtle, N-Triples, TriG, RDF/XML, JSON-LD, and N-Quads for a POST to the store; other
types 415. Nothing is fetched while parsing (:mod:`kg.write.uploads`).
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import parse_qsl, urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response

from api.body import read_body
from api.deps import RuntimeDep, SettingsDep, WriterDep
from api.negotiation import Negotiated, negotiate_rdf
from api.schema.openapi import ENGINE, WRITE, error_responses, write_error_responses
from api.schema.protocols import CREATED, GRAPH_PARAMETERS, GRAPH_READ, READ_PARAMETERS, WRITTEN, upload_body
from api.written import write_headers
from kg.engine import results
from kg.engine.runtime import Runtime
from kg.errors import EngineError, NotFound, RequestError, UnsupportedMediaType
from kg.namespaces import GRAPH, PREFIXES
from kg.settings import Settings
from kg.write import pipeline
from kg.write.quad_templates import GraphName
from kg.write.uploads import parse_into_store, upload_format

router = APIRouter(prefix="/store", tags=["graph store"])

NTRIPLES = "application/n-triples"
UPLOAD_GRAPHS = str(GRAPH) + "upload/"
"""Graphs POSTed to the store without a name are named under this IRI."""


def target_graph(request: Request) -> GraphName | None:
    """The graph a request names (None: the store itself).

    :raises RequestError: 400 for both or repeated parameters, or a graph IRI that is not absolute.
    """
    params = parse_qsl(request.url.query, keep_blank_values=True)
    graphs = [v for k, v in params if k == "graph"]
    defaults = [k for k, _ in params if k == "default"]
    if len(graphs) + len(defaults) > 1:
        raise RequestError("name the graph once: give exactly one of ?graph=<IRI> and ?default")
    if defaults:
        return ox.DefaultGraph()
    if not graphs:
        return None
    try:
        return ox.NamedNode(graphs[0])
    except ValueError as exc:
        raise RequestError(f"?graph= must be an absolute IRI, not {graphs[0]!r}: {exc}") from None


def _named(request: Request) -> GraphName:
    target = target_graph(request)
    if target is None:
        raise RequestError("name the graph: give exactly one of ?graph=<IRI> and ?default")
    return target


async def _upload(request: Request, settings: Settings, graph: GraphName | None) -> ox.Store:
    """Parse the body into a store: a graph's triples into ``graph``, or a dataset (``None``)."""
    fmt = upload_format(request.headers.get("content-type"))
    if fmt == ox.RdfFormat.N_QUADS and graph is not None:
        raise UnsupportedMediaType(
            "N-Quads is accepted only in a POST to the store (without ?graph= or ?default); "
            "send a graph as Turtle, N-Triples, TriG, RDF/XML or JSON-LD",
        )
    body = await read_body(request, settings)
    base = graph.value if isinstance(graph, ox.NamedNode) else None
    # in a worker thread: a large or deep document takes seconds, and /health must still answer
    return await asyncio.to_thread(parse_into_store, body, fmt, into=graph, base_iri=base)


def _written(request: Request, outcome: pipeline.WriteOutcome, status: int, **headers: str) -> Response:
    request.app.state.metrics.requests.labels(kind="graph-store-write", outcome="ok").inc()
    counts = write_headers(outcome, request.app.state.runtime.versions, inferred=True)
    return Response(status_code=status, headers={**counts, **headers})


async def _read(request: Request, runtime: Runtime, settings: Settings) -> tuple[bytes, Negotiated]:
    graph = _named(request)
    format_params = [v for k, v in request.query_params.multi_items() if k in ("format", "output")]
    chosen = negotiate_rdf(request.headers.get("accept"), format_params, html=False)
    name = graph.value if isinstance(graph, ox.NamedNode) else None
    answer = await runtime.client.graph_store(
        "GET", graph=name, accept=NTRIPLES, timeout_s=settings.query_timeout_s
    )
    if answer.status == 404:
        raise NotFound(f"there is no graph {graph} in the store")
    if answer.status >= 400:
        raise EngineError(f"the engine could not read the graph ({answer.status})")
    return results.convert_graph(answer.body, "ntriples", chosen.format, prefixes=PREFIXES), chosen


READ = {**GRAPH_READ, **error_responses(404, 406, *ENGINE)}
WRITES = {**CREATED, **WRITTEN, **write_error_responses(*WRITE)}


@router.get(
    "",
    summary="Read a graph",
    response_class=Response,
    responses=READ,
    openapi_extra={"parameters": READ_PARAMETERS},
)
async def read_graph(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """The graph in the negotiated RDF format; 404 for a missing named graph."""
    body, chosen = await _read(request, runtime, settings)
    return Response(body, media_type=chosen.content_type, headers={"Vary": "Accept"})


@router.head(
    "",
    summary="Read a graph's headers",
    response_class=Response,
    responses=READ,
    openapi_extra={"parameters": READ_PARAMETERS},
)
async def head_graph(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """What GET would answer, without the body."""
    body, chosen = await _read(request, runtime, settings)
    headers = {"Vary": "Accept", "Content-Length": str(len(body))}
    return Response(status_code=200, media_type=chosen.content_type, headers=headers)


@router.put(
    "",
    summary="Replace a graph",
    status_code=204,
    dependencies=[WriterDep],
    response_class=Response,
    responses=WRITES,
    openapi_extra={"parameters": GRAPH_PARAMETERS, "requestBody": upload_body(dataset=False)},
)
async def put_graph(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """Replace the graph's content with the body; 201 if the graph is new."""
    graph = _named(request)
    outcome = await pipeline.put_graph(
        runtime, graph, await _upload(request, settings, graph), timeout_s=settings.query_timeout_s
    )
    return _written(request, outcome, 201 if outcome.created else 204)


@router.post(
    "",
    summary="Add to a graph, or to the store",
    status_code=204,
    dependencies=[WriterDep],
    response_class=Response,
    responses=WRITES,
    openapi_extra={"parameters": GRAPH_PARAMETERS, "requestBody": upload_body(dataset=True)},
)
async def post_graph(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """Add the body to the graph (201 if new); to the store: a dataset, or a new graph (201)."""
    graph = target_graph(request)
    timeout_s = settings.query_timeout_s
    if graph is not None:
        outcome = await pipeline.post_graph(
            runtime, graph, await _upload(request, settings, graph), timeout_s=timeout_s
        )
        return _written(request, outcome, 201 if outcome.created else 204)
    fmt = upload_format(request.headers.get("content-type"))
    if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
        outcome = await pipeline.post_dataset(
            runtime, await _upload(request, settings, None), timeout_s=timeout_s
        )
        return _written(request, outcome, 204)
    new = ox.NamedNode(f"{UPLOAD_GRAPHS}{uuid.uuid4()}")
    outcome = await pipeline.post_graph(
        runtime, new, await _upload(request, settings, new), timeout_s=timeout_s
    )
    location = str(request.url.replace(query=urlencode({"graph": new.value})))
    return _written(request, outcome, 201, Location=location, **{"X-Clusterkg-Graph": new.value})


@router.delete(
    "",
    summary="Delete a graph",
    status_code=204,
    dependencies=[WriterDep],
    response_class=Response,
    responses={**WRITTEN, **write_error_responses(400, 403, 404, 413, 422, 502, 503)},
    openapi_extra={"parameters": GRAPH_PARAMETERS},
)
async def delete_graph(request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """Drop the named graph (404 if missing) or empty the default graph."""
    graph = _named(request)
    outcome = await pipeline.delete_graph(runtime, graph, timeout_s=settings.query_timeout_s)
    return _written(request, outcome, 204)
