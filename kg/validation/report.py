"""The outcome of a validation, built from pySHACL's report graph: a :class:`ValidationReport`.

Severity
    A report conforms when no result has severity ``sh:Violation``; warnings and infos are
    reported and do not fail.

Results
    Only the top-level results count (not the nested ``sh:detail`` ones). Each is read into a
    :class:`~kg.errors.Violation`: its focus node, its path (an IRI as is, any other SHACL path
    in SPARQL syntax, :func:`path_text`), its English (or untagged) messages, severity, value,
    shape and constraint, and the file its focus node came from. Results found outside pySHACL
    (the claim-graph check, :mod:`kg.validation.claims`) are added to the report graph as
    ``sh:ValidationResult`` nodes, so the Turtle report holds every result. Results are sorted.

>>> report = ValidationReport.of(empty_report())
>>> report.conforms, report.to_text()
(True, 'Conforms: yes (0 violation(s), 0 warning(s), 0 info(s))')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, XSD, NamespaceManager
from rdflib.term import Node

from kg.errors import ValidationFailed, Violation
from kg.namespaces import CKG

SHAPES_NAMESPACE = "https://w3id.org/clusterkg/shapes#"

_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_RESULT_KEY = (SH.focusNode, SH.resultPath, SH.value, SH.sourceShape, SH.resultMessage, SH.resultSeverity)


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`kg.validation.validate`: the results, sorted, and pySHACL's report graph."""

    conforms: bool
    violations: list[Violation]
    report_graph: Graph = field(repr=False, compare=False)

    @classmethod
    def of(
        cls, report_graph: Graph, *, extra: Sequence[Violation] = (), sources: Mapping[str, str] | None = None
    ) -> ValidationReport:
        """The report of pySHACL's report graph, with results found outside pySHACL (``extra``)
        added to that graph too.

        :param sources: the file each focus node came from, named in the results.
        """
        _bind_prefixes(report_graph.namespace_manager)
        violations = _violations(report_graph, sources or {})
        _add_to_report(report_graph, extra)
        violations += extra
        violations.sort(key=_sort_key)
        conforms = not any(v.severity == "Violation" for v in violations)
        return cls(conforms=conforms, violations=violations, report_graph=report_graph)

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


def empty_report() -> Graph:
    """A report graph of no results: what validating no focus node gives."""
    report = Graph()
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
                    path=path_text(report, path) if path is not None else None,
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


def path_text(graph: Graph, path: Node) -> str:
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
