"""The ontology at ``/ontology`` (and its versioned IRI): the OWL file, or its documentation.

Negotiated with :func:`api.negotiation.negotiate_rdf`: Turtle is the hand-edited file itself;
N-Triples, RDF/XML, TriG, N-Quads and JSON-LD (compacted with ``/context.jsonld``) are
converted from it; HTML is the documentation of :mod:`api.pages.ontology`: every term of the
ontology, and every term of another vocabulary that the ontology or the data use. "The data"
is the files that ``clusterkg build`` loads (the founding case and ``CLUSTERKG_DATA``), read
once per process (off the event loop), not the store: the page does not change with writes,
needs no query per request, and lists no IRI that an upload made up.

``/ontology/<version>`` answers for the current ``owl:versionInfo`` only (404 otherwise).
"""

from __future__ import annotations

import asyncio
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from api.deps import SettingsDep
from api.linked.jsonld_context import jsonld_context
from api.negotiation import negotiate_rdf
from api.pages import html
from api.pages.ontology import ckg_terms, render_ontology
from api.schema.openapi import FORMAT_PARAMETERS, HTML, RDF_TYPES, answer, error_responses
from kg.describe.vocabulary import data_terms
from kg.engine import results
from kg.errors import NotFound, SourceError
from kg.namespaces import PREFIXES
from kg.settings import Settings
from kg.sources import expand_paths, founding_case_files
from ontology import ONTOLOGY_FILE, ONTOLOGY_IRI

__all__ = [
    "ckg_terms",
    "data_files",
    "ontology_graph",
    "ontology_page",
    "ontology_version",
    "render_ontology",
    "router",
]

router = APIRouter(tags=["ontology"])


@cache
def ontology_graph() -> Graph:
    """The ontology file as an rdflib graph (read once)."""
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@cache
def ontology_version() -> str:
    """The ontology's ``owl:versionInfo``."""
    value = ontology_graph().value(URIRef(ONTOLOGY_IRI), OWL.versionInfo)
    return str(value) if value is not None else ""


@cache
def ontology_document(target: str) -> bytes:
    """The ontology in a graph format (a name in :data:`kg.formats.RDF_FORMATS`)."""
    if target == "turtle":
        return ONTOLOGY_FILE.read_bytes()
    ntriples = ox.serialize(
        ox.parse(path=ONTOLOGY_FILE, format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES
    )
    if ntriples is None:  # pragma: no cover - only when an output stream is given
        raise ValueError("no output")
    context = jsonld_context() if target == "jsonld" else None
    return results.convert_graph(ntriples, "ntriples", target, prefixes=PREFIXES, jsonld_context=context)


def data_files(settings: Settings) -> tuple[Path, ...]:
    """The data files that ``clusterkg build`` loads: the founding case and ``settings.data``
    (folders expanded; a path that is gone is left out)."""
    found = list(founding_case_files())
    for path in settings.data:
        try:
            found += expand_paths([path])
        except SourceError:
            continue
    return tuple(found)


@cache
def ontology_page(files: tuple[Path, ...]) -> str:
    """The HTML documentation of the ontology and of the terms it and the data files use
    (generated once per list of files)."""
    used, _ = data_terms(files)
    return render_ontology(ontology_graph(), ontology_version(), used)


async def _answer(request: Request, settings: Settings) -> Response:
    format_params = [v for k, v in request.query_params.multi_items() if k in ("format", "output")]
    chosen = negotiate_rdf(request.headers.get("accept"), format_params, html=True)
    if chosen.format == "html":
        page = await asyncio.to_thread(ontology_page, data_files(settings))
        return html.response(page, headers={"Vary": "Accept"})
    return Response(
        ontology_document(chosen.format), media_type=chosen.content_type, headers={"Vary": "Accept"}
    )


ONTOLOGY = answer("The ontology in the negotiated RDF format, or its HTML documentation.", HTML, *RDF_TYPES)


@router.get(
    "/ontology",
    summary="The ontology: OWL (Turtle, RDF/XML, JSON-LD...) or HTML documentation",
    response_class=Response,
    responses={**ONTOLOGY, **error_responses(406)},
    openapi_extra={"parameters": FORMAT_PARAMETERS},
)
async def ontology(request: Request, settings: SettingsDep) -> Response:
    """The current ontology, negotiated; term IRIs ``.../ontology#X`` are anchors of the page."""
    return await _answer(request, settings)


@router.get(
    "/ontology/{version}",
    summary="A version of the ontology (the current one only)",
    response_class=Response,
    responses={**ONTOLOGY, **error_responses(404, 406, 422)},
    openapi_extra={"parameters": FORMAT_PARAMETERS},
)
async def ontology_version_iri(version: str, request: Request, settings: SettingsDep) -> Response:
    """The ontology at its versioned IRI; 404 for any version but the current one."""
    if version != ontology_version():
        raise NotFound(f"this server has version {ontology_version()} of the ontology, not {version!r}")
    return await _answer(request, settings)
