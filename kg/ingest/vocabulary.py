"""What the ontology declares, as plain sets and maps: the terms a template may name.

Read once per mapping load from ``ontology/clusterkg.ttl`` with rdflib. The mapping's allowed
values (roles, stage types, IP types, ...) are computed from it, so a concept added to the
ontology becomes allowed in templates without a change to code or mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.sources import load_ontology

_PROPERTY_TYPES = {
    str(OWL.ObjectProperty): "object",
    str(OWL.DatatypeProperty): "datatype",
    str(OWL.AnnotationProperty): "annotation",
    str(RDF.Property): "annotation",
}
_CLASS_TYPES = {str(OWL.Class), str(RDFS.Class)}


@dataclass(frozen=True)
class Vocabulary:
    """The ontology's terms: classes, properties (and their kind and range), individuals."""

    terms: frozenset[str]
    classes: frozenset[str]
    properties: Mapping[str, str]
    """Property IRI -> "object", "datatype" or "annotation"."""
    ranges: Mapping[str, str]
    types: Mapping[str, frozenset[str]]
    superclasses: Mapping[str, frozenset[str]]
    labels: Mapping[str, str]
    """Term -> its English rdfs:label."""
    definitions: Mapping[str, str]
    """Term -> its English skos:definition (or rdfs:comment)."""

    def subclasses_of(self, cls: str, *, include_self: bool = False) -> list[str]:
        """The named classes below ``cls`` (transitively), sorted."""
        found = {c for c in self.classes if c != cls and cls in self.ancestors(c)}
        if include_self:
            found.add(cls)
        return sorted(found)

    def instances_of(self, cls: str) -> list[str]:
        """The named individuals typed ``cls`` or one of its subclasses, sorted."""
        classes = {cls, *self.subclasses_of(cls)}
        return sorted(
            term for term, types in self.types.items() if types & classes and term not in self.classes
        )

    def ancestors(self, cls: str) -> set[str]:
        """Every superclass of ``cls``, transitively (not ``cls`` itself)."""
        seen: set[str] = set()
        todo = list(self.superclasses.get(cls, ()))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo += self.superclasses.get(current, ())
        return seen


def load_vocabulary() -> Vocabulary:
    """The vocabulary of the packaged ontology.

    :raises kg.errors.SourceError: when the ontology file cannot be parsed.
    """
    return vocabulary_of(load_ontology())


def vocabulary_of(graph: Graph) -> Vocabulary:
    """The vocabulary of an ontology graph."""
    types: dict[str, set[str]] = {}
    for s, o in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            types.setdefault(str(s), set()).add(str(o))
    properties = {
        term: kind
        for term, term_types in types.items()
        for t in term_types
        if (kind := _PROPERTY_TYPES.get(t)) is not None
    }
    classes = frozenset(term for term, term_types in types.items() if term_types & _CLASS_TYPES)
    superclasses: dict[str, set[str]] = {}
    for s, o in graph.subject_objects(RDFS.subClassOf):
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            superclasses.setdefault(str(s), set()).add(str(o))
    ranges = {
        str(s): str(o)
        for s, o in graph.subject_objects(RDFS.range)
        if isinstance(s, URIRef) and isinstance(o, URIRef)
    }
    return Vocabulary(
        terms=frozenset(types),
        classes=classes,
        properties=properties,
        ranges=ranges,
        types={k: frozenset(v) for k, v in types.items()},
        superclasses={k: frozenset(v) for k, v in superclasses.items()},
        labels=_english(graph, [RDFS.label]),
        definitions=_english(graph, [SKOS.definition, RDFS.comment]),
    )


def _english(graph: Graph, predicates: Iterable[URIRef]) -> dict[str, str]:
    found: dict[str, str] = {}
    for predicate in predicates:
        for s, o in sorted(graph.subject_objects(predicate), key=lambda so: (str(so[0]), str(so[1]))):
            if isinstance(s, URIRef) and isinstance(o, Literal) and o.language == "en":
                found.setdefault(str(s), str(o))
    return found
