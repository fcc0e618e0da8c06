"""The SHACL shapes, driven by examples: every shape has a conforming and a violating example.

``data/shapes/<Shape>-conforms.trig`` must give no result at all (not even a warning);
``data/shapes/<Shape>-violates.trig`` must give exactly the results listed next to it in
``<Shape>-violates.json`` (focus node, path, message, severity). The claim-graph check of
``kg.validation`` has examples of the same form, named ``claim-graph-provenance-*``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, SH

from kg import validation
from kg.errors import Violation
from kg.namespaces import SYNTH

EXAMPLES = Path(__file__).parent / "data" / "shapes"
CONFORMING = sorted(EXAMPLES.glob("*-conforms.trig"))
VIOLATING = sorted(EXAMPLES.glob("*-violates.trig"))
PYTHON_CHECKS = {"claim-graph-provenance"}
"""Examples of checks that kg.validation makes in Python, not with a shape."""

SHAPES = validation.SHAPES_NAMESPACE

# Constraint parameters of SHACL Core used in the shapes, by the component they belong to.
PARAMETERS = {
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.qualifiedMinCount: SH.QualifiedMinCountConstraintComponent,
    SH.qualifiedMaxCount: SH.QualifiedMaxCountConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
}

WARNING_SHAPES = {URIRef(SHAPES + "LabelledShape-labelEn")}
"""The constraints whose severity is sh:Warning (see the policy in clusterkg-shapes.ttl)."""


def load_example(path: Path) -> Dataset:
    """A TriG example as a dataset."""
    return Dataset().parse(path, format="trig")


def example_name(path: Path) -> str:
    return path.name.rsplit("-", 1)[0]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return validation.load_shapes()


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return validation.load_ontology()


@pytest.fixture(scope="module")
def violating_reports(shapes: Graph, ontology_graph: Graph) -> dict[str, validation.ValidationReport]:
    """The report of every violating example, validated once for the whole module."""
    return {
        path.name: validation.validate(load_example(path), shapes=shapes, ontology=ontology_graph)
        for path in VIOLATING
    }


@pytest.mark.parametrize("path", CONFORMING, ids=lambda p: p.stem)
def test_conforming_example_gives_no_result(path: Path, shapes: Graph, ontology_graph: Graph) -> None:
    report = validation.validate(load_example(path), shapes=shapes, ontology=ontology_graph)
    assert report.conforms
    # Stricter than "no violation": a conforming example shows clean data, warnings included.
    assert [v.describe() for v in report.violations] == []


@pytest.mark.parametrize("path", VIOLATING, ids=lambda p: p.stem)
def test_violating_example_gives_exactly_the_expected_results(
    path: Path, violating_reports: dict[str, validation.ValidationReport]
) -> None:
    expected = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    report = violating_reports[path.name]

    actual = sorted((v.focus_node, v.path, v.message, v.severity) for v in report.violations)
    wanted = sorted((e["focus_node"], e["path"], e["message"], e["severity"]) for e in expected)
    assert actual == wanted
    assert report.conforms == all(e["severity"] != "Violation" for e in expected)


@pytest.mark.parametrize("path", VIOLATING, ids=lambda p: p.stem)
def test_focus_nodes_give_the_results_of_those_nodes(
    path: Path,
    shapes: Graph,
    ontology_graph: Graph,
    violating_reports: dict[str, validation.ValidationReport],
) -> None:
    full = violating_reports[path.name].violations
    every_other = sorted({v.focus_node for v in full})[::2]
    focused = validation.validate(
        load_example(path),
        shapes=shapes,
        ontology=ontology_graph,
        focus_nodes=[URIRef(n) for n in every_other],
    )
    actual = [_result(v) for v in focused.violations]
    assert actual == [_result(v) for v in full if v.focus_node in every_other]


def _result(v: Violation) -> tuple[str, str | None, str, str, str | None]:
    """A result to compare across parses: a blank node value only as ``_:``."""
    value = "_:" if v.value is not None and v.value.startswith("_:") else v.value
    return (v.focus_node, v.path, v.message, v.severity, value)


def test_every_node_shape_has_a_conforming_and_a_violating_example(shapes: Graph) -> None:
    node_shapes = {
        str(s)[len(SHAPES) :] for s in shapes.subjects(RDF.type, SH.NodeShape) if str(s).startswith(SHAPES)
    }
    conforming = {example_name(p) for p in CONFORMING}
    violating = {example_name(p) for p in VIOLATING}
    expected_results = {example_name(p) for p in EXAMPLES.glob("*-violates.json")}

    assert node_shapes | PYTHON_CHECKS == conforming
    assert node_shapes | PYTHON_CHECKS == violating
    assert node_shapes | PYTHON_CHECKS == expected_results


def named_constraint_carriers(shapes: Graph) -> dict[URIRef, set[URIRef]]:
    """Every named shape with the constraint components its own parameters declare."""
    carriers: dict[URIRef, set[URIRef]] = {}
    for shape_type in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, shape_type):
            assert isinstance(shape, URIRef)
            carriers[shape] = {component for p, component in PARAMETERS.items() if (shape, p, None) in shapes}
    return carriers


def test_every_constraint_carries_an_english_message(shapes: Graph) -> None:
    missing = []
    for shape, components in named_constraint_carriers(shapes).items():
        messages = list(shapes.objects(shape, SH.message))
        has_sparql = (shape, SH.sparql, None) in shapes
        if components and not any(isinstance(m, Literal) and m.language == "en" for m in messages):
            missing.append(str(shape))
        if has_sparql and messages:
            missing.append(f"{shape} (a shape with SPARQL constraints must not carry a message)")
    for constraint in shapes.objects(None, SH.sparql):
        messages = list(shapes.objects(constraint, SH.message))
        if not any(isinstance(m, Literal) and m.language == "en" for m in messages):
            missing.append(str(constraint))
    assert missing == []


def test_every_property_shape_and_sparql_constraint_is_named(shapes: Graph) -> None:
    anonymous = [
        str(o) for p in (SH.property, SH.sparql) for o in shapes.objects(None, p) if not isinstance(o, URIRef)
    ]
    assert anonymous == []


def test_every_constraint_fails_in_some_violating_example(
    shapes: Graph, violating_reports: dict[str, validation.ValidationReport]
) -> None:
    seen: defaultdict[URIRef, set[URIRef]] = defaultdict(set)
    seen_sparql: set[URIRef] = set()
    for report in violating_reports.values():
        graph = report.report_graph
        for result in graph.subjects(RDF.type, SH.ValidationResult):
            shape = graph.value(result, SH.sourceShape)
            component = graph.value(result, SH.sourceConstraintComponent)
            constraint = graph.value(result, SH.sourceConstraint)
            if isinstance(shape, URIRef) and isinstance(component, URIRef):
                seen[shape].add(component)
            if isinstance(constraint, URIRef):
                seen_sparql.add(constraint)

    never_failed = [
        f"{shape} {component}"
        for shape, components in named_constraint_carriers(shapes).items()
        for component in components - seen[shape]
    ]
    never_failed += [
        str(c) for c in shapes.objects(None, SH.sparql) if isinstance(c, URIRef) and c not in seen_sparql
    ]
    assert never_failed == []


def test_severities_are_the_documented_ones(shapes: Graph) -> None:
    assert set(shapes.objects(None, SH.severity)) <= {SH.Violation, SH.Warning}
    assert set(shapes.subjects(SH.severity, SH.Warning)) == WARNING_SHAPES


@pytest.mark.parametrize("path", CONFORMING + VIOLATING, ids=lambda p: p.name)
def test_examples_are_synthetic(path: Path) -> None:
    dataset = load_example(path)
    outsiders = {URIRef("https://example.org/not-in-the-synthetic-namespace")}
    graph_names = {g.identifier for g in dataset.graphs() if len(g)}
    subjects = {s for s, _, _, _ in dataset.quads((None, None, None, None)) if isinstance(s, URIRef)}

    assert graph_names and all(str(g).startswith(str(SYNTH) + "graph/") for g in graph_names)
    assert all(str(s).startswith(str(SYNTH)) for s in subjects - outsiders)
