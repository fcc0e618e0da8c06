"""How far validation and reasoning look from a node: the predicates they follow backwards.

A write is validated and reasoned on over the quads around it (:mod:`kg.write.neighbourhood`). Going
forward (from a node to the objects of its quads) is always needed, and cheap: a node has a
handful of quads. Going backward (from a node to the subjects that point at it) is what makes
a neighbourhood explode through hubs: a unit of measure that every statistic names, a cluster
with thousands of memberships. Yet the SHACL shapes and the OWL 2 RL rules go backward only
along a few predicates, which this module reads off the shapes and the ontology:

- **Shapes**: every predicate of an ``sh:inversePath`` and of ``sh:targetObjectsOf``, and every
  predicate of a SPARQL constraint's triple pattern whose subject is a variable other than
  ``$this`` (``?other ckg:stageOf ?chain``: the other stages of the focus node's value chain;
  ``?holding ckg:holdingOf $this``: the holdings of an IP right). A pattern with a variable or
  a path as predicate there makes the shapes go backward along anything (:attr:`Reach.every`).
- **Rules** (``kg/reasoning/rules``): both sides of ``owl:inverseOf``; symmetric, transitive
  and inverse-functional properties; every link but the last of a property chain (the subject
  of the conclusion is found by walking the chain back from the link that changed); the
  ``owl:onProperty`` of a someValuesFrom restriction (cls-svf1 types the subject when its
  value gets the type); ``owl:sameAs``; and every sub-property and equivalent property of these
  (its quads entail theirs). Domains, ranges, sub-properties, hasValue and allValuesFrom only
  look forward from the subject.

>>> from rdflib import Graph
>>> shapes = Graph().parse(data='''
...     @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
...     ex:S sh:path [ sh:inversePath ex:partOf ] .''', format="turtle")
>>> sorted(p.value for p in shape_reach(shapes).backward)
['http://e/partOf']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, URIRef, Variable
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import Node

THIS = Variable("this")


@dataclass(frozen=True)
class Reach:
    """The predicates followed from object to subject (all of them when ``every``)."""

    backward: frozenset[ox.NamedNode] = frozenset()
    every: bool = False

    def __or__(self, other: Reach) -> Reach:
        return Reach(self.backward | other.backward, self.every or other.every)

    def follows(self, predicate: ox.NamedNode) -> bool:
        """Whether quads with this predicate are followed from their object to their subject."""
        return self.every or predicate in self.backward


EVERYTHING = Reach(every=True)
"""Follow every quad backwards (what a neighbourhood did before this module)."""


def _iri(node: Node) -> ox.NamedNode:
    return ox.NamedNode(str(node))


def shape_reach(shapes: Graph) -> Reach:
    """What the SHACL shapes read backwards (see the module docstring)."""
    backward = {_iri(p) for p in shapes.objects(None, SH.inversePath) if isinstance(p, URIRef)}
    backward |= {_iri(p) for p in shapes.objects(None, SH.targetObjectsOf) if isinstance(p, URIRef)}
    every = any(not isinstance(p, URIRef) for p in shapes.objects(None, SH.inversePath))
    prefixes = {
        str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
        for d in shapes.objects(None, SH.declare)
    }
    for text in shapes.objects(None, SH.select):
        query = prepareQuery(str(text), initNs=prefixes)
        for subject, predicate, _ in _patterns(query.algebra):
            if isinstance(subject, Variable) and subject != THIS:
                if isinstance(predicate, URIRef):
                    backward.add(_iri(predicate))
                else:
                    every = True
    return Reach(frozenset(backward), every)


def _patterns(node: object) -> Iterator[tuple[Node, Node, Node]]:
    """Every triple pattern of a SPARQL algebra tree (FILTER EXISTS included)."""
    if isinstance(node, CompValue):
        for key, value in node.items():
            if key == "triples":
                for triple in value:
                    flat = list(triple)
                    for i in range(0, len(flat) - 2, 3):
                        yield flat[i], flat[i + 1], flat[i + 2]
            else:
                yield from _patterns(value)
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _patterns(item)


def rule_reach(ontology: Graph) -> Reach:
    """What the OWL 2 RL rules read backwards for this ontology (see the module docstring)."""
    found: set[Node] = {OWL.sameAs}
    for a, b in ontology.subject_objects(OWL.inverseOf):
        found |= {a, b}
    for kind in (OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.InverseFunctionalProperty):
        found |= set(ontology.subjects(RDF.type, kind))
    for head in ontology.objects(None, OWL.propertyChainAxiom):
        found |= set(list(Collection(ontology, head))[:-1])
    for restriction in ontology.subjects(OWL.someValuesFrom, None):
        found |= set(ontology.objects(restriction, OWL.onProperty))
    found |= _below(ontology, found)
    return Reach(frozenset(_iri(p) for p in found if isinstance(p, URIRef)))


def _below(ontology: Graph, properties: Iterable[Node]) -> set[Node]:
    """The sub-properties and equivalent properties of some properties, transitively."""
    todo, seen = list(properties), set(properties)
    while todo:
        prop = todo.pop()
        related = set(ontology.subjects(RDFS.subPropertyOf, prop))
        related |= set(ontology.subjects(OWL.equivalentProperty, prop))
        related |= set(ontology.objects(prop, OWL.equivalentProperty))
        for other in related - seen:
            seen.add(other)
            todo.append(other)
    return seen
