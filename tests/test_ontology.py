"""The ontology: version, profile hygiene and the QC queries."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF

import ontology
from kg import package_version
from kg.build import run_checks
from kg.engine.local_store import select_rows
from kg.sources import load_ontology


def test_version_iri_and_version_info_match_the_package() -> None:
    graph = load_ontology()
    onto = URIRef(ontology.ONTOLOGY_IRI)
    assert (onto, RDF.type, OWL.Ontology) in graph
    assert list(graph.objects(onto, OWL.versionIRI)) == [URIRef(ontology.version_iri(package_version()))]
    assert list(graph.objects(onto, OWL.versionInfo)) == [Literal(package_version())]


def test_no_owl_imports_so_nothing_is_fetched() -> None:
    assert list(load_ontology().objects(None, OWL.imports)) == []


def test_qc_checks_pass_on_the_founding_case(biomed_store: ox.Store) -> None:
    assert [p.name for p in ontology.check_files()] == [
        "claim-provenance-violation.rq",
        "definition-missing-violation.rq",
        "label-missing-violation.rq",
        "synthetic-leak-violation.rq",
        "undefined-term-violation.rq",
    ]
    assert run_checks(biomed_store) == {}


def test_qc_checks_catch_an_undefined_term_and_a_missing_label(biomed_store: ox.Store) -> None:
    store = ox.Store()
    for quad in biomed_store:
        store.add(quad)
    ckg = "https://w3id.org/clusterkg/ontology#"
    typo = ox.Quad(
        ox.NamedNode("https://w3id.org/clusterkg/id/stage/x"),
        ox.NamedNode(ckg + "stageOrdr"),
        ox.Literal("1"),
        ox.NamedNode("https://w3id.org/clusterkg/id/claim/x"),
    )
    unlabelled = ox.Quad(
        ox.NamedNode(ckg + "Orphan"),
        ox.NamedNode(str(RDF.type)),
        ox.NamedNode(str(OWL.Class)),
        ox.NamedNode("https://w3id.org/clusterkg/graph/ontology"),
    )
    store.add(typo)
    store.add(unlabelled)
    failures = run_checks(store)
    assert failures["undefined-term-violation.rq"] == [
        {"term": ckg + "stageOrdr", "graph": "https://w3id.org/clusterkg/id/claim/x"},
    ]
    assert failures["label-missing-violation.rq"] == [
        {"term": ckg + "Orphan", "missing": "en"},
        {"term": ckg + "Orphan", "missing": "ru"},
    ]
    assert failures["definition-missing-violation.rq"] == [{"term": ckg + "Orphan"}]
    # the claim graph x has no provenance either
    assert failures["claim-provenance-violation.rq"] == [{"claim": "https://w3id.org/clusterkg/id/claim/x"}]


def test_every_ckg_term_is_labelled_in_both_languages(biomed_store: ox.Store) -> None:
    path = ontology.CHECKS_DIR / "label-missing-violation.rq"
    assert select_rows(biomed_store, path.read_text(encoding="utf-8"), union=False) == []
