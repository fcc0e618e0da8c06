"""Descriptions of the service as responses: the SPARQL Service Description (answered at
``/sparql`` without a query) and the RDF answer shared with VoID (``/.well-known/void``)."""

from __future__ import annotations

from fastapi import Request, Response
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from api.negotiation import negotiate
from kg import rq
from kg.describe import service
from kg.engine import results
from kg.engine.local_store import text_of
from kg.engine.runtime import Runtime
from kg.namespaces import CKG, PREFIXES, PROV
from kg.settings import Settings
from kg.versions.log import version_iri


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
    await add_versions(graph, request, runtime)
    return rdf_response(graph, request, format_params)


SHOWN_VERSIONS = 100
"""The most versions a description names (the newest; ``/api/versions`` lists them all)."""


async def add_versions(graph: Graph, request: Request, runtime: Runtime) -> None:
    """Name the dataset's versions in a description (VoID, the Service Description): the dataset
    ``dct:hasVersion`` each queryable version (the newest :data:`SHOWN_VERSIONS`), each with its
    number, time and a permalink of its SPARQL endpoint (``/sparql?version=N``); the current
    one is ``ckg:currentVersion``."""
    live: Runtime = request.app.state.runtime
    current = await live.version_log.current()
    records = await live.version_log.list(max(1, current.number - SHOWN_VERSIONS + 1), current.number)
    endpoint = request.url.replace(path="/sparql", query="", fragment="")
    dataset = URIRef(service.DATASET)
    for record in records:
        version = record.version
        kept = version.number == current.number or (
            live.snapshots is not None and live.snapshots.path(version) is not None
        )
        if not kept:
            continue
        node = URIRef(version_iri(version.number).value)
        graph.add((dataset, DCTERMS.hasVersion, node))
        graph.add((node, RDF.type, CKG.DatasetVersion))
        graph.add((node, CKG.versionNumber, Literal(version.number)))
        graph.add((node, PROV.generatedAtTime, Literal(version.time)))
        graph.add((node, RDFS.seeAlso, URIRef(str(endpoint.include_query_params(version=version.number)))))
    graph.add((dataset, CKG.currentVersion, URIRef(version_iri(current.number).value)))
