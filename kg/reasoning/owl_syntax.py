"""OWL axioms as text: OWL functional-style syntax with full IRIs, Turtle-like where no form fits.

:class:`Renderer` writes one axiom or assertion (a root triple and its blank-node closure) the
way the DL check's explanations name them: ``ClassAssertion(...)``, ``DisjointClasses(...)``,
``FunctionalDataProperty(...)``, class expressions such as ``ObjectSomeValuesFrom(...)``.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from kg.reasoning.dl_input import Facts, Group, is_builtin

__all__ = ["Renderer"]

_CHARACTERISTICS: dict[Node, str] = {
    OWL.FunctionalProperty: "Functional",
    OWL.InverseFunctionalProperty: "InverseFunctional",
    OWL.TransitiveProperty: "Transitive",
    OWL.SymmetricProperty: "Symmetric",
    OWL.AsymmetricProperty: "Asymmetric",
    OWL.ReflexiveProperty: "Reflexive",
    OWL.IrreflexiveProperty: "Irreflexive",
}
_PAIRS: dict[Node, str] = {
    RDFS.subClassOf: "SubClassOf",
    OWL.equivalentClass: "EquivalentClasses",
    OWL.disjointWith: "DisjointClasses",
    OWL.sameAs: "SameIndividual",
    OWL.differentFrom: "DifferentIndividuals",
}
_RESTRICTIONS: dict[Node, str] = {
    OWL.someValuesFrom: "SomeValuesFrom",
    OWL.allValuesFrom: "AllValuesFrom",
    OWL.hasValue: "HasValue",
    OWL.minCardinality: "MinCardinality",
    OWL.maxCardinality: "MaxCardinality",
    OWL.cardinality: "ExactCardinality",
    OWL.minQualifiedCardinality: "MinCardinality",
    OWL.maxQualifiedCardinality: "MaxCardinality",
    OWL.qualifiedCardinality: "ExactCardinality",
}
_BOOLEANS: dict[Node, str] = {
    OWL.intersectionOf: "ObjectIntersectionOf",
    OWL.unionOf: "ObjectUnionOf",
    OWL.oneOf: "ObjectOneOf",
}


class Renderer:
    """Axioms in OWL functional-style syntax with full IRIs; Turtle-like where no form fits."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.props: dict[Node, dict[Node, Node]] = {}

    def group(self, group: Group) -> str:
        self.props = defaultdict(dict)
        for s, p, o in group:
            if isinstance(s, BNode):
                self.props[s][p] = o
        s, p, o = group[0]
        kind = "Data" if self.facts.is_data_property(s) else "Object"
        if isinstance(s, BNode):
            return self.bnode_axiom(s)
        if p == RDF.type and o in _CHARACTERISTICS:
            return f"{_CHARACTERISTICS[o]}{kind}Property({self.term(s)})"
        if p == RDF.type:
            return f"ClassAssertion({self.ce(o)} {self.term(s)})"
        if p in _PAIRS:
            return f"{_PAIRS[p]}({self.ce(s)} {self.ce(o)})"
        if p == RDFS.subPropertyOf:
            return f"Sub{kind}PropertyOf({self.term(s)} {self.term(o)})"
        if p in (RDFS.domain, RDFS.range):
            where = "Domain" if p == RDFS.domain else "Range"
            return f"{kind}Property{where}({self.term(s)} {self.ce(o)})"
        if p == OWL.inverseOf:
            return f"InverseObjectProperties({self.term(s)} {self.term(o)})"
        if p == OWL.propertyChainAxiom:
            chain = " ".join(self.ce(x) for x in self.items(o))
            return f"SubObjectPropertyOf(ObjectPropertyChain({chain}) {self.term(s)})"
        if not is_builtin(p) and isinstance(s, URIRef):
            kind = "Data" if isinstance(o, Literal) else "Object"
            return f"{kind}PropertyAssertion({self.term(p)} {self.term(s)} {self.ce(o)})"
        return f"{self.term(s)} {self.term(p)} {self.ce(o)}"

    def bnode_axiom(self, node: Node) -> str:
        props = self.props[node]
        if props.get(RDF.type) == OWL.AllDisjointClasses:
            members = " ".join(self.ce(x) for x in self.items(props.get(OWL.members)))
            return f"DisjointClasses({members})"
        if props.get(RDF.type) == OWL.AllDifferent:
            listed = props.get(OWL.members) or props.get(OWL.distinctMembers)
            return f"DifferentIndividuals({' '.join(self.ce(x) for x in self.items(listed))})"
        return self.ce(node)

    def items(self, node: Node | None) -> list[Node]:
        out: list[Node] = []
        while node is not None and node != RDF.nil and len(out) < 1000:
            props = self.props.get(node, {})
            if RDF.first in props:
                out.append(props[RDF.first])
            node = props.get(RDF.rest)
        return out

    def ce(self, node: Node) -> str:
        """A class (or property, or individual) expression."""
        if not isinstance(node, BNode):
            return self.term(node)
        props = self.props.get(node, {})
        if OWL.onProperty in props:
            prop = props[OWL.onProperty]
            kind = "Data" if self.facts.is_data_property(prop) else "Object"
            for key, name in _RESTRICTIONS.items():
                if key in props and key in (OWL.someValuesFrom, OWL.allValuesFrom, OWL.hasValue):
                    return f"{kind}{name}({self.ce(prop)} {self.ce(props[key])})"
                if key in props:
                    filler = props.get(OWL.onClass) or props.get(OWL.onDataRange)
                    tail = f" {self.ce(filler)}" if filler is not None else ""
                    return f"{kind}{name}({self.term(props[key])} {self.ce(prop)}{tail})"
        for key, name in _BOOLEANS.items():
            if key in props:
                return f"{name}({' '.join(self.ce(x) for x in self.items(props[key]))})"
        if OWL.complementOf in props:
            return f"ObjectComplementOf({self.ce(props[OWL.complementOf])})"
        if OWL.inverseOf in props:
            return f"ObjectInverseOf({self.ce(props[OWL.inverseOf])})"
        inner = " ; ".join(f"{self.term(p)} {self.ce(o)}" for p, o in props.items())
        return f"[ {inner} ]"

    @staticmethod
    def term(node: Node) -> str:
        if isinstance(node, Literal):
            return node.n3().replace("\n", "\\n")
        if isinstance(node, BNode):
            return "[]"
        return f"<{node}>"
