"""Dereferenceable resources: ``/id/...`` and the JSON-LD context.

The public base (``CLUSTERKG_PUBLIC_BASE``, default ``https://w3id.org/clusterkg/``) is mapped
to this server: ``GET /id/<path>`` describes the IRI ``<public base>id/<path>`` (see
:mod:`kg.describe.resource`), negotiated with :func:`api.negotiation.negotiate_rdf`:

- HTML for people (the template ``resource.html``): labels in the language the
  ``Accept-Language`` header prefers (then English, then Russian), the types, the statements
  with links to other resources (IRIs under the public base link to this server), the hash IRIs
  under the resource's (``#selector`` of a quote, each a section with that ``id``), the claims
  about it with their quotes and source, and the links to it. Every text is escaped and only
  http(s) IRIs are links (:mod:`api.pages.html`).
- Turtle, N-Triples, RDF/XML, TriG, N-Quads: the triples about the resource, about its hash
  IRIs and the links to it; JSON-LD compacted with the published context (``/context.jsonld``).
- An IRI the store does not know is 404 in the negotiated format: an HTML page, a JSON error for
  JSON-LD, a comment for Turtle and N-Triples, an empty document for RDF/XML.

The dumps of the whole graph are served by :mod:`api.routers.dumps`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import RuntimeDep, SettingsDep
from api.linked.jsonld_context import CONTEXT_TYPE, context_text, jsonld_context
from api.negotiation import Negotiated, accepted_languages, negotiate_rdf
from api.pages import html
from api.pages.words import choose, word
from api.schema.openapi import ENGINE, FORMAT_PARAMETERS, HTML, RDF_TYPES, answer, error_responses
from kg.describe.resource import Description, describe, pick_label, resource_graph
from kg.engine import results
from kg.entities import Lang
from kg.namespaces import PREFIXES
from kg.terms import Term

router = APIRouter(tags=["resources"])

FORMAT_LINKS = (("Turtle", "ttl"), ("N-Triples", "nt"), ("JSON-LD", "jsonld"), ("RDF/XML", "rdfxml"))
"""The formats a resource page links to: their names and ``format`` parameters."""
ALTERNATES = (
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
)
"""The ``<link rel="alternate">`` of a resource page: media types and ``format`` parameters."""
_EXPLORER_PAGES = (
    ("project", PREFIXES["ckg"] + "CooperationProject"),
    ("cluster", PREFIXES["ckg"] + "Cluster"),
)
"""The explorer's pages (``/explore/<kind>/<slug>``): the IRI folder and class they draw."""
_EXPLORER_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def local_url(iri: str, public_base: str) -> str | None:
    """Where this server serves an IRI under the public base, as a root-relative URL.

    >>> local_url("https://w3id.org/clusterkg/id/cluster/biomed", "https://w3id.org/clusterkg/")
    '/id/cluster/biomed'
    >>> local_url("https://w3id.org/clusterkg/ontology#Cluster", "https://w3id.org/clusterkg/")
    '/ontology#Cluster'
    >>> local_url("https://ror.org/02mh1ke95", "https://w3id.org/clusterkg/") is None
    True
    """
    if not iri.startswith(public_base):
        return None
    rest = iri[len(public_base) :]
    if rest.startswith(("id/", "ontology#", "ontology/")) or rest == "ontology":
        return "/" + quote(rest, safe="/#-._~!$&'()*+,;=:@")
    return None


def explorer_url(iri: str, types: Sequence[str], public_base: str) -> str | None:
    """The explorer page of a cooperation project or a cluster, as a root-relative URL.

    >>> explorer_url(
    ...     "https://w3id.org/clusterkg/id/cluster/biomed",
    ...     ["https://w3id.org/clusterkg/ontology#Cluster"],
    ...     "https://w3id.org/clusterkg/",
    ... )
    '/explore/cluster/biomed'
    >>> explorer_url("https://w3id.org/clusterkg/id/cluster/x", [], "https://w3id.org/clusterkg/") is None
    True
    """
    for kind, cls in _EXPLORER_PAGES:
        folder = f"{public_base}id/{kind}/"
        slug = iri[len(folder) :]
        if iri.startswith(folder) and cls in types and _EXPLORER_SLUG.fullmatch(slug):
            return f"/explore/{kind}/{slug}"
    return None


def _format_params(request: Request) -> list[str]:
    return [v for k, v in request.query_params.multi_items() if k in ("format", "output")]


# --- /id/... ------------------------------------------------------------------------------------


RESOURCE = {
    **answer(
        "The resource: an HTML page, or the triples about it in the negotiated RDF format.", HTML, *RDF_TYPES
    ),
    **error_responses(
        404,
        406,
        422,
        *ENGINE,
        notes={
            404: "The graph says nothing about the resource: a 404 in the negotiated format (an HTML page, "
            "a JSON error for JSON-LD, a comment for Turtle and N-Triples, an empty RDF/XML document)."
        },
        also={404: [HTML, *(m for m in RDF_TYPES if m != CONTEXT_TYPE)]},  # JSON-LD's is JSON
    ),
}


@router.get(
    "/id/{path:path}",
    summary="A resource of the graph, negotiated (HTML or RDF)",
    response_class=Response,
    responses=RESOURCE,
    openapi_extra={"parameters": FORMAT_PARAMETERS},
)
async def resource(path: str, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """The resource ``<public base>id/<path>``: HTML, Turtle, N-Triples, JSON-LD, RDF/XML..."""
    chosen = negotiate_rdf(request.headers.get("accept"), _format_params(request), html=True)
    requested = settings.public_base + "id/" + path
    try:
        iri = ox.NamedNode(requested)
    except ValueError:
        return not_found(chosen, f"{requested} is not a valid resource IRI.")
    timeout_s = settings.query_timeout_s
    if chosen.format == "html":
        description = await describe(runtime.client, iri, timeout_s=timeout_s)
        if description is None:
            return not_found(chosen, f"The graph says nothing about {iri.value}.")
        languages = accepted_languages(request.headers.get("accept-language"))
        page = render_resource(description, languages, settings.public_base)
        return html.response(page, headers={"Vary": "Accept, Accept-Language"})
    body = await resource_graph(runtime.client, iri, timeout_s=timeout_s)
    if not body.strip():
        return not_found(chosen, f"The graph says nothing about {iri.value}.")
    context = jsonld_context() if chosen.format == "jsonld" else None
    out = results.convert_graph(body, "ntriples", chosen.format, prefixes=PREFIXES, jsonld_context=context)
    return Response(out, media_type=chosen.content_type, headers={"Vary": "Accept"})


def not_found(chosen: Negotiated, message: str) -> Response:
    """A 404 in the negotiated format (HTML page, JSON error, RDF comment or empty document)."""
    headers = {"Vary": "Accept"}
    if chosen.format == "html":
        return html.page("not_found.html", status_code=404, headers=headers, message=message)
    if chosen.format == "jsonld":
        return JSONResponse({"error": "not-found", "message": message}, status_code=404, headers=headers)
    if chosen.format == "rdfxml":
        empty = results.convert_graph(b"", "ntriples", "rdfxml")
        return Response(empty, status_code=404, media_type=chosen.content_type, headers=headers)
    comment = "# " + " ".join(message.split()) + "\n"
    return Response(comment.encode("utf-8"), status_code=404, media_type=chosen.content_type, headers=headers)


@dataclass(frozen=True)
class ResourceView:
    """What the resource template asks of the description: labels, local links, words."""

    labels: dict[str, list[ox.Literal]]
    languages: Sequence[str]
    lang: Lang
    public_base: str

    def label(self, iri: str) -> str:
        """The label of an IRI in the preferred language, else its compact form."""
        return pick_label(self.labels.get(iri, []), self.languages) or html.compact(iri)

    def href(self, iri: str) -> str:
        """Where a link to an IRI goes: this server for ours, else the IRI itself."""
        return local_url(iri, self.public_base) or iri

    def word(self, key: str) -> str:
        """A fixed word of the page in its language."""
        return word(key, self.lang)


def resource_context(
    description: Description, languages: Sequence[str], public_base: str
) -> dict[str, object]:
    """What ``resource.html`` renders for a description, for clients preferring ``languages``.

    :param languages: primary language tags, best first (:func:`api.negotiation.accepted_languages`).
    """
    view = ResourceView(description.labels, languages, choose(languages), public_base)
    iri = description.iri
    title = view.label(iri)
    others = sorted(
        {
            (label.value, label.language or "")
            for label in description.labels.get(iri, [])
            if label.value != title
        }
    )
    fragments = {fragment: _by_predicate(triples) for fragment, triples in description.fragments.items()}
    explore = explorer_url(iri, description.types, public_base)
    return {
        "view": view,
        "lang": view.lang,
        "title": title,
        "iri": iri,
        "other_labels": others,
        "types": description.types,
        "formats": FORMAT_LINKS,
        "alternates": ALTERNATES,
        "explore": explore,
        "explore_kind": explore.split("/")[2] if explore else None,
        "outgoing": _by_predicate(description.outgoing),
        "fragments": fragments,
        "claims": description.claims,
        "incoming": description.incoming,
    }


def _by_predicate(triples: Sequence[ox.Triple]) -> dict[str, list[Term]]:
    grouped: dict[str, list[Term]] = {}
    for triple in triples:
        grouped.setdefault(triple.predicate.value, []).append(triple.object)
    return grouped


def render_resource(description: Description, languages: Sequence[str], public_base: str) -> str:
    """The HTML page of a resource (``resource.html``), every text escaped."""
    return html.render("resource.html", **resource_context(description, languages, public_base))


# --- /context.jsonld ----------------------------------------------------------------------------


@router.get(
    "/context.jsonld",
    summary="The JSON-LD context of clusterkg",
    response_class=Response,
    responses=answer("The context document.", CONTEXT_TYPE, schema={"type": "object"}),
)
async def context() -> Response:
    """The published JSON-LD context: our prefixes and the ckg terms."""
    return Response(
        context_text().encode("utf-8"),
        media_type=CONTEXT_TYPE,
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"},
    )
