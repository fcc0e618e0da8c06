"""Descriptions of the service as responses: the SPARQL Service Description (answered at
``/sparql`` without a query) and the RDF answer shared with VoID (``/.well-known/void``)."""

from __future__ import annotations

from fastapi import Request, Response
from rdflib import Graph

from api.negotiation import negotiate
from kg import rq
from kg.describe import service
from kg.engine import results
from kg.engine.local_store import text_of
from kg.engine.runtime import Runtime
from kg.namespaces import PREFIXES
from kg.settings import Settings


async def graph_counts(runtime: Runtime) -> list[tuple[str, int]]:
    """Each named graph with its number of triples."""
    rows = await runtime.client.select(rq.load("named-graphs"))
    return [(text_of(row["graph"]), int(text_of(row["triples"]))) for row in rows]


def rdf_response(graph: Graph, request: Request, format_params: list[str]) -> Response:
    """A small rdflib graph as a response in the negotiated RDF format."""
    chosen = negotiate("graph", request.headers.get("accept"), format_params)
    body = graph.serialize(format="nt", encoding="utf-8")
    out = results.convert_graph(body, "ntriples", chosen.format, prefixes=PREFIXES)
    return Response(out, media_type=chosen.content_type, headers={"Vary": "Accept"})


async def service_description(
    request: Request, runtime: Runtime, settings: Settings, format_params: list[str]
) -> Response:
    """The SPARQL 1.1 Service Description of ``/sparql``, in the negotiated RDF format."""
    endpoint = str(request.url.replace(query="", fragment=""))
    graph = service.service_description(
        endpoint,
        await graph_counts(runtime),
        updates_enabled=settings.update_token is not None,
        federation_enabled=bool(settings.service_allow),
    )
    return rdf_response(graph, request, format_params)
