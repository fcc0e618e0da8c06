"""The OWL DL check (HermiT through owlready2): classification, refusals with explanations."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

import pytest
from rdflib import Dataset, Graph, URIRef

import ontology
from kg.errors import InconsistentOntology, ReasonerUnavailable
from kg.reasoning import dl, dl_explanation

DATA = Path(__file__).resolve().parent / "data" / "dl"
BIOMED = Path(__file__).resolve().parents[1] / "kg" / "data" / "biomed"

CKG = "https://w3id.org/clusterkg/ontology#"
SYN = "https://w3id.org/clusterkg/synthetic/id/"


def load_trig(*paths: Path) -> Dataset:
    """A dataset with the named graphs of the given TriG files."""
    dataset = Dataset()
    for path in paths:
        dataset.parse(data=path.read_text(encoding="utf-8"), format="trig")
    return dataset


@pytest.fixture(scope="module")
def onto() -> Graph:
    graph = Graph()
    graph.parse(data=ontology.ONTOLOGY_FILE.read_text(encoding="utf-8"), format="turtle")
    return graph


@pytest.fixture(scope="module")
def classified(onto: Graph) -> dl.DLResult:
    return dl.check(onto, load_trig(DATA / "classification.trig"))


@pytest.mark.reasoner
def test_ontology_alone_is_consistent(onto: Graph) -> None:
    result = dl.check(onto, Graph())
    assert result.consistent
    assert result.unsatisfiable_classes == frozenset()
    assert CKG + "ClusterParticipant" in result.class_hierarchy[CKG + "AnchorEnterprise"]
    # the ontology's own individuals get the superclasses of their asserted types
    role = result.inferred_types[CKG + "anchorFinisherRole"]
    assert {"http://www.w3.org/ns/org#Role", "http://www.w3.org/2004/02/skos/core#Concept"} <= role
    assert CKG + "ClusterRole" not in role  # asserted


@pytest.mark.reasoner
def test_anchor_finisher_is_classified(classified: dl.DLResult) -> None:
    anchor = classified.inferred_types[SYN + "organization/anchor"]
    assert {CKG + "AnchorEnterprise", CKG + "ClusterParticipant"} <= anchor
    assert CKG + "Enterprise" not in anchor  # asserted, so not listed as inferred
    assert "http://www.w3.org/2002/07/owl#Thing" not in anchor


@pytest.mark.reasoner
def test_other_individuals_are_classified(classified: dl.DLResult) -> None:
    types = classified.inferred_types
    supplier = {CKG + "RawMaterialSupplier", CKG + "Supplier", CKG + "ClusterParticipant"}
    assert supplier <= types[SYN + "organization/ore"]
    assert CKG + "AnchorEnterprise" not in types[SYN + "organization/ore"]
    technology = {CKG + "ThroughTechnology", CKG + "ThroughInnovation", CKG + "Technology"}
    assert technology <= types[SYN + "technology/laser-welding"]
    assert CKG + "ValueChain" in types[SYN + "platform/alpha-device"]


@pytest.mark.reasoner
def test_class_hierarchy(classified: dl.DLResult) -> None:
    supers = classified.class_hierarchy
    assert CKG + "ClusterParticipant" in supers[CKG + "AnchorEnterprise"]
    assert {CKG + "Supplier", CKG + "ClusterParticipant"} <= supers[CKG + "RawMaterialSupplier"]
    assert CKG + "ClusterParticipant" in supers[CKG + "Supplier"]
    assert CKG + "ValueChain" in supers[CKG + "TechnologyPlatform"]
    assert CKG + "ThroughInnovation" in supers[CKG + "ThroughTechnology"]
    assert CKG + "ThroughTechnology" in supers[CKG + "ThroughInnovation"]
    assert CKG + "Technology" in supers[CKG + "ThroughInnovation"]  # through the equivalence
    assert CKG + "AnchorEnterprise" not in supers[CKG + "AnchorEnterprise"]
    assert classified.seconds > 0


INCONSISTENT = [
    pytest.param(
        "inconsistent-disjoint-kinds.trig",
        SYN + "stage/misfiled",
        ["DisjointClasses(", f"<{CKG}Cluster>", f"<{CKG}ProductionStage>"],
        id="cluster-and-stage",
    ),
    pytest.param(
        "inconsistent-ip-right.trig",
        SYN + "ip-right/beta-device-1",
        ["DisjointClasses(", f"<{CKG}Patent>", f"<{CKG}KnowHow>"],
        id="patent-and-know-how",
    ),
    pytest.param(
        "inconsistent-stage-order.trig",
        SYN + "stage/beta-device-1",
        [f"FunctionalDataProperty(<{CKG}stageOrder>)"],
        id="two-stage-orders",
    ),
]


@pytest.mark.reasoner
@pytest.mark.parametrize(("name", "individual", "axiom_parts"), INCONSISTENT)
def test_inconsistent_data_is_refused_with_explanation(
    onto: Graph, name: str, individual: str, axiom_parts: list[str]
) -> None:
    with pytest.raises(InconsistentOntology) as caught:
        dl.check(onto, load_trig(DATA / name))
    explanation = caught.value.explanation
    text = "\n".join(explanation)
    assert "A minimal inconsistent set" in explanation[0]
    assert f"individuals: <{individual}>" in explanation
    axioms = [line for line in explanation if line.startswith("ontology axiom: ")]
    assert len(axioms) == 1
    assert all(part in axioms[0] for part in axiom_parts)
    assert all(f"<{individual}>" in line for line in explanation if line.startswith("data assertion: "))
    # the consistent context is left out
    assert SYN + "organization/beta-anchor" not in text
    assert SYN + "cluster/beta>" not in text
    assert "InconsistentOntologyException" in caught.value.reasoner_output
    assert individual in str(caught.value)


@pytest.mark.reasoner
def test_explanation_is_bounded_and_temp_files_are_removed(
    onto: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(InconsistentOntology) as caught:
        dl.check(onto, load_trig(DATA / "inconsistent-ip-right.trig"), explain_seconds=2.0)
    assert "time limit" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_missing_java_is_reported(onto: Graph) -> None:
    with pytest.raises(ReasonerUnavailable, match="default-jre-headless"):
        dl.check(onto, Graph(), java_executable="/nonexistent/bin/java")


def test_shrink_finds_a_minimal_subset() -> None:
    items: list[dl.Group] = [((URIRef(f"urn:x:{i}"), URIRef("urn:p"), URIRef("urn:o")),) for i in range(40)]
    culprits = {items[3], items[17], items[31]}
    calls: list[int] = []

    def inconsistent(selection: list[dl.Group]) -> bool:
        calls.append(len(selection))
        return culprits <= set(selection)

    modes: list[Literal["front", "together"] | None] = [None, "front", "together"]
    for mode in modes:
        calls.clear()
        found, complete = dl_explanation.shrink(items, inconsistent, culprits=mode)
        assert complete
        assert set(found) == culprits
        assert len(calls) <= 30


def test_shrink_returns_an_inconsistent_superset_when_out_of_time() -> None:
    items: list[dl.Group] = [((URIRef(f"urn:x:{i}"), URIRef("urn:p"), URIRef("urn:o")),) for i in range(40)]
    culprits = {items[3], items[17]}
    budget = [3]

    def inconsistent(selection: list[dl.Group]) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            raise dl_explanation.OutOfTime
        return culprits <= set(selection)

    found, complete = dl_explanation.shrink(items, inconsistent)
    assert not complete
    assert culprits <= set(found)
    assert len(found) < len(items)


@pytest.mark.reasoner
@pytest.mark.skipif(not list(BIOMED.glob("*.trig")), reason="the BioMed data is not there yet")
def test_biomed_case_is_consistent_and_medinzh_is_an_anchor(onto: Graph) -> None:
    result = dl.check(onto, load_trig(*sorted(BIOMED.glob("*.trig"))))
    medinzh = result.inferred_types["https://w3id.org/clusterkg/id/organization/medinzh"]
    assert {CKG + "AnchorEnterprise", CKG + "ClusterParticipant"} <= medinzh
