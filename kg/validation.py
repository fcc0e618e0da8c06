"""SHACL validation of clusterkg data: pySHACL over the union of the data's graphs, as a report.

>>> report = validate(Graph())
>>> report.conforms, report.violations
(True, [])

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

Claim graphs
    SHACL sees one graph without graph names, so the rule "every claim graph has provenance"
    is checked here in Python: every non-empty named graph whose IRI starts with
    ``https://w3id.org/clusterkg/id/claim/`` must be typed ``ckg:Claim`` in the provenance
    graph ``https://w3id.org/clusterkg/graph/provenance`` (and likewise for synthetic claim
    graphs, see ``CLAIM_GRAPHS``). The shapes then require that claim to be derived from a
    quote with its source and exact text. A failure is reported like a
    SHACL result: focus node the graph IRI, no path, severity Violation; it is also added to
    the report graph as a ``sh:ValidationResult`` (without ``sh:sourceShape``, as no shape
    produced it). A plain ``Graph`` has no graph names, so the check does not apply to it.

Severity
    A report conforms when no result has severity ``sh:Violation``; warnings and infos are
    reported and do not fail.

Focus nodes
    ``focus_nodes`` restricts validation to the given IRIs (for validating what a write
    touches): each shape then targets only the focus nodes its own targets select, against
    the whole data. This rewrites the targets of a copy of the shapes rather than use
    pySHACL's ``focus_nodes`` option, which in pySHACL 0.40 also skips the nested shapes of
    ``sh:or``, ``sh:not``, ``sh:qualifiedValueShape`` and ``sh:node`` and so misses
    violations. The claim-graph check looks only at the graphs among the focus nodes. An
    empty sequence validates nothing.

Loading the shapes and the ontology parses files; a caller that validates often (the API)
loads them once with :func:`load_shapes` and :func:`load_ontology` and passes them in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyshacl
from rdflib import BNode, ConjunctiveGraph, Dataset, Graph, IdentifiedNode, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD, NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Processor, Result
from rdflib.term import Identifier, Node

from kg.errors import ValidationFailed, Violation
from kg.namespaces import CKG, ID, PROVENANCE_GRAPH, SYNTH
from ontology import ONTOLOGY_FILE, shape_files

SHAPES_NAMESPACE = "https://w3id.org/clusterkg/shapes#"

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

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_RESULT_KEY = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.resultMessage, SH.resultSeverity)
_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
_CLASSES = (RDFS.Class, OWL.Class)  # a node shape that is a class targets its instances


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`: the results, sorted, and pySHACL's report graph."""

    conforms: bool
    violations: list[Violation]
    report_graph: Graph = field(repr=False, compare=False)

    def count(self, severity: str) -> int:
        """How many results have this severity (``"Violation"``, ``"Warning"``, ``"Info"``)."""
        return sum(1 for v in self.violations if v.severity == severity)

    def to_text(self) -> str:
        """A human-readable report: a summary line, then one line per result."""
        summary = (
            f"Conforms: {'yes' if self.conforms else 'no'} "
            f"({self.count('Violation')} violation(s), {self.count('Warning')} warning(s), "
            f"{self.count('Info')} info(s))"
        )
        return "\n".join([summary, *(v.describe() for v in self.violations)])

    def to_json(self) -> str:
        """The results as a JSON list of objects, in the report's order."""
        return json.dumps(
            [v.as_dict() for v in self.violations],
            indent=2,
            ensure_ascii=False,
        )

    def to_turtle(self) -> str:
        """The SHACL report graph in Turtle."""
        return self.report_graph.serialize(format="turtle")

    @classmethod
    def merged(cls, reports: Sequence[ValidationReport]) -> ValidationReport:
        """One report of several (a large write's batches): their results in order, each once
        (a node near two batches is checked in both), under one ``sh:ValidationReport``."""
        conforms = all(r.conforms for r in reports)
        graph = Graph()
        node = BNode()
        graph.add((node, RDF.type, SH.ValidationReport))
        graph.add((node, SH.conforms, Literal(conforms)))
        seen: set[tuple[Node | None, ...]] = set()
        for report in reports:
            source = report.report_graph
            for result in source.objects(None, SH.result):
                key = tuple(source.value(result, p) for p in _RESULT_KEY)
                if key in seen:
                    continue
                seen.add(key)
                graph.add((node, SH.result, result))
                _copy_description(source, result, graph)
        violations = list(dict.fromkeys(v for r in reports for v in r.violations))
        return cls(conforms, violations, graph)

    def raise_if_invalid(self) -> None:
        """Raise when the data does not conform.

        :raises ValidationFailed: with every result (warnings too) and the report in Turtle.
        """
        if not self.conforms:
            raise ValidationFailed(violations=list(self.violations), report_turtle=self.to_turtle())


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
    return _validate(triples, _ClaimGraphs.of(data), shapes, ontology, focus_nodes, node_sources or {})


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

    >>> ex = URIRef("https://w3id.org/clusterkg/id/claim/x")
    >>> report = validate_quads([(URIRef("http://e/s"), RDFS.label, Literal("s"), ex)], focus_nodes=[ex])
    >>> [v.focus_node for v in report.violations]
    ['https://w3id.org/clusterkg/id/claim/x']
    """
    claims = _ClaimGraphs()

    def triples() -> Iterator[tuple[Node, Node, Node]]:
        for s, p, o, g in quads:
            if g is not None:
                claims.note(s, p, o, g)
            yield s, p, o

    return _validate(triples(), claims, shapes, ontology, focus_nodes, {})


def _validate(
    triples: Iterable[tuple[Node, Node, Node]],
    claims: _ClaimGraphs,
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
        report_graph = _empty_report()
    else:
        shapes_graph = shapes if shapes is not None else load_shapes()
        if focus is not None:
            shapes_graph = _restrict_targets(shapes_graph, union, focus)
        report_graph = _run_pyshacl(union, shapes_graph)
    violations = _violations(report_graph, sources)

    claim_violations = _claim_graph_violations(claims, focus, sources)
    _add_to_report(report_graph, claim_violations)
    violations += claim_violations

    violations.sort(key=_sort_key)
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationReport(conforms=conforms, violations=violations, report_graph=report_graph)


@dataclass
class _ClaimGraphs:
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
    def of(cls, data: Graph) -> _ClaimGraphs:
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
    _bind_prefixes(report.namespace_manager)
    return report


def _empty_report() -> Graph:
    report = Graph()
    _bind_prefixes(report.namespace_manager)
    node = BNode()
    report.add((node, RDF.type, SH.ValidationReport))
    report.add((node, SH.conforms, Literal(True)))
    return report


def _bind_prefixes(manager: NamespaceManager) -> None:
    manager.bind("sh", SH)
    manager.bind("ckg", CKG)
    manager.bind("ckgsh", SHAPES_NAMESPACE)


def _violations(report: Graph, sources: Mapping[str, str]) -> list[Violation]:
    """The top-level results of a SHACL report graph (not the nested ``sh:detail`` ones)."""
    found: list[Violation] = []
    for report_node in report.subjects(RDF.type, SH.ValidationReport):
        for result in report.objects(report_node, SH.result):
            focus = _term(report.value(result, SH.focusNode))
            path = report.value(result, SH.resultPath)
            severity = report.value(result, SH.resultSeverity)
            value = report.value(result, SH.value)
            shape = report.value(result, SH.sourceShape)
            constraint = report.value(result, SH.sourceConstraint) or report.value(
                result, SH.sourceConstraintComponent
            )
            found.append(
                Violation(
                    focus_node=focus,
                    path=_path(report, path) if path is not None else None,
                    message=_message(report.objects(result, SH.resultMessage)),
                    severity=_severity(severity),
                    value=_term(value) if value is not None else None,
                    source_shape=_term(shape) if isinstance(shape, URIRef) else None,
                    constraint=_term(constraint) if isinstance(constraint, URIRef) else None,
                    source_file=sources.get(focus),
                )
            )
    return found


def _severity(severity: Node | None) -> str:
    """The local name of a SHACL severity (``Violation`` when none is given)."""
    if severity is None:
        return "Violation"
    return _SEVERITIES.get(severity, _term(severity)) if isinstance(severity, URIRef) else _term(severity)


def _message(messages: Iterable[Node]) -> str:
    """The English (or untagged) messages of a result, in a stable order."""
    literals = [m for m in messages if isinstance(m, Literal)]
    english = [m for m in literals if m.language in (None, "en") or str(m.language).startswith("en-")]
    return "; ".join(sorted({str(m) for m in (english or literals)}))


def _term(node: Node | None) -> str:
    """An RDF term as text: an IRI as is, a blank node as ``_:id``, a literal in N3."""
    if node is None:
        return ""
    if isinstance(node, Literal):
        manager = NamespaceManager(Graph(), bind_namespaces="none")
        manager.bind("xsd", XSD)
        manager.bind("rdf", RDF)
        return node.n3(manager)
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def _path(graph: Graph, path: Node) -> str:
    """A SHACL property path as text: an IRI as is; any other path in SPARQL syntax."""
    if isinstance(path, URIRef):
        return str(path)
    return _sparql_path(graph, path)


def _sparql_path(graph: Graph, path: Node) -> str:
    if isinstance(path, URIRef):
        return f"<{path}>"
    if not isinstance(path, BNode):
        return str(path)
    if (path, RDF.first, None) in graph:
        return "/".join(_sparql_path(graph, p) for p in Collection(graph, path))
    unary = {
        SH.inversePath: "^{}",
        SH.zeroOrMorePath: "({})*",
        SH.oneOrMorePath: "({})+",
        SH.zeroOrOnePath: "({})?",
    }
    for predicate, template in unary.items():
        inner = graph.value(path, predicate)
        if inner is not None:
            return template.format(_sparql_path(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_sparql_path(graph, p) for p in Collection(graph, alternatives)) + ")"
    return f"_:{path}"


def _claim_graph_violations(
    claims: _ClaimGraphs, focus: list[URIRef] | None, sources: Mapping[str, str]
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


def _add_to_report(report: Graph, violations: Sequence[Violation]) -> None:
    """Record results found outside pySHACL in its report graph."""
    if not violations:
        return
    for report_node in list(report.subjects(RDF.type, SH.ValidationReport)):
        report.set((report_node, SH.conforms, Literal(False)))
        for violation in violations:
            result = BNode()
            report.add((report_node, SH.result, result))
            report.add((result, RDF.type, SH.ValidationResult))
            report.add((result, SH.focusNode, URIRef(violation.focus_node)))
            report.add((result, SH.resultSeverity, SH.Violation))
            report.add((result, SH.resultMessage, Literal(violation.message, lang="en")))


def _sort_key(v: Violation) -> tuple[str, str, str, str, str]:
    return (v.focus_node, v.path or "", v.message, v.severity, v.value or "")


def _copy_description(source: Graph, node: Node, target: Graph) -> None:
    """Copy a node's triples, and those of the blank nodes it leads to (paths, details)."""
    todo, done = [node], set()
    while todo:
        subject = todo.pop()
        if subject in done:
            continue
        done.add(subject)
        for _, p, o in source.triples((subject, None, None)):
            target.add((subject, p, o))
            if isinstance(o, BNode):
                todo.append(o)
