"""Operations and descriptions: ``/health``, ``/metrics``, the Service Description, VoID."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from api.deps import RuntimeDep
from api.linked.descriptions import add_versions, rdf_response
from api.linked.dumps import void_dumps
from api.schema.answers import Health
from api.schema.openapi import ENGINE, FORMAT_PARAMETERS, RDF_TYPES, answer, error_responses
from kg import rq
from kg.describe import service
from kg.engine.local_store import text_of
from kg.errors import KgError

router = APIRouter(tags=["operations"])

METRICS_TYPE = CONTENT_TYPE_PLAIN_0_0_4.rsplit(";", 1)[0]
"""The media type of ``/metrics``: the text format 0.0.4, which prometheus_client's own server
names for what ``generate_latest`` writes by default (its ``CONTENT_TYPE_LATEST`` now names
version 1.0.0, which a scraper may read with UTF-8 escaping rules we do not follow)."""


@router.get(
    "/health",
    summary="Is the engine reachable?",
    response_model=Health,
    responses={
        503: {"model": Health, "description": "The engine does not answer (or answers with an error)."}
    },
)
async def health(runtime: RuntimeDep) -> JSONResponse:
    """200 with the engine's state when it answers a trivial query, 503 otherwise."""
    try:
        answer = await runtime.client.query("ASK {}", accept="application/sparql-results+json", timeout_s=5)
        ok = answer.status == 200
    except KgError as exc:
        return JSONResponse({"status": "unavailable", "reason": str(exc)}, status_code=503)
    engine = runtime.engine
    return JSONResponse(
        {
            "status": "ok" if ok else "degraded",
            "engine": "remote" if engine is None else "managed",
            "engine_pid": None if engine is None else engine.pid,
            "engine_restarts": 0 if engine is None else engine.restarts,
        },
        status_code=200 if ok else 503,
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses=answer("The metrics in the Prometheus text format 0.0.4.", METRICS_TYPE),
)
async def metrics(request: Request) -> Response:
    """Queries by outcome, durations, timeouts, refusals and result sizes."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_PLAIN_0_0_4)


@router.get(
    "/.well-known/void",
    summary="VoID description of the dataset",
    response_class=Response,
    responses={
        **answer("The VoID description in the negotiated RDF format.", *RDF_TYPES),
        **error_responses(406, *ENGINE),
    },
    openapi_extra={"parameters": FORMAT_PARAMETERS},
)
async def void(request: Request, runtime: RuntimeDep) -> Response:
    """Class and property partitions with counts, the SPARQL endpoint and the dumps."""
    totals_rows = await runtime.client.select(rq.load("void-totals"))
    totals = {k: int(text_of(v)) for k, v in totals_rows[0].items()} if totals_rows else {}
    classes = [
        (text_of(row["class"]), int(text_of(row["entities"])))
        for row in await runtime.client.select(rq.load("void-classes"))
        if isinstance(row.get("class"), ox.NamedNode)
    ]
    properties = [
        (text_of(row["property"]), int(text_of(row["triples"])))
        for row in await runtime.client.select(rq.load("void-properties"))
    ]
    endpoint = str(request.url.replace(path="/sparql", query="", fragment=""))
    graph = service.void_description(
        sparql_endpoint=endpoint,
        totals=totals,
        classes=classes,
        properties=properties,
        dumps=await void_dumps(request, runtime),
    )
    await add_versions(graph, request, runtime)
    format_params = [v for k, v in request.query_params.multi_items() if k in ("format", "output")]
    return rdf_response(graph, request, format_params)
