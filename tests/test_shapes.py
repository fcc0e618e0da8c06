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


# --- Cases reported against the shapes -----------------------------------------------------------
# Each passed validation (or earned a false message) when tried. A case is a violating example that
# must give exactly the listed results, whose messages name the real problem, and its conforming
# counterpart, which must give no result at all.

CASE_PREFIXES = """
@prefix ckg:  <https://w3id.org/clusterkg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix time: <http://www.w3.org/2006/time#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix syn:  <https://w3id.org/clusterkg/synthetic/id/> .
"""
CASE_CLUSTER = """
    syn:cluster-a a ckg:Cluster ; ckg:synthetic true ;
        rdfs:label "синтетический кластер"@ru , "synthetic cluster"@en .
"""
CKG_NS = "https://w3id.org/clusterkg/ontology#"
SYN_NS = str(SYNTH) + "id/"
STAT = SYN_NS + "statistic"


def statistic(*lines: str) -> str:
    """A statistic of ``syn:cluster-a`` with its unit, value and so on given as Turtle lines."""
    return (
        "syn:statistic a ckg:Statistic ; ckg:synthetic true ;\n        " + " ;\n        ".join(lines) + " ."
    )


CASES: dict[str, tuple[str, list[tuple[str, str | None, str]], str]] = {
    "reference time as text, not a time:Instant": (
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:participantCount",
            "ckg:value 28",
            "ckg:unit unit:NUM",
            'ckg:referenceTime "May 2018"',
        ),
        [
            (
                STAT,
                CKG_NS + "referenceTime",
                "a statistic refers to at most one time (ckg:referenceTime), a time:Instant such as a node "
                'with time:inXSDgYearMonth "2018-05"^^xsd:gYearMonth, or ckg:referenceTimeNotStated '
                'where the source gives none; text such as "May 2018" is not a time',
            )
        ],
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:participantCount",
            "ckg:value 28",
            "ckg:unit unit:NUM",
            "ckg:referenceTime syn:time-2018-05",
        )
        + " syn:time-2018-05 a time:Instant ; ckg:synthetic true ;"
        + ' time:inXSDgYearMonth "2018-05"^^xsd:gYearMonth .',
    ),
    "28.5 participants": (
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:participantCount",
            "ckg:value 28.5",
            "ckg:unit unit:NUM",
        ),
        [
            (
                STAT,
                CKG_NS + "value",
                "ckg:participantCount counts, so its values are whole numbers of at least 0, not 28.5",
            )
        ],
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:participantCount",
            "ckg:value 28",
            "ckg:unit unit:NUM",
        ),
    ),
    "an import share in unit:NUM": (
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:importShare",
            "ckg:minInclusive 60 ; ckg:maxInclusive 80",
            "ckg:unit unit:NUM",
        ),
        [(STAT, CKG_NS + "unit", "ckg:importShare is a share, measured in unit:PERCENT, not in unit:NUM")],
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:importShare",
            "ckg:minInclusive 60 ; ckg:maxInclusive 80",
            "ckg:unit unit:PERCENT",
        ),
    ),
    "ckg:statisticAbout an IRI that is nothing in the graph": (
        statistic(
            "ckg:statisticAbout syn:cluster-nobody-described",
            "ckg:indicator ckg:participantCount",
            "ckg:value 28",
            "ckg:unit unit:NUM",
        ),
        [
            (
                STAT,
                CKG_NS + "statisticAbout",
                "the subject of a statistic (ckg:statisticAbout) is something the graph describes, a node "
                "with a type (a ckg:Cluster, ckg:CooperationProject, ckg:ProductSegment, ...); "
                f"<{SYN_NS}cluster-nobody-described> has no rdf:type: it is nothing in the graph",
            )
        ],
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:participantCount",
            "ckg:value 28",
            "ckg:unit unit:NUM",
        ),
    ),
    'a share of "60"^^xsd:string: a string, not a false "not 60"': (
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:importShare",
            'ckg:value "60"^^xsd:string',
            "ckg:unit unit:PERCENT",
        ),
        [
            (
                STAT,
                CKG_NS + "value",
                '"60" is a string where a number (xsd:decimal or xsd:integer) is expected',
            )
        ],
        statistic(
            "ckg:statisticAbout syn:cluster-a",
            "ckg:indicator ckg:importShare",
            "ckg:value 60",
            "ckg:unit unit:PERCENT",
        ),
    ),
    "a SKOS concept named only by skos:prefLabel": (
        "syn:concept a skos:Concept ; ckg:synthetic true ; skos:altLabel 'synthetic concept'@en ; "
        'skos:notation "1" .',
        [
            (
                SYN_NS + "concept",
                "(<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>)",
                "needs a name: an rdfs:label or skos:prefLabel in Russian (@ru) or English (@en)",
            ),
            (
                SYN_NS + "concept",
                "(<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>)",
                "has no English name: add an rdfs:label (or skos:prefLabel) with @en",
            ),
        ],
        "syn:concept a skos:Concept ; ckg:synthetic true ; "
        "skos:prefLabel 'синтетическое понятие'@ru , 'synthetic concept'@en ; skos:notation \"1\" .",
    ),
}


def validate_case(turtle: str, shapes: Graph, ontology_graph: Graph) -> validation.ValidationReport:
    data = Dataset()
    data.parse(data=f"{CASE_PREFIXES}\n<{SYNTH}graph/case> {{ {CASE_CLUSTER} {turtle} }}", format="trig")
    return validation.validate(data, shapes=shapes, ontology=ontology_graph)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_reported_case_is_refused_with_a_true_message(
    case: str, shapes: Graph, ontology_graph: Graph
) -> None:
    violating, expected, _ = CASES[case]
    report = validate_case(violating, shapes, ontology_graph)
    assert sorted((v.focus_node, v.path, v.message) for v in report.violations) == sorted(expected)
    assert not report.conforms


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_conforming_counterpart_of_a_reported_case_passes(
    case: str, shapes: Graph, ontology_graph: Graph
) -> None:
    _, _, conforming = CASES[case]
    report = validate_case(conforming, shapes, ontology_graph)
    assert [v.describe() for v in report.violations] == []


def test_no_check_on_numbers_speaks_of_a_value_that_is_no_number(
    shapes: Graph, ontology_graph: Graph
) -> None:
    """A value that is no number gets one result, from StatisticShape-number: never a percent
    range, a count or an empty range computed on its text."""
    turtle = statistic(
        "ckg:statisticAbout syn:cluster-a",
        "ckg:indicator ckg:importShare",
        'ckg:minInclusive "120"^^xsd:string ; ckg:maxInclusive "-5"@en',
        "ckg:unit unit:PERCENT",
    )
    report = validate_case(turtle, shapes, ontology_graph)
    assert {v.source_shape or "" for v in report.violations} == {SHAPES + "StatisticShape"}
    assert {v.constraint for v in report.violations} == {SHAPES + "StatisticShape-number"}
    assert len(report.violations) == 2


def test_every_indicator_of_the_ontology_has_its_unit_in_the_shapes(
    shapes: Graph, ontology_graph: Graph
) -> None:
    """StatisticShape-indicatorUnit lists the indicators by hand: a statistic of each indicator of
    the ontology, in a unit no indicator has (unit:M), must be refused by it."""
    indicators = sorted(str(i) for i in ontology_graph.subjects(RDF.type, URIRef(CKG_NS + "Indicator")))
    assert indicators
    turtle = " ".join(
        f"syn:statistic-{i} a ckg:Statistic ; ckg:synthetic true ; ckg:statisticAbout syn:cluster-a ; "
        f"ckg:indicator <{indicator}> ; ckg:value 1 ; ckg:unit unit:M ."
        for i, indicator in enumerate(indicators)
    )
    report = validate_case(turtle, shapes, ontology_graph)
    refused = {
        v.focus_node for v in report.violations if v.constraint == SHAPES + "StatisticShape-indicatorUnit"
    }
    assert refused == {f"{SYN_NS}statistic-{i}" for i in range(len(indicators))}
