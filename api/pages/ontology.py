"""The ontology's HTML documentation (``/ontology``): every term the ontology and the data use.

Generated here from the ontology graph (no pyLODE: one page, no dependency), rendered by the
template ``ontology.html`` (autoescaped: no value is escaped by hand). Two parts:

- **Our own terms**: one section per term of the ``ckg:`` namespace that the ontology defines,
  with ``id`` its local name, so each term IRI ``https://w3id.org/clusterkg/ontology#X``
  resolves to its place in the page: labels in English and Russian, definitions, types,
  super-classes and super-properties, domain, range, inverses, property chains, the classes it
  is declared pairwise disjoint with. Class expressions (a blank node: a restriction, a union...)
  are written in the Manchester syntax (:mod:`kg.reasoning.manchester`), every name in them a
  link. A ``ckg:`` term that the data uses but the ontology does not define gets a section too,
  saying so.
- **Terms of other vocabularies**: every property, class and datatype that the ontology or the
  data use from another namespace (:mod:`kg.describe.vocabulary`), grouped by vocabulary (its
  title, namespace and documentation), each with ``id`` its CURIE (``dct:creator``): its IRI,
  how and where it is used, how the ontology declares it, and which of our terms refer to it.

Links go through the template's ``link`` macro: an ``href`` only for http(s) IRIs and
references within the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS
from rdflib.term import Node

from api.pages import html
from kg.describe.vocabulary import TermUse, Vocabulary, prefixes_of, vocabulary_of
from kg.reasoning import manchester
from ontology import NAMESPACE, ONTOLOGY_IRI

__all__ = ["KINDS", "ckg_terms", "link_value", "render_ontology", "term_kind"]

KINDS: tuple[tuple[str, str, URIRef | None], ...] = (
    ("classes", "Classes", OWL.Class),
    ("object-properties", "Object properties", OWL.ObjectProperty),
    ("datatype-properties", "Datatype properties", OWL.DatatypeProperty),
    ("annotation-properties", "Annotation properties", OWL.AnnotationProperty),
    ("individuals", "Individuals and concept schemes", None),
)
UNDEFINED = ("undefined", "Used but not defined by the ontology")
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
PLACES = {"ontology": "the ontology", "data": "the data"}
"""Where a term is used, in the order the page names the places."""
MAX_REFERRERS = 40
"""How many of our terms an external term's "Referred to by" row lists before "and N more"."""


@dataclass(frozen=True)
class Value:
    """One value in a term's documentation, as the page shows it.

    A link (``href``: ``#local`` for a ``ckg:`` term, else the IRI) shows ``text`` as code
    (as prose when ``prose``), as does ``code``; a text may carry a language; an expression
    (``parts``) is shown as code made of its parts (each a plain text or a link); a ``note``
    is shown as emphasised text.
    """

    text: str
    href: str | None = None
    language: str | None = None
    code: bool = False
    note: bool = False
    parts: tuple[Value, ...] = ()
    prose: bool = False


@dataclass(frozen=True)
class Row:
    """A row of a term's documentation: its name and values, one a line or ``inline``."""

    name: str
    values: tuple[Value, ...]
    inline: bool = False


@dataclass(frozen=True)
class TermDoc:
    """The documentation of one term: ``<section id="<anchor>">`` with its rows."""

    anchor: str
    name: str
    heading: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class KindDoc:
    """A section of the page: one kind of our terms (classes, object properties...)."""

    key: str
    title: str
    terms: tuple[TermDoc, ...]


@dataclass(frozen=True)
class VocabularyDoc:
    """A vocabulary whose terms are used, and the documentation of those terms."""

    anchor: str
    title: str
    prefix: str
    namespace: str
    url: str
    terms: tuple[TermDoc, ...]


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


def link_value(node: object) -> Value:
    """A value shown as a link: a ``ckg:`` term to its section, another IRI to itself.

    >>> link_value(URIRef(NAMESPACE + "Cluster"))
    Value(text='ckg:Cluster', href='#Cluster', language=None, code=False, note=False, parts=(), prose=False)
    """
    if isinstance(node, URIRef):
        iri = str(node)
        if iri.startswith(NAMESPACE):
            local = iri[len(NAMESPACE) :]
            return Value(f"ckg:{local}", href=f"#{local}")
        return Value(html.compact(iri), href=iri)
    return Value(str(node))


def expression_value(graph: Graph, node: Node) -> Value:
    """A class expression in the Manchester syntax, each name in it a link (see :func:`link_value`).

    >>> g = Graph().parse(format="turtle", data='''@prefix owl: <http://www.w3.org/2002/07/owl#> .
    ...     <x:C> owl:equivalentClass [ owl:complementOf <https://w3id.org/clusterkg/ontology#Cluster> ] .''')
    >>> [(p.text, p.href) for p in expression_value(g, g.value(URIRef("x:C"), OWL.equivalentClass)).parts]
    [('not ', None), ('ckg:Cluster', '#Cluster')]
    """
    if not isinstance(node, BNode):
        return link_value(node)
    try:
        tokens = manchester.class_expression(graph, node)
    except ValueError:
        return Value("a class expression this page cannot write (see the Turtle)", note=True)
    return _tokens_value(tokens)


def _tokens_value(tokens: Iterable[manchester.Token]) -> Value:
    parts = tuple(
        Value(t.text) if t.iri is None else Value(t.text, href=link_value(URIRef(t.iri)).href) for t in tokens
    )
    return Value(manchester.text(list(tokens)), code=True, parts=parts)


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


def _disjoint_groups(graph: Graph) -> dict[Node, set[Node]]:
    """For each class in an ``owl:AllDisjointClasses``, the other members of its groups."""
    others: dict[Node, set[Node]] = defaultdict(set)
    for group in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        head = graph.value(group, OWL.members)
        members = list(graph.items(head)) if head is not None else []
        for member in members:
            others[member] |= {m for m in members if m != member}
    return others


def term_doc(graph: Graph, term: URIRef, disjoint: dict[Node, set[Node]] | None = None) -> TermDoc:
    """The documentation of one of our terms: IRI, labels, types, texts, relations, status."""
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
        found = sorted(graph.objects(term, predicate), key=lambda v: (isinstance(v, BNode), str(v)))
        if found:
            shown = tuple(expression_value(graph, v) for v in found)
            rows.append(Row(name, shown, inline=not any(isinstance(v, BNode) for v in found)))
    chains: list[Value] = []
    for head in graph.objects(term, OWL.propertyChainAxiom):
        try:
            chains.append(_tokens_value(manchester.property_chain(graph, head)))
        except ValueError:
            chains.append(Value("a property chain this page cannot write (see the Turtle)", note=True))
    if chains:
        rows.append(Row("Sub-property chain", tuple(chains)))
    others = sorted((disjoint or {}).get(term, set()), key=str)
    if others:
        rows.append(Row("Pairwise disjoint with", tuple(link_value(o) for o in others), inline=True))
    if (term, OWL.deprecated, Literal(True)) in graph:
        rows.append(Row("Status", (Value("deprecated"),)))
    return TermDoc(local, f"ckg:{local}", heading, tuple(rows))


def undefined_doc(term: URIRef, places: set[str]) -> TermDoc:
    """A ``ckg:`` term that is used but that the ontology does not define."""
    local = str(term)[len(NAMESPACE) :]
    used_in = " and ".join(_places(places))
    rows = (
        Row("IRI", (Value(str(term), code=True),)),
        Row("Status", (Value(f"used in {used_in}, but not defined by the ontology", note=True),)),
    )
    return TermDoc(local, f"ckg:{local}", local, rows)


def external_doc(
    graph: Graph, iri: str, kinds: set[str], places: set[str], vocabulary: Vocabulary
) -> TermDoc:
    """A term of another vocabulary: its IRI, vocabulary, how and where it is used, how the
    ontology declares it, and which of our terms refer to it."""
    name = manchester.curie(iri, prefixes_of())
    rows = [
        Row("IRI", (Value(iri, href=iri),)),
        Row("Vocabulary", (_vocabulary_value(vocabulary),)),
        Row("Used as", tuple(Value(k) for k in sorted(kinds)), inline=True),
        Row("Used in", tuple(Value(p) for p in _places(places)), inline=True),
    ]
    term = URIRef(iri)
    declared = sorted(t for t in graph.objects(term, RDF.type) if isinstance(t, URIRef))
    if declared:
        rows.append(Row("Declared in the ontology as", tuple(link_value(t) for t in declared), inline=True))
    for label, predicate in (("Sub-class of", RDFS.subClassOf), ("Sub-property of", RDFS.subPropertyOf)):
        supers = sorted(o for o in graph.objects(term, predicate) if isinstance(o, URIRef))
        if supers:
            rows.append(Row(label, tuple(link_value(o) for o in supers), inline=True))
    referrers = sorted(
        {
            (str(s), str(p))
            for s, p in graph.subject_predicates(term)
            if isinstance(s, URIRef) and str(s).startswith(NAMESPACE) and p != RDF.type
        }
    )
    if referrers:
        values = [
            Value(f"{link_value(URIRef(s)).text} ({html.compact(p)})", href=link_value(URIRef(s)).href)
            for s, p in referrers[:MAX_REFERRERS]
        ]
        if len(referrers) > MAX_REFERRERS:
            values.append(Value(f"and {len(referrers) - MAX_REFERRERS} more", note=True))
        rows.append(Row("Referred to by", tuple(values), inline=True))
    anchor = name if not name.startswith("<") else ""
    return TermDoc(anchor, name, name, tuple(rows))


def _places(places: set[str]) -> list[str]:
    return [PLACES[p] for p in PLACES if p in places] + sorted(places - PLACES.keys())


def _vocabulary_value(vocabulary: Vocabulary) -> Value:
    title = vocabulary.title or vocabulary.namespace
    return Value(title, href=vocabulary.url or None, prose=True)


def external_vocabularies(graph: Graph, used: TermUse) -> list[VocabularyDoc]:
    """The terms of other namespaces that are used, by vocabulary (known ones by prefix first)."""
    grouped: dict[Vocabulary, list[TermDoc]] = defaultdict(list)
    for term in used.sorted():
        if term.iri.startswith(NAMESPACE):
            continue
        vocabulary = vocabulary_of(term.iri)
        grouped[vocabulary].append(external_doc(graph, term.iri, term.kinds, term.places, vocabulary))
    ordered = sorted(grouped, key=lambda v: (v.prefix == "", v.prefix, v.namespace))
    return [
        VocabularyDoc(
            f"vocabulary-{v.prefix}" if v.prefix else f"vocabulary-{i}",
            v.title or v.namespace,
            v.prefix,
            v.namespace,
            v.url,
            tuple(grouped[v]),
        )
        for i, v in enumerate(ordered)
    ]


def render_ontology(graph: Graph, version: str, data: TermUse | None = None) -> str:
    """The HTML documentation of an ontology graph and of the terms it and the data use
    (``ontology.html``), every text escaped.

    :param data: the terms the data uses (:func:`kg.describe.vocabulary.data_terms`); without
        it, only what the ontology uses is documented.
    """
    ontology = URIRef(ONTOLOGY_IRI)
    used = TermUse()
    used.add_ontology(graph)
    for found in data.terms.values() if data is not None else ():
        for kind in found.kinds:
            for place in found.places:
                used.note(found.iri, kind, place)
    disjoint = _disjoint_groups(graph)
    defined = ckg_terms(graph)
    by_kind: dict[str, list[URIRef]] = {key: [] for key, _, _ in KINDS}
    for term in defined:
        by_kind[term_kind(graph, term)].append(term)
    kinds = [
        KindDoc(key, title, tuple(term_doc(graph, t, disjoint) for t in by_kind[key]))
        for key, title, _ in KINDS
        if by_kind[key]
    ]
    known = {str(t) for t in defined} | {NAMESPACE}
    undefined = [
        undefined_doc(URIRef(t.iri), t.places)
        for t in used.sorted()
        if t.iri.startswith(NAMESPACE) and t.iri not in known
    ]
    if undefined:
        kinds.append(KindDoc(*UNDEFINED, tuple(undefined)))
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
        vocabularies=external_vocabularies(graph, used),
    )
