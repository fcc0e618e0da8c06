"""The terms that the ontology and the data use, and the vocabularies they belong to.

What the ontology page documents besides the ontology's own terms: every property and class
that the ontology or the data *use*, whoever defines them (``dct:creator``, ``skos:notation``,
``time:Instant``...). A term is *used*

- in the data: as a predicate, as a class (an object of ``rdf:type``) or as the datatype of a
  literal (``xsd:string`` and ``rdf:langString``, which every plain literal has, left out);
- in the ontology: the same, and in the places of its axioms that name a class or a property
  (``rdfs:subClassOf schema:Observation``, ``rdfs:range time:Instant``, ``owl:onProperty``,
  the members of ``owl:unionOf`` and of property chains...), and as the subject of a
  declaration (``time:Instant a owl:Class``).

The data is read from files (:func:`data_terms`, streaming, with pyoxigraph): the files that
``clusterkg build`` loads. :data:`VOCABULARIES` names the vocabularies of the published prefixes
(:data:`kg.namespaces.PREFIXES`) with the page that documents each; :func:`vocabulary_of` gives
the one a term belongs to (an unknown namespace stands for itself).

>>> from rdflib import Graph
>>> g = Graph().parse(format="turtle", data='''
...     @prefix ckg: <https://w3id.org/clusterkg/ontology#> . @prefix schema: <https://schema.org/> .
...     @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
...     ckg:Statistic rdfs:subClassOf schema:Observation .''')
>>> used = TermUse()
>>> used.add_ontology(g)
>>> for t in used.sorted():
...     print(t.iri, sorted(t.kinds), sorted(t.places))
http://www.w3.org/2000/01/rdf-schema#subClassOf ['property'] ['ontology']
https://schema.org/Observation ['class'] ['ontology']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg import formats
from kg.namespaces import PREFIXES

__all__ = ["VOCABULARIES", "TermUse", "UsedTerm", "Vocabulary", "data_terms", "vocabulary_of"]

PROPERTY, CLASS, DATATYPE = "property", "class", "datatype"
ONTOLOGY, DATA = "ontology", "data"


@dataclass(frozen=True)
class Vocabulary:
    """A vocabulary: its prefix (empty when it has none), namespace, title and documentation."""

    prefix: str
    namespace: str
    title: str
    url: str


_DOCUMENTED: dict[str, tuple[str, str]] = {
    "ckg": ("clusterkg ontology", "https://w3id.org/clusterkg/ontology"),
    "org": ("W3C Organization Ontology", "https://www.w3.org/TR/vocab-org/"),
    "prov": ("PROV-O: the PROV Ontology", "https://www.w3.org/TR/prov-o/"),
    "oa": ("Web Annotation Vocabulary", "https://www.w3.org/TR/annotation-vocab/"),
    "skos": ("SKOS Simple Knowledge Organization System", "https://www.w3.org/TR/skos-reference/"),
    "dct": ("DCMI Metadata Terms", "https://www.dublincore.org/specifications/dublin-core/dcmi-terms/"),
    "schema": ("Schema.org", "https://schema.org/"),
    "odrl": ("ODRL Information Model 2.2", "https://www.w3.org/TR/odrl-vocab/"),
    "time": ("OWL-Time", "https://www.w3.org/TR/owl-time/"),
    "rdf": ("RDF 1.1 vocabulary", "https://www.w3.org/TR/rdf11-concepts/"),
    "rdfs": ("RDF Schema 1.1", "https://www.w3.org/TR/rdf11-schema/"),
    "owl": ("OWL 2 Web Ontology Language", "https://www.w3.org/TR/owl2-syntax/"),
    "xsd": ("XML Schema Definition Language 1.1: Datatypes", "https://www.w3.org/TR/xmlschema11-2/"),
    "sh": ("SHACL Shapes Constraint Language", "https://www.w3.org/TR/shacl/"),
    "foaf": ("FOAF Vocabulary", "http://xmlns.com/foaf/spec/"),
    "xkos": (
        "XKOS: SKOS extension for statistical classifications",
        "https://rdf-vocabulary.ddialliance.org/xkos.html",
    ),
    "frapo": (
        "FRAPO: Funding, Research Administration and Projects Ontology",
        "http://www.sparontologies.net/ontologies/frapo",
    ),
    "fabio": ("FaBiO: FRBR-aligned Bibliographic Ontology", "http://www.sparontologies.net/ontologies/fabio"),
    "adms": ("Asset Description Metadata Schema (ADMS)", "https://www.w3.org/TR/vocab-adms/"),
    "rov": ("Registered Organization Vocabulary", "https://www.w3.org/TR/vocab-regorg/"),
    "patent": ("EPO linked data: patent ontology", "https://data.epo.org/linked-data/"),
    "qudt": ("QUDT schema", "https://qudt.org/schema/qudt/"),
    "unit": ("QUDT units", "https://qudt.org/vocab/unit/"),
    "void": ("VoID: Vocabulary of Interlinked Datasets", "https://www.w3.org/TR/void/"),
    "vann": ("VANN: a vocabulary for annotating vocabulary descriptions", "https://vocab.org/vann/"),
    "cito": ("CiTO: the Citation Typing Ontology", "http://www.sparontologies.net/ontologies/cito"),
    "qb": ("The RDF Data Cube Vocabulary", "https://www.w3.org/TR/vocab-data-cube/"),
}
_NAMESPACES = {
    **PREFIXES,
    "vann": "http://purl.org/vocab/vann/",
    "cito": "http://purl.org/spar/cito/",
    "qb": "http://purl.org/linked-data/cube#",
}
VOCABULARIES: tuple[Vocabulary, ...] = tuple(
    Vocabulary(prefix, _NAMESPACES[prefix], title, url) for prefix, (title, url) in _DOCUMENTED.items()
)
"""The vocabularies of the published prefixes (and a few the ontology may name), with their pages."""

_CLASS_PLACES = (
    RDFS.subClassOf, OWL.equivalentClass, OWL.disjointWith, OWL.complementOf, RDFS.domain,
    OWL.someValuesFrom, OWL.allValuesFrom, OWL.onClass, OWL.onDataRange, OWL.onDatatype,
)  # fmt: skip
_PROPERTY_PLACES = (RDFS.subPropertyOf, OWL.equivalentProperty, OWL.inverseOf, OWL.onProperty)
_CLASS_LISTS = (OWL.unionOf, OWL.intersectionOf, OWL.members, OWL.disjointUnionOf)
_DECLARATIONS: dict[Node, str] = {
    OWL.Class: CLASS,
    RDFS.Class: CLASS,
    RDFS.Datatype: DATATYPE,
    RDF.Property: PROPERTY,
    OWL.ObjectProperty: PROPERTY,
    OWL.DatatypeProperty: PROPERTY,
    OWL.AnnotationProperty: PROPERTY,
}
_IMPLICIT_DATATYPES = frozenset({str(XSD.string), str(RDF.langString)})
_RDF_DATATYPES = frozenset(
    str(RDF) + name for name in ("langString", "PlainLiteral", "XMLLiteral", "HTML", "JSON", "dirLangString")
) | {str(RDFS.Literal)}
_RDF_TYPE = str(RDF.type)
_XSD = str(XSD)


@dataclass
class UsedTerm:
    """A term and how it is used: as a property, class or datatype; in the ontology, the data."""

    iri: str
    kinds: set[str] = field(default_factory=set)
    places: set[str] = field(default_factory=set)


@dataclass
class TermUse:
    """The terms found so far, by IRI."""

    terms: dict[str, UsedTerm] = field(default_factory=dict)

    def note(self, iri: str, kind: str, place: str) -> None:
        """Record one use of a term."""
        term = self.terms.get(iri)
        if term is None:
            term = self.terms[iri] = UsedTerm(iri)
        term.kinds.add(kind)
        term.places.add(place)

    def add_triples(self, triples: Iterable[tuple[object, object, object]], place: str) -> None:
        """The predicates, classes and literal datatypes of pyoxigraph triples."""
        for _, predicate, obj in triples:
            if not isinstance(predicate, ox.NamedNode):
                continue
            if isinstance(obj, ox.NamedNode):
                self._use(predicate.value, obj.value, None, place)
            elif isinstance(obj, ox.Literal):
                self._use(predicate.value, None, obj.datatype.value, place)
            else:
                self._use(predicate.value, None, None, place)

    def _use(self, predicate: str, obj: str | None, datatype: str | None, place: str) -> None:
        self.note(predicate, PROPERTY, place)
        if obj is not None and predicate == _RDF_TYPE:
            self.note(obj, CLASS, place)
        if datatype is not None and datatype not in _IMPLICIT_DATATYPES:
            self.note(datatype, DATATYPE, place)

    def add_ontology(self, graph: Graph) -> None:
        """What an ontology graph uses: as data does, and in its axioms (module docstring)."""
        for _, predicate, obj in graph:
            if isinstance(obj, Literal):
                datatype = None if obj.language else str(obj.datatype or XSD.string)
                self._use(str(predicate), None, datatype, ONTOLOGY)
            else:
                self._use(str(predicate), str(obj) if isinstance(obj, URIRef) else None, None, ONTOLOGY)
        for subject, declared in graph.subject_objects(RDF.type):
            kind = _DECLARATIONS.get(declared)
            if kind is not None and isinstance(subject, URIRef):
                self.note(str(subject), kind, ONTOLOGY)
        datatypes = {str(d) for d in graph.subjects(RDF.type, RDFS.Datatype)}
        for predicate in (*_CLASS_PLACES, RDFS.range):
            for obj in graph.objects(None, predicate):
                self._note_class(obj, datatypes)
        for predicate in _PROPERTY_PLACES:
            for obj in graph.objects(None, predicate):
                if isinstance(obj, URIRef):
                    self.note(str(obj), PROPERTY, ONTOLOGY)
        for predicate, kind in [(p, CLASS) for p in _CLASS_LISTS] + [(OWL.propertyChainAxiom, PROPERTY)]:
            for head in graph.objects(None, predicate):
                for member in _members(graph, head):
                    if isinstance(member, URIRef):
                        self.note(str(member), kind, ONTOLOGY)

    def _note_class(self, node: Node, datatypes: set[str]) -> None:
        """A class, or a datatype (XSD's, RDF's, or one the graph declares)."""
        if isinstance(node, URIRef):
            iri = str(node)
            datatype = iri.startswith(_XSD) or iri in _RDF_DATATYPES or iri in datatypes
            self.note(iri, DATATYPE if datatype else CLASS, ONTOLOGY)

    def sorted(self) -> list[UsedTerm]:
        """The terms, by IRI."""
        return [self.terms[iri] for iri in sorted(self.terms)]


def data_terms(paths: Iterable[Path]) -> tuple[TermUse, int]:
    """The terms that data files use (TriG, Turtle, N-Quads, N-Triples, by extension), and how
    many files could not be read (unknown format, unreadable or malformed: the build refuses
    those, so a served store never holds them)."""
    use = TermUse()
    unread = 0
    for path in paths:
        fmt = formats.by_extension(path.suffix)
        if fmt is None:
            unread += 1
            continue
        try:
            use.add_triples(
                (
                    (q.subject, q.predicate, q.object)
                    for q in ox.parse(path=path, format=formats.rdf_format(fmt.name))
                ),
                DATA,
            )
        except (SyntaxError, OSError, ValueError):
            unread += 1
    return use, unread


def vocabulary_of(iri: str, vocabularies: Iterable[Vocabulary] = VOCABULARIES) -> Vocabulary:
    """The vocabulary a term belongs to: the known one with the longest namespace that fits,
    else its own namespace (the IRI up to its last ``#`` or ``/``), untitled.

    >>> vocabulary_of("http://purl.org/dc/terms/creator").title
    'DCMI Metadata Terms'
    >>> vocabulary_of("https://example.org/vocab#thing")
    Vocabulary(prefix='', namespace='https://example.org/vocab#', title='', url='https://example.org/vocab#')
    """
    best: Vocabulary | None = None
    for vocabulary in vocabularies:
        if iri.startswith(vocabulary.namespace) and (
            best is None or len(vocabulary.namespace) > len(best.namespace)
        ):
            best = vocabulary
    if best is not None:
        return best
    cut = max(iri.rfind("#"), iri.rfind("/"))
    namespace = iri[: cut + 1] if cut > 0 else iri
    return Vocabulary("", namespace, "", namespace)


def prefixes_of(vocabularies: Iterable[Vocabulary] = VOCABULARIES) -> Mapping[str, str]:
    """Prefix -> namespace of the vocabularies (for CURIEs)."""
    return {v.prefix: v.namespace for v in vocabularies if v.prefix}


def _members(graph: Graph, head: Node) -> list[Node]:
    """The members of an RDF list (a cycle or a break ends it)."""
    found: list[Node] = []
    seen: set[Node] = set()
    node: Node | None = head
    while node is not None and node != RDF.nil and node not in seen and len(found) < 10_000:
        seen.add(node)
        first = graph.value(node, RDF.first)
        if first is None:
            break
        found.append(first)
        node = graph.value(node, RDF.rest)
    return found
