"""The ontology at ``/ontology`` (and its versioned IRI): the OWL file, or its documentation.

Negotiated with :func:`api.negotiation.negotiate_rdf`: Turtle is the hand-edited file itself;
N-Triples, RDF/XML, TriG, N-Quads and JSON-LD (compacted with ``/context.jsonld``) are
converted from it; HTML is documentation generated here from the ontology graph (no pyLODE:
one page, no dependency). The page has one section per term of the ``ckg:`` namespace, with
``id`` the term's local name, so each term IRI ``https://w3id.org/clusterkg/ontology#X``
resolves to its place in the page: labels in English and Russian, definitions, types,
super-classes and super-properties, domain, range and inverses.

``/ontology/<version>`` answers for the current ``owl:versionInfo`` only (404 otherwise).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from api.negotiation import negotiate_rdf
from api.routers.linked_data import compact, jsonld_context, template
from kg.engine import results
from kg.errors import NotFound
from kg.namespaces import PREFIXES
from ontology import NAMESPACE, ONTOLOGY_FILE, ONTOLOGY_IRI

router = APIRouter(tags=["ontology"])

CKG = Namespace(NAMESPACE)
KINDS: tuple[tuple[str, str, URIRef | None], ...] = (
    ("classes", "Classes", OWL.Class),
    ("object-properties", "Object properties", OWL.ObjectProperty),
    ("datatype-properties", "Datatype properties", OWL.DatatypeProperty),
    ("annotation-properties", "Annotation properties", OWL.AnnotationProperty),
    ("individuals", "Individuals and concept schemes", None),
)
RELATIONS: tuple[tuple[str, URIRef], ...] = (
    ("Sub-class of", RDFS.subClassOf),
    ("Equivalent to", OWL.equivalentClass),
    ("Disjoint with", OWL.disjointWith),
    ("Sub-property of", RDFS.subPropertyOf),
    ("Inverse of", OWL.inverseOf),
    ("Domain", RDFS.domain),
    ("Range", RDFS.range),
    ("In scheme", SKOS.inScheme),
    ("Broader", SKOS.broader),
    ("Replaced by", DCTERMS.isReplacedBy),
)
TEXTS: tuple[tuple[str, URIRef], ...] = (
    ("Definition", SKOS.definition),
    ("Comment", RDFS.comment),
    ("Scope note", SKOS.scopeNote),
    ("Example", SKOS.example),
)


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
    """The ontology in a graph format (a key of :data:`kg.engine.local_store.GRAPH_FORMATS`)."""
    if target == "turtle":
        return ONTOLOGY_FILE.read_bytes()
    ntriples = ox.serialize(
        ox.parse(path=ONTOLOGY_FILE, format=ox.RdfFormat.TURTLE), format=ox.RdfFormat.N_TRIPLES
    )
    if ntriples is None:  # pragma: no cover - only when an output stream is given
        raise ValueError("no output")
    context = jsonld_context() if target == "jsonld" else None
    return results.convert_graph(ntriples, "ntriples", target, prefixes=PREFIXES, jsonld_context=context)


def term_kind(graph: Graph, term: URIRef) -> str:
    """The section a term is documented in (a key of :data:`KINDS`)."""
    types = set(graph.objects(term, RDF.type))
    for key, _, cls in KINDS:
        if cls is not None and cls in types:
            return key
    return "individuals"


def ckg_terms(graph: Graph) -> list[URIRef]:
    """Every IRI of the ``ckg:`` namespace that the ontology says something about, sorted."""
    return sorted(
        {
            s
            for s in graph.subjects()
            if isinstance(s, URIRef) and str(s).startswith(NAMESPACE) and str(s) != NAMESPACE
        }
    )


def _link(node: object) -> str:
    if isinstance(node, URIRef):
        iri = str(node)
        if iri.startswith(NAMESPACE):
            local = iri[len(NAMESPACE) :]
            return f'<a href="#{html.escape(local)}"><code>ckg:{html.escape(local)}</code></a>'
        return f'<a href="{html.escape(iri)}"><code>{html.escape(compact(iri))}</code></a>'
    if isinstance(node, BNode):
        return "<em>a class expression (see the Turtle)</em>"
    return html.escape(str(node))


def _text(node: object) -> str:
    if isinstance(node, Literal) and node.language:
        lang = html.escape(node.language)
        return f'<span lang="{lang}">{html.escape(str(node))}</span> <small class="meta">@{lang}</small>'
    return html.escape(str(node))


def _by_language(values: Iterable[object]) -> list[object]:
    order = {"en": 0, "ru": 1}
    return sorted(values, key=lambda v: (order.get(getattr(v, "language", None) or "", 2), str(v)))


def _label(graph: Graph, term: URIRef, language: str) -> str | None:
    for label in graph.objects(term, RDFS.label):
        if isinstance(label, Literal) and label.language == language:
            return str(label)
    return None


def term_section(graph: Graph, term: URIRef) -> str:
    """The documentation of one term: ``<section id="<local name>">``."""
    local = str(term)[len(NAMESPACE) :]
    heading = _label(graph, term, "en") or local
    rows = [f"<dt>IRI</dt><dd><code>{html.escape(str(term))}</code></dd>"]
    labels = _by_language(graph.objects(term, RDFS.label))
    if labels:
        rows.append(f"<dt>Labels</dt><dd>{'<br>'.join(_text(v) for v in labels)}</dd>")
    types = sorted(t for t in graph.objects(term, RDF.type) if isinstance(t, URIRef))
    if types:
        rows.append(f"<dt>Type</dt><dd>{', '.join(_link(t) for t in types)}</dd>")
    for name, predicate in TEXTS:
        values = _by_language(graph.objects(term, predicate))
        if values:
            rows.append(f"<dt>{name}</dt><dd>{'<br>'.join(_text(v) for v in values)}</dd>")
    for name, predicate in RELATIONS:
        values = sorted(graph.objects(term, predicate), key=str)
        if values:
            rows.append(f"<dt>{name}</dt><dd>{', '.join(_link(v) for v in values)}</dd>")
    if (term, OWL.deprecated, Literal(True)) in graph:
        rows.append("<dt>Status</dt><dd>deprecated</dd>")
    return (
        f'<section class="term" id="{html.escape(local)}">\n<h3>{html.escape(heading)} '
        f'<small class="meta"><code>ckg:{html.escape(local)}</code></small></h3>\n'
        f"<dl>\n{chr(10).join(rows)}\n</dl>\n</section>"
    )


@cache
def ontology_page() -> str:
    """The HTML documentation of the ontology, generated from the ontology graph."""
    graph = ontology_graph()
    ontology = URIRef(ONTOLOGY_IRI)
    by_kind: dict[str, list[URIRef]] = {key: [] for key, _, _ in KINDS}
    for term in ckg_terms(graph):
        by_kind[term_kind(graph, term)].append(term)
    toc: list[str] = []
    sections: list[str] = []
    for key, title, _ in KINDS:
        terms = by_kind[key]
        if not terms:
            continue
        locals_ = [html.escape(str(t)[len(NAMESPACE) :]) for t in terms]
        items = "".join(f'<li><a href="#{local}">{local}</a></li>' for local in locals_)
        toc.append(f'<h3><a href="#{key}">{title}</a></h3><ul>{items}</ul>')
        body = "\n".join(term_section(graph, t) for t in terms)
        sections.append(f'<section id="{key}">\n<h2>{title}</h2>\n{body}\n</section>')
    title_en = _label_of(graph, ontology, DCTERMS.title, "en") or "clusterkg ontology"
    title_ru = _label_of(graph, ontology, DCTERMS.title, "ru")
    descriptions = _by_language(graph.objects(ontology, DCTERMS.description))
    licences = sorted(graph.objects(ontology, DCTERMS.license), key=str)
    version_iri = graph.value(ontology, OWL.versionIRI)
    return template("ontology.html").substitute(
        title=html.escape(title_en),
        title_ru=f'<p lang="ru">{html.escape(title_ru)}</p>' if title_ru else "",
        iri=html.escape(ONTOLOGY_IRI),
        version_iri=html.escape(str(version_iri or "")),
        version=html.escape(ontology_version()),
        namespace=html.escape(NAMESPACE),
        license=", ".join(_link(v) for v in licences) or "—",
        description="\n".join(f"<p>{_text(d)}</p>" for d in descriptions),
        toc="\n".join(toc),
        sections="\n".join(sections),
    )


def _label_of(graph: Graph, subject: URIRef, predicate: URIRef, language: str) -> str | None:
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and value.language == language:
            return str(value)
    return None


def _answer(request: Request) -> Response:
    format_params = [v for k, v in request.query_params.multi_items() if k in ("format", "output")]
    chosen = negotiate_rdf(request.headers.get("accept"), format_params, html=True)
    if chosen.format == "html":
        return HTMLResponse(ontology_page(), headers={"Vary": "Accept"})
    return Response(
        ontology_document(chosen.format), media_type=chosen.content_type, headers={"Vary": "Accept"}
    )


@router.get("/ontology", summary="The ontology: OWL (Turtle, RDF/XML, JSON-LD...) or HTML documentation")
async def ontology(request: Request) -> Response:
    """The current ontology, negotiated; term IRIs ``.../ontology#X`` are anchors of the page."""
    return _answer(request)


@router.get("/ontology/{version}", summary="A version of the ontology (the current one only)")
async def ontology_version_iri(version: str, request: Request) -> Response:
    """The ontology at its versioned IRI; 404 for any version but the current one."""
    if version != ontology_version():
        raise NotFound(f"this server has version {ontology_version()} of the ontology, not {version!r}")
    return _answer(request)
