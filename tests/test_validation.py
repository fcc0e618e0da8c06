"""The validation API: the union of a dataset's graphs, the report and its outputs, focus nodes."""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from kg import validation
from kg.errors import ValidationFailed
from kg.namespaces import CKG, PROVENANCE_GRAPH
from kg.sources import founding_case_files
from kg.validation.report import path_text

PREFIXES = """
@prefix ckg:   <https://w3id.org/clusterkg/ontology#> .
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
@prefix org:   <http://www.w3.org/ns/org#> .
@prefix prov:  <http://www.w3.org/ns/prov#> .
@prefix oa:    <http://www.w3.org/ns/oa#> .
@prefix syn:   <https://w3id.org/clusterkg/synthetic/id/> .
@prefix syng:  <https://w3id.org/clusterkg/synthetic/graph/> .
"""

# One violation (a membership without a role, in graph A) and one warning (its member named
# only in Russian, in graph B): the union is needed to see that the member is an agent.
MEMBERSHIP = (
    PREFIXES
    + """
syng:a {
    syn:membership-without-role a ckg:ClusterMembership ; ckg:synthetic true ;
        org:member syn:enterprise-a ; ckg:cluster syn:cluster-a .
    syn:cluster-a a ckg:Cluster ; ckg:synthetic true ;
        rdfs:label "синтетический кластер"@ru , "synthetic cluster"@en .
}
syng:b {
    syn:enterprise-a a ckg:Enterprise ; ckg:synthetic true ; rdfs:label "синтетическое предприятие"@ru .
}
"""
)

SYN = "https://w3id.org/clusterkg/synthetic/id/"
MEMBERSHIP_NODE = SYN + "membership-without-role"
MEMBER_NODE = SYN + "enterprise-a"
ROLE_MESSAGE = "a cluster membership has a role (ckg:clusterRole), a ckg:ClusterRole such as ckg:anchorRole"
EN_LABEL_MESSAGE = "has no English name: add an rdfs:label (or skos:prefLabel) with @en"
NAME_PATH = "(<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>)"


def trig(text: str) -> Dataset:
    return Dataset().parse(data=text, format="trig")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return validation.load_shapes()


@pytest.fixture(scope="module")
def ontology_graph() -> Graph:
    return validation.load_ontology()


@pytest.fixture(scope="module")
def report(shapes: Graph, ontology_graph: Graph) -> validation.ValidationReport:
    return validation.validate(
        trig(MEMBERSHIP),
        shapes=shapes,
        ontology=ontology_graph,
        node_sources={MEMBERSHIP_NODE: "memberships.trig", MEMBER_NODE: "organisations.trig"},
    )


def test_the_union_of_the_graphs_is_validated(report: validation.ValidationReport) -> None:
    assert [(v.focus_node, v.path, v.message, v.severity) for v in report.violations] == [
        (MEMBER_NODE, NAME_PATH, EN_LABEL_MESSAGE, "Warning"),
        (MEMBERSHIP_NODE, str(CKG.clusterRole), ROLE_MESSAGE, "Violation"),
    ]
    assert not report.conforms
    assert report.count("Violation") == 1
    assert report.count("Warning") == 1


def test_results_name_their_shape_constraint_and_file(report: validation.ValidationReport) -> None:
    warning, violation = report.violations
    assert violation.source_shape == validation.SHAPES_NAMESPACE + "ClusterMembershipShape-role"
    assert violation.constraint == str(SH.MinCountConstraintComponent)
    assert violation.source_file == "memberships.trig"
    assert warning.source_file == "organisations.trig"


def test_to_text(report: validation.ValidationReport) -> None:
    lines = report.to_text().splitlines()
    assert lines[0] == "Conforms: no (1 violation(s), 1 warning(s), 0 info(s))"
    assert lines[2] == (
        f"[Violation] memberships.trig: focus node <{MEMBERSHIP_NODE}> "
        f"path {CKG.clusterRole} - {ROLE_MESSAGE}"
    )
    assert lines[1].startswith("[Warning] organisations.trig: focus node")
    assert len(lines) == 3


def test_to_json(report: validation.ValidationReport) -> None:
    results = json.loads(report.to_json())
    assert results[1] == {
        "focus_node": MEMBERSHIP_NODE,
        "path": str(CKG.clusterRole),
        "message": ROLE_MESSAGE,
        "severity": "Violation",
        "value": None,
        "source_shape": validation.SHAPES_NAMESPACE + "ClusterMembershipShape-role",
        "source_file": "memberships.trig",
    }
    assert results[0]["severity"] == "Warning"
    assert results[0]["source_file"] == "organisations.trig"


def test_to_turtle(report: validation.ValidationReport) -> None:
    graph = Graph().parse(data=report.to_turtle(), format="turtle")
    (report_node,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report_node, SH.conforms) == Literal(False)
    focus_nodes = {graph.value(r, SH.focusNode) for r in graph.objects(report_node, SH.result)}
    assert focus_nodes == {URIRef(MEMBERSHIP_NODE), URIRef(MEMBER_NODE)}


def test_raise_if_invalid(report: validation.ValidationReport) -> None:
    with pytest.raises(ValidationFailed) as raised:
        report.raise_if_invalid()
    assert raised.value.violations == report.violations
    assert "sh:ValidationReport" in raised.value.report_turtle
    assert ROLE_MESSAGE in str(raised.value)


def test_warnings_do_not_fail(shapes: Graph, ontology_graph: Graph) -> None:
    data = trig(PREFIXES + 'syng:a { syn:c a ckg:Enterprise ; ckg:synthetic true ; rdfs:label "к"@ru . }')
    report = validation.validate(data, shapes=shapes, ontology=ontology_graph)
    assert report.conforms
    assert [v.severity for v in report.violations] == ["Warning"]
    report.raise_if_invalid()


def test_a_graph_validates_like_the_union_of_a_dataset(
    report: validation.ValidationReport, shapes: Graph, ontology_graph: Graph
) -> None:
    graph = Graph()
    for s, p, o, _ in trig(MEMBERSHIP).quads((None, None, None, None)):
        graph.add((s, p, o))
    from_graph = validation.validate(graph, shapes=shapes, ontology=ontology_graph)
    assert [v.message for v in from_graph.violations] == [v.message for v in report.violations]


def test_the_data_is_not_changed(shapes: Graph, ontology_graph: Graph) -> None:
    data = trig(MEMBERSHIP)
    before = len(data)
    validation.validate(data, shapes=shapes, ontology=ontology_graph)
    assert len(data) == before
    assert len(ontology_graph) == len(validation.load_ontology())


def test_focus_nodes_restrict_the_results(shapes: Graph, ontology_graph: Graph) -> None:
    data = trig(MEMBERSHIP)
    only_member = validation.validate(
        data, shapes=shapes, ontology=ontology_graph, focus_nodes=[URIRef(MEMBER_NODE)]
    )
    assert [v.focus_node for v in only_member.violations] == [MEMBER_NODE]
    assert only_member.conforms

    nothing = validation.validate(data, shapes=shapes, ontology=ontology_graph, focus_nodes=[])
    assert nothing.violations == []
    assert nothing.conforms


def test_focus_nodes_must_be_iris(shapes: Graph, ontology_graph: Graph) -> None:
    with pytest.raises(ValueError, match="focus nodes must be IRIs"):
        validation.validate(trig(MEMBERSHIP), shapes=shapes, ontology=ontology_graph, focus_nodes=[BNode()])


CLAIM = URIRef("https://w3id.org/clusterkg/id/claim/synthetic-test-claim")
CLAIM_DATA = (
    PREFIXES
    + f"""
<{CLAIM}> {{
    syn:sector-a a ckg:Sector ; ckg:synthetic true ;
        rdfs:label "синтетический сектор"@ru , "synthetic sector"@en .
}}
"""
)
PROVENANCE = f"""
<{PROVENANCE_GRAPH}> {{
    <{CLAIM}> a ckg:Claim ; prov:wasDerivedFrom syn:quote-a .
    syn:quote-a a ckg:Quote ; ckg:synthetic true ;
        prov:wasQuotedFrom syn:source-a ; oa:hasSource syn:source-a ;
        oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "синтетический сектор"@ru ] .
}}
"""


def test_a_claim_graph_needs_a_claim_in_the_provenance_graph(shapes: Graph, ontology_graph: Graph) -> None:
    undeclared = validation.validate(
        trig(CLAIM_DATA),
        shapes=shapes,
        ontology=ontology_graph,
        node_sources={str(CLAIM): "claims.trig"},
    )
    assert [(v.focus_node, v.path, v.message, v.source_file) for v in undeclared.violations] == [
        (
            str(CLAIM),
            None,
            f"claim graph <{CLAIM}> has no provenance: declare it a ckg:Claim with "
            f"prov:wasDerivedFrom a ckg:Quote in the provenance graph <{PROVENANCE_GRAPH}>",
            "claims.trig",
        )
    ]
    assert not undeclared.conforms
    report_graph = Graph().parse(data=undeclared.to_turtle(), format="turtle")
    assert (None, SH.focusNode, CLAIM) in report_graph

    declared = validation.validate(trig(CLAIM_DATA + PROVENANCE), shapes=shapes, ontology=ontology_graph)
    assert declared.violations == []


def test_the_claim_graph_check_follows_focus_nodes(shapes: Graph, ontology_graph: Graph) -> None:
    data = trig(CLAIM_DATA)
    elsewhere = validation.validate(
        data, shapes=shapes, ontology=ontology_graph, focus_nodes=[URIRef(SYN + "sector-a")]
    )
    assert elsewhere.violations == []
    on_it = validation.validate(data, shapes=shapes, ontology=ontology_graph, focus_nodes=[CLAIM])
    assert [v.focus_node for v in on_it.violations] == [str(CLAIM)]


def test_a_plain_graph_has_no_claim_graphs(shapes: Graph, ontology_graph: Graph) -> None:
    graph = Graph()
    for s, p, o, _ in trig(CLAIM_DATA).quads((None, None, None, None)):
        graph.add((s, p, o))
    assert validation.validate(graph, shapes=shapes, ontology=ontology_graph).violations == []


def test_load_shapes_reads_the_given_files(shapes: Graph) -> None:
    from ontology import SHAPES_DIR

    only_clusters = validation.load_shapes([SHAPES_DIR / "clusters-shapes.ttl"])
    assert (URIRef(validation.SHAPES_NAMESPACE + "ClusterShape"), RDF.type, SH.NodeShape) in only_clusters
    assert len(only_clusters) < len(shapes)


def test_complex_paths_are_written_in_sparql_syntax() -> None:
    graph = Graph()
    a, b = URIRef("https://example.org/a"), URIRef("https://example.org/b")
    inverse, more, sequence, alternatives = BNode(), BNode(), BNode(), BNode()
    graph.add((inverse, SH.inversePath, b))
    graph.add((more, SH.zeroOrMorePath, a))
    Collection(graph, sequence, [a, inverse])
    choices = BNode()
    Collection(graph, choices, [more, b])
    graph.add((alternatives, SH.alternativePath, choices))

    assert path_text(graph, a) == "https://example.org/a"
    assert path_text(graph, sequence) == "<https://example.org/a>/^<https://example.org/b>"
    assert path_text(graph, alternatives) == "((<https://example.org/a>)*|<https://example.org/b>)"


def test_the_founding_case_conforms(shapes: Graph, ontology_graph: Graph) -> None:
    dataset = Dataset()
    for path in founding_case_files():
        dataset.parse(path, format="trig")
    report = validation.validate(dataset, shapes=shapes, ontology=ontology_graph)
    assert [v.describe() for v in report.violations if v.severity == "Violation"] == []
