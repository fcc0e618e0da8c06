"""The input of the OWL DL check: the ontology and data triples, and the individuals to declare.

:class:`Facts` splits the triples into ontology (TBox) and data (ABox), with ``owl:imports``
removed (no network), records the declared vocabulary and declares ``owl:NamedIndividual`` for
every IRI the data uses as an individual (owlready2 only sees typed individuals);
:func:`ntriples` writes triples for HermiT. A :data:`Group` is one axiom or assertion: a root
triple and its blank-node closure.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

__all__ = ["DECLARATION_TYPES", "Facts", "Group", "Triple", "is_builtin", "ntriples"]

Triple = tuple[Node, Node, Node]
Group = tuple[Triple, ...]  # one axiom or assertion: a root triple and its blank-node closure

_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
DECLARATION_TYPES = frozenset(
    {OWL.Class, RDFS.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    | {RDF.Property, OWL.NamedIndividual, OWL.Ontology, RDFS.Datatype, OWL.OntologyProperty}
)
_BUILTIN_ANNOTATIONS = frozenset(
    {RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, OWL.versionInfo, OWL.deprecated}
    | {OWL.priorVersion, OWL.backwardCompatibleWith, OWL.incompatibleWith, OWL.versionIRI}
)


def is_builtin(node: Node) -> bool:
    """Whether a term is in the RDF, RDFS, OWL or XSD namespace."""
    return isinstance(node, URIRef) and str(node).startswith(_BUILTIN)


def _triples(graph: Graph) -> Iterator[Triple]:
    if isinstance(graph, ConjunctiveGraph):  # Dataset too: merge the named graphs
        for s, p, o, _ in graph.quads((None, None, None, None)):
            yield s, p, o
    else:
        yield from graph


@dataclass
class Facts:
    """The ontology and data triples, the vocabulary, and the individuals to declare."""

    tbox: list[Triple]
    abox: list[Triple]
    declarations: list[Triple] = field(default_factory=list)  # added owl:NamedIndividual
    typed: dict[Node, set[Node]] = field(default_factory=dict)  # term -> declaration types
    individuals: set[Node] = field(default_factory=set)

    @classmethod
    def of(cls, ontology: Graph, data: Graph) -> Facts:
        tbox = list(dict.fromkeys(t for t in _triples(ontology) if t[1] != OWL.imports))
        seen = set(tbox)
        abox = [t for t in dict.fromkeys(_triples(data)) if t[1] != OWL.imports and t not in seen]
        facts = cls(tbox, abox)
        for t in tbox + abox:
            if facts.is_declaration(t):
                facts.typed.setdefault(t[0], set()).add(t[2])
        facts.individuals = {t for t, kinds in facts.typed.items() if OWL.NamedIndividual in kinds}
        schema = {t for t, kinds in facts.typed.items() if kinds - {OWL.NamedIndividual}}
        used: set[Node] = set()
        for s, p, o in abox:
            if p == RDF.type:
                used |= {s} if o not in DECLARATION_TYPES else set()
            elif p in (OWL.sameAs, OWL.differentFrom):
                used |= {s, o}
            elif not is_builtin(p):
                used |= {s} if facts.is_annotation(p) else {s, o}
        for term in sorted(used - schema - facts.individuals, key=str):
            if isinstance(term, URIRef) and not is_builtin(term):
                facts.declarations.append((term, RDF.type, OWL.NamedIndividual))
                facts.individuals.add(term)
        return facts

    def all_triples(self) -> list[Triple]:
        return self.tbox + self.abox + self.declarations

    def is_annotation(self, prop: Node) -> bool:
        return prop in _BUILTIN_ANNOTATIONS or OWL.AnnotationProperty in self.typed.get(prop, ())

    def is_data_property(self, prop: Node) -> bool:
        return OWL.DatatypeProperty in self.typed.get(prop, ())

    @staticmethod
    def is_declaration(triple: Triple) -> bool:
        s, p, o = triple
        return p == RDF.type and o in DECLARATION_TYPES and isinstance(s, URIRef)

    def is_header(self, triple: Triple) -> bool:
        return OWL.Ontology in self.typed.get(triple[0], ())


def ntriples(triples: Iterable[Triple]) -> bytes:
    """The triples as an N-Triples document (UTF-8)."""
    graph = Graph()
    for t in triples:
        graph.add(t)
    return graph.serialize(format="nt", encoding="utf-8")
