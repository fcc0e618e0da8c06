"""The ontology at ``/ontology`` (and its versioned IRI): the OWL file, or its documentation.

Negotiated with :func:`api.negotiation.negotiate_rdf`: Turtle is the hand-edited file itself;
N-Triples, RDF/XML, TriG, N-Quads and JSON-LD (compacted with ``/context.jsonld``) are
converted from it; HTML is documentation generated here from the ontology graph (no pyLODE:
one page, no dependency), rendered by the template ``ontology.html``. The page has one section
per term of the ``ckg:`` namespace, with ``id`` the term's local name, so each term IRI
``https://w3id.org/clusterkg/ontology#X`` resolves to its place in the page: labels in English
and Russian, definitions, types, super-classes and super-properties, domain, range and inverses.

``/ontology/<version>`` answers for the current ``owl:versionInfo`` only (404 otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyoxigraph as ox
from fastapi import APIRouter, Request, Response
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from api import html
from api.jsonld_context import jsonld_context
from api.negotiation import negotiate_rdf
from api.openapi import FORMAT_PARAMETERS, HTML, RDF_TYPES, answer, error_responses
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


@dataclass(frozen=True)
class Value:
    """One value in a term's documentation, as the page shows it.

    A link (``href``: ``#local`` for a ``ckg:`` term, else the IRI) shows ``text`` as code, as
    does ``code``; a text may carry a language; a ``note`` stands for what the page does not
    draw (a class expression).
    """

    text: str
    href: str | None = None
    language: str | None = None
    code: bool = False
    note: bool = False


@dataclass(frozen=True)
class Row:
    """A row of a term's documentation: its name and values, one a line or ``inline``."""

    name: str
    values: tuple[Value, ...]
    inline: bool = False


@dataclass(frozen=True)
class TermDoc:
    """The documentation of one term: ``<section id="<local name>">`` with its rows."""

    local: str
    heading: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class KindDoc:
    """A section of the page: one kind of term (classes, object properties...)."""

    key: str
    title: str
    terms: tuple[TermDoc, ...]


def link_value(node: object) -> Value:
    """A value shown as a link: a ``ckg:`` term to its section, another IRI to itself.

    >>> link_value(CKG.Cluster)
    Value(text='ckg:Cluster', href='#Cluster', language=None, code=False, note=False)
    """
    if isinstance(node, URIRef):
        iri = str(node)
        if iri.startswith(NAMESPACE):
            local = iri[len(NAMESPACE) :]
            return Value(f"ckg:{local}", href=f"#{local}")
        return Value(html.compact(iri), href=iri)
    if isinstance(node, BNode):
        return Value("a class expression (see the Turtle)", note=True)
    return Value(str(node))


def text_value(node: object) -> Value:
    """A value shown as text, with its language tag if it has one."""
    if isinstance(node, Literal) and node.language:
        return Value(str(node), language=node.language)
    return Value(str(node))


def _by_language(values: Iterable[object]) -> list[object]:
    order = {"en": 0, "ru": 1}
    return sorted(values, key=lambda v: (order.get(getattr(v, "language", None) or "", 2), str(v)))


def _label(graph: Graph, subject: URIRef, predicate: URIRef, language: str) -> str | None:
    for value in graph.objects(subject, predicate):
        if isinstance(value, Literal) and value.language == language:
            return str(value)
    return None


def term_doc(graph: Graph, term: URIRef) -> TermDoc:
    """The documentation of one term: IRI, labels, types, texts, relations, status."""
    local = str(term)[len(NAMESPACE) :]
    heading = _label(graph, term, RDFS.label, "en") or local
    rows = [Row("IRI", (Value(str(term), code=True),))]
    labels = _by_language(graph.objects(term, RDFS.label))
    if labels:
        rows.append(Row("Labels", tuple(text_value(v) for v in labels)))
    types = sorted(t for t in graph.objects(term, RDF.type) if isinstance(t, URIRef))
    if types:
        rows.append(Row("Type", tuple(link_value(t) for t in types), inline=True))
    for name, predicate in TEXTS:
        values = _by_language(graph.objects(term, predicate))
        if values:
            rows.append(Row(name, tuple(text_value(v) for v in values)))
    for name, predicate in RELATIONS:
        values = sorted(graph.objects(term, predicate), key=str)
        if values:
            rows.append(Row(name, tuple(link_value(v) for v in values), inline=True))
    if (term, OWL.deprecated, Literal(True)) in graph:
        rows.append(Row("Status", (Value("deprecated"),)))
    return TermDoc(local, heading, tuple(rows))


def render_ontology(graph: Graph, version: str) -> str:
    """The HTML documentation of an ontology graph (``ontology.html``), every text escaped."""
    ontology = URIRef(ONTOLOGY_IRI)
    by_kind: dict[str, list[URIRef]] = {key: [] for key, _, _ in KINDS}
    for term in ckg_terms(graph):
        by_kind[term_kind(graph, term)].append(term)
    kinds = [
        KindDoc(key, title, tuple(term_doc(graph, t) for t in by_kind[key]))
        for key, title, _ in KINDS
        if by_kind[key]
    ]
    version_iri = graph.value(ontology, OWL.versionIRI)
    return html.render(
        "ontology.html",
        title=_label(graph, ontology, DCTERMS.title, "en") or "clusterkg ontology",
        title_ru=_label(graph, ontology, DCTERMS.title, "ru"),
        iri=ONTOLOGY_IRI,
        version_iri=str(version_iri or ""),
        version=version,
        namespace=NAMESPACE,
        licences=[link_value(v) for v in sorted(graph.objects(ontology, DCTERMS.license), key=str)],
        descriptions=[text_value(d) for d in _by_language(graph.objects(ontology, DCTERMS.description))],
        kinds=kinds,
    )


@cache
def ontology_page() -> str:
    """The HTML documentation of the ontology, generated from the ontology graph (once)."""
    return render_ontology(ontology_graph(), ontology_version())


def _answer(request: Request) -> Response:
    format_params = [v for k, v in request.query_params.multi_items() if k in ("format", "output")]
    chosen = negotiate_rdf(request.headers.get("accept"), format_params, html=True)
    if chosen.format == "html":
        return html.response(ontology_page(), headers={"Vary": "Accept"})
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
async def ontology(request: Request) -> Response:
    """The current ontology, negotiated; term IRIs ``.../ontology#X`` are anchors of the page."""
    return _answer(request)


@router.get(
    "/ontology/{version}",
    summary="A version of the ontology (the current one only)",
    response_class=Response,
    responses={**ONTOLOGY, **error_responses(404, 406, 422)},
    openapi_extra={"parameters": FORMAT_PARAMETERS},
)
async def ontology_version_iri(version: str, request: Request) -> Response:
    """The ontology at its versioned IRI; 404 for any version but the current one."""
    if version != ontology_version():
        raise NotFound(f"this server has version {ontology_version()} of the ontology, not {version!r}")
    return _answer(request)
