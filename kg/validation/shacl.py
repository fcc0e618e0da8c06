"""Running the SHACL validation: the shapes, the graph pySHACL sees, focus nodes, pySHACL itself.

What pySHACL sees
    One rdflib graph built afresh for each call: the union of every graph of the data (claim
    graphs, provenance, reference, ...) plus the triples of the ontology, so the caller's data
    is never changed. The ontology lets ``sh:class`` and ``sh:targetClass`` follow its
    ``rdfs:subClassOf`` axioms and see the individuals it types (the cluster roles, the
    indicators, ...). Its triples are added here rather than through pySHACL's ``ont_graph``:
    pySHACL 0.40 "inoculates" the data by deep-copying every ``owl:NamedIndividual`` along all
    its links, which took 75-250 s on this ontology, against well under a second for the whole
    validation this way. No inference runs (``inference="none"``): with RDFS inference the
    range of ``ckg:clusterRole`` would make any value of it a ``ckg:ClusterRole``, and the
    domain of ``ckg:cluster`` any subject of it a membership, so the shapes that check exactly
    that could never fail; it would also double the triples to check.

Speed
    pySHACL runs a SPARQL constraint once per focus node and rdflib parses the query text each
    time (about 30 ms); the union graph keeps each parsed query for the call, which cut the
    validation of 2,500 quads from 8.6 s to about 1.1 s.

Focus nodes
    ``focus_nodes`` restricts validation to the given IRIs (for validating what a write
    touches): each shape then targets only the focus nodes its own targets select, against
    the whole data. This rewrites the targets of a copy of the shapes rather than use
    pySHACL's ``focus_nodes`` option, which in pySHACL 0.40 also skips the nested shapes of
    ``sh:or``, ``sh:not``, ``sh:qualifiedValueShape`` and ``sh:node`` and so misses
    violations. The claim-graph check (:mod:`kg.validation.claims`) looks only at the graphs
    among the focus nodes. An empty sequence validates nothing.

Loading the shapes and the ontology parses files; a caller that validates often (the API)
loads them once with :func:`load_shapes` and :func:`load_ontology` and passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import ConjunctiveGraph, Dataset, Graph, IdentifiedNode, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor, Result
from rdflib.term import Identifier, Node

from kg.validation.claims import ClaimGraphs, claim_graph_violations
from kg.validation.report import ValidationReport, empty_report
from ontology import ONTOLOGY_FILE, shape_files

_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_CLASSES = (RDFS.Class, OWL.Class)  # a node shape that is a class targets its instances


def load_shapes(paths: Sequence[Path] | None = None) -> Graph:
    """Parse SHACL shape files (by default all of ``ontology/shapes``) into one graph."""
    graph = Graph()
    for path in shape_files() if paths is None else paths:
        graph.parse(path, format="turtle")
    return graph


def load_ontology() -> Graph:
    """Parse the clusterkg ontology (``ontology/clusterkg.ttl``)."""
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def validate(
    data: Dataset | Graph,
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    focus_nodes: Sequence[IdentifiedNode] | None = None,
    node_sources: Mapping[str, str] | None = None,
) -> ValidationReport:
    """Validate data (a ``Dataset`` or a ``Graph``) against the SHACL shapes.

    :param data: the data; of a dataset, the union of all its graphs is validated.
    :param shapes: the shapes graph (default: :func:`load_shapes`).
    :param ontology: the ontology mixed into the data (default: :func:`load_ontology`).
    :param focus_nodes: validate only these IRIs (default: every target of the shapes).
    :param node_sources: the file each focus node came from, named in the results.
    :raises ValueError: when a focus node is a blank node (pySHACL selects IRIs only).
    :raises RuntimeError: when pySHACL cannot apply the shapes (a defect of the shapes).
    """
    if isinstance(data, ConjunctiveGraph):  # a Dataset is one
        triples: Iterable[tuple[Node, Node, Node]] = (
            (s, p, o) for s, p, o, _ in data.quads((None, None, None, None))
        )
    else:
        triples = iter(data)
    return _validate(triples, ClaimGraphs.of(data), shapes, ontology, focus_nodes, node_sources or {})


def validate_quads(
    quads: Iterable[tuple[Node, Node, Node, URIRef | None]],
    *,
    shapes: Graph | None = None,
    ontology: Graph | None = None,
    focus_nodes: Sequence[IdentifiedNode] | None = None,
) -> ValidationReport:
    """Validate quads of rdflib terms (graph ``None``: the default graph) as :func:`validate`
    validates a ``Dataset`` of them, without building the dataset first (a large write
    validates batches of tens of thousands of quads; building each twice cost a third of
    the time).

    >>> from rdflib import Literal
    >>> ex = URIRef("https://w3id.org/clusterkg/id/claim/x")
    >>> report = validate_quads([(URIRef("http://e/s"), RDFS.label, Literal("s"), ex)], focus_nodes=[ex])
    >>> [v.focus_node for v in report.violations]
    ['https://w3id.org/clusterkg/id/claim/x']
    """
    claims = ClaimGraphs()

    def triples() -> Iterator[tuple[Node, Node, Node]]:
        for s, p, o, g in quads:
            if g is not None:
                claims.note(s, p, o, g)
            yield s, p, o

    return _validate(triples(), claims, shapes, ontology, focus_nodes, {})


def _validate(
    triples: Iterable[tuple[Node, Node, Node]],
    claims: ClaimGraphs,
    shapes: Graph | None,
    ontology: Graph | None,
    focus_nodes: Sequence[IdentifiedNode] | None,
    sources: Mapping[str, str],
) -> ValidationReport:
    focus: list[URIRef] | None = None
    if focus_nodes is not None:
        focus = []
        for node in focus_nodes:
            if not isinstance(node, URIRef):
                raise ValueError(f"focus nodes must be IRIs, not {node!r}")
            focus.append(node)

    union = _union(triples, ontology if ontology is not None else load_ontology())
    if focus == []:
        report_graph = empty_report()
    else:
        shapes_graph = shapes if shapes is not None else load_shapes()
        if focus is not None:
            shapes_graph = _restrict_targets(shapes_graph, union, focus)
        report_graph = _run_pyshacl(union, shapes_graph)
    extra = claim_graph_violations(claims, focus, sources)
    return ValidationReport.of(report_graph, extra=extra, sources=sources)


class _PreparedQueryGraph(Graph):
    """A graph that parses each distinct SPARQL text once, however often it is queried.

    pySHACL runs a SPARQL constraint once per focus node, with the same text and ``$this``
    bound; rdflib parses the text each time (about 30 ms), which made 80-90 % of the time of
    a validation. The cache lives as long as the graph: one validation.
    """

    def __init__(self) -> None:
        super().__init__()
        self._prepared: dict[str, Query] = {}

    def query(
        self,
        query_object: str | Query,
        processor: str | Processor = "sparql",
        result: str | type[Result] = "sparql",
        initNs: Mapping[str, Any] | None = None,  # rdflib's argument names
        initBindings: Mapping[str, Identifier] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        if isinstance(query_object, str) and processor == "sparql" and initNs is None:
            prepared = self._prepared.get(query_object)
            if prepared is None:
                prepared = prepareQuery(query_object, initNs=dict(self.namespaces()))
                self._prepared[query_object] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs
        )


def _union(triples: Iterable[tuple[Node, Node, Node]], ontology: Graph) -> Graph:
    """A new graph with some triples (the data's, of every graph) and those of the ontology."""
    union = _PreparedQueryGraph()
    union.addN((s, p, o, union) for s, p, o in triples)
    union.addN((s, p, o, union) for s, p, o in ontology)
    return union


def _restrict_targets(shapes: Graph, data: Graph, focus: Sequence[URIRef]) -> Graph:
    """A copy of ``shapes`` in which each shape targets exactly the focus nodes it targets in ``data``.

    pySHACL's own ``focus_nodes`` option is not used: in pySHACL 0.40 it also filters the value
    nodes that nested shapes (``sh:or``, ``sh:not``, ``sh:qualifiedValueShape``, ``sh:node``)
    are evaluated on, so those are skipped as conforming and violations are missed.
    """
    node_shapes = set(shapes.subjects(RDF.type, SH.NodeShape))
    implicit = {s for c in _CLASSES for s in shapes.subjects(RDF.type, c)} & node_shapes
    declared = {s for p in _TARGETS for s in shapes.subjects(p, None)} | implicit
    restricted = Graph()
    restricted.addN(
        (s, p, o, restricted)
        for s, p, o in shapes
        if p not in _TARGETS and not (s in implicit and p == RDF.type and o in _CLASSES)
    )
    for node in focus:
        classes: set[Node] = {
            c
            for t in data.objects(node, RDF.type)
            for c in data.transitive_objects(t, RDFS.subClassOf)
            if c is not None
        }
        for shape in declared:
            if _targets(shapes, data, shape, node, classes):
                restricted.add((shape, SH.targetNode, node))
    return restricted


def _targets(shapes: Graph, data: Graph, shape: Node, node: URIRef, classes: set[Node]) -> bool:
    """Whether the target declarations of ``shape`` select ``node`` (an instance of ``classes``)."""
    if (shape, SH.targetNode, node) in shapes or shape in classes:
        return True
    if any(c in classes for c in shapes.objects(shape, SH.targetClass)):
        return True
    if any((node, p, None) in data for p in shapes.objects(shape, SH.targetSubjectsOf)):
        return True
    return any((None, p, node) in data for p in shapes.objects(shape, SH.targetObjectsOf))


def _run_pyshacl(data: Graph, shapes: Graph) -> Graph:
    """Run pySHACL on ``data`` without inference (pySHACL may change ``data``: pass a copy)."""
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        inplace=True,
        allow_warnings=True,
        allow_infos=True,
    )
    if not isinstance(report, Graph):
        raise RuntimeError(f"pySHACL could not apply the shapes: {report}")
    return report
