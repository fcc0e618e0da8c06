"""The claim-graph check: every claim graph is declared a claim in its provenance graph.

SHACL sees one graph without graph names, so this rule is checked here in Python: every
non-empty named graph whose IRI starts with ``https://w3id.org/clusterkg/id/claim/`` must be
typed ``ckg:Claim`` in the provenance graph ``https://w3id.org/clusterkg/graph/provenance`` (and
likewise for synthetic claim graphs, see :data:`CLAIM_GRAPHS`). The shapes then require that
claim to be derived from a quote with its source and exact text. A failure is reported like a
SHACL result: focus node the graph IRI, no path, severity Violation; it is also added to the
report graph as a ``sh:ValidationResult`` (without ``sh:sourceShape``, as no shape produced it).
A plain ``Graph`` has no graph names, so the check does not apply to it. With focus nodes, it
looks only at the graphs among them.

>>> claim = URIRef("https://w3id.org/clusterkg/id/claim/x")
>>> claims = ClaimGraphs()
>>> claims.note(URIRef("http://e/s"), URIRef("http://e/p"), URIRef("http://e/o"), claim)
>>> [v.focus_node for v in claim_graph_violations(claims, None, {})]
['https://w3id.org/clusterkg/id/claim/x']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import ConjunctiveGraph, Dataset, Graph, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from kg.errors import Violation
from kg.namespaces import CKG, ID, PROVENANCE_GRAPH, SYNTH

SYNTHETIC_PROVENANCE_GRAPH = URIRef(str(SYNTH) + "graph/provenance")

CLAIM_GRAPHS: tuple[tuple[str, URIRef], ...] = (
    (str(ID) + "claim/", PROVENANCE_GRAPH),
    (str(SYNTH) + "graph/claim/", SYNTHETIC_PROVENANCE_GRAPH),
)
"""Named graphs whose IRI starts with a prefix are claim graphs; each must be declared a
``ckg:Claim`` in the provenance graph paired with the prefix. The second pair mirrors the
first in the synthetic namespace (kg/data/README.md: synthetic graphs live under
``https://w3id.org/clusterkg/synthetic/graph/``)."""

CLAIM_GRAPH_MESSAGE = (
    "claim graph <{graph}> has no provenance: declare it a ckg:Claim with prov:wasDerivedFrom "
    "a ckg:Quote in the provenance graph <{provenance}>"
)


@dataclass
class ClaimGraphs:
    """What the claim-graph check reads: the non-empty named graphs, and the pairs (graph,
    provenance graph) where the provenance graph types the graph ``ckg:Claim``."""

    graphs: set[Node] = field(default_factory=set)
    declared: set[tuple[Node, Node]] = field(default_factory=set)

    def note(self, s: Node, p: Node, o: Node, g: Node) -> None:
        """Take one quad into account."""
        self.graphs.add(g)
        if p == RDF.type and o == CKG.Claim:
            self.declared.add((s, g))

    @classmethod
    def of(cls, data: Graph) -> ClaimGraphs:
        """From a dataset (a plain ``Graph`` has no graph names: nothing to check)."""
        claims = cls()
        if not isinstance(data, ConjunctiveGraph):
            return claims
        graphs = data.graphs() if isinstance(data, Dataset) else data.contexts()
        claims.graphs = {g.identifier for g in graphs if len(g)}
        for _, provenance in CLAIM_GRAPHS:
            typed = Graph(data.store, identifier=provenance).subjects(RDF.type, CKG.Claim)
            claims.declared |= {(s, provenance) for s in typed}
        return claims


def claim_graph_violations(
    claims: ClaimGraphs, focus: list[URIRef] | None, sources: Mapping[str, str]
) -> list[Violation]:
    """The claim graphs of the data that their provenance graph does not declare claims."""
    found: list[Violation] = []
    for name in claims.graphs:
        provenance = _provenance_graph(name)
        if provenance is None or (focus is not None and name not in focus):
            continue
        if (name, provenance) in claims.declared:
            continue
        found.append(
            Violation(
                focus_node=str(name),
                path=None,
                message=CLAIM_GRAPH_MESSAGE.format(graph=name, provenance=provenance),
                severity="Violation",
                source_file=sources.get(str(name)),
            )
        )
    return found


def _provenance_graph(name: Node) -> URIRef | None:
    """The provenance graph of a claim graph; ``None`` when ``name`` names no claim graph."""
    if isinstance(name, URIRef):
        for prefix, provenance in CLAIM_GRAPHS:
            if name.startswith(prefix):
                return provenance
    return None
