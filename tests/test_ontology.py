"""The ontology: version, profile hygiene and the QC queries."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF

import ontology
from kg import package_version
from kg.build import run_checks, run_warning_checks, warning_check_files
from kg.engine.local_store import select_rows
from kg.sources import load_ontology

XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
SKOS_DEFINITION = URIRef("http://www.w3.org/2004/02/skos/core#definition")


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
        *(p.name for p in sorted(ontology.CHECKS_DIR.glob("qb-ic*-violation.rq"))),  # tests/test_data_cube.py
        "reference-time-not-stated-violation.rq",
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


# --- Warning checks: reported by the build, never failing it -------------------------------------

SYN = "https://w3id.org/clusterkg/synthetic/"
STAGE_ORDER = ox.NamedNode("https://w3id.org/clusterkg/ontology#stageOrder")
NEXT_STAGE = ox.NamedNode("https://w3id.org/clusterkg/ontology#nextStage")


def _claim_with_quote(store: ox.Store, slug: str, exact: str) -> ox.NamedNode:
    """A synthetic claim graph derived from a quote with this exact text."""
    claim = ox.NamedNode(f"{SYN}graph/claim/{slug}")
    quote = ox.NamedNode(f"{SYN}id/quote/{slug}")
    selector = ox.NamedNode(f"{SYN}id/quote/{slug}#selector")
    provenance = ox.NamedNode(f"{SYN}graph/provenance")
    prov, oa = "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/oa#"
    store.add(ox.Quad(claim, ox.NamedNode(prov + "wasDerivedFrom"), quote, provenance))
    store.add(ox.Quad(quote, ox.NamedNode(oa + "hasSelector"), selector, provenance))
    store.add(ox.Quad(selector, ox.NamedNode(oa + "exact"), ox.Literal(exact, language="ru"), provenance))
    return claim


def test_the_founding_case_states_no_stage_order_so_nothing_is_warned(biomed_store: ox.Store) -> None:
    assert [p.name for p in warning_check_files()] == ["stage-order-unquoted-warning.rq"]
    assert run_warning_checks(biomed_store) == {}
    assert list(biomed_store.quads_for_pattern(None, STAGE_ORDER, None)) == []


def test_a_stage_order_no_quote_states_is_warned_and_one_a_quote_states_is_not() -> None:
    store = ox.Store()
    counted = _claim_with_quote(store, "counted", "объединившая предприятия на 5 технологических переделах")
    ordered = _claim_with_quote(store, "ordered", "на первом переделе сырьё, затем на втором — компоненты")
    loose = ox.NamedNode(f"{SYN}graph/loose")
    stage = [ox.NamedNode(f"{SYN}id/stage/s{i}") for i in range(4)]
    store.add(ox.Quad(stage[0], STAGE_ORDER, ox.Literal("5", datatype=ox.NamedNode(XSD_INTEGER)), counted))
    store.add(ox.Quad(stage[1], STAGE_ORDER, ox.Literal("1", datatype=ox.NamedNode(XSD_INTEGER)), ordered))
    store.add(ox.Quad(stage[1], NEXT_STAGE, stage[2], ordered))
    store.add(ox.Quad(stage[3], NEXT_STAGE, stage[2], loose))
    warned = run_warning_checks(store)["stage-order-unquoted-warning.rq"]
    assert [(r["stage"], r["property"], r["graph"]) for r in warned] == [
        (stage[0].value, STAGE_ORDER.value, counted.value),
        (stage[3].value, NEXT_STAGE.value, loose.value),
    ]


# --- Other vocabularies used as their authors meant; terms deprecated, never removed ------------

NS = ontology.NAMESPACE
ORG, FOAF, SKOS = (
    "http://www.w3.org/ns/org#",
    "http://xmlns.com/foaf/0.1/",
    "http://www.w3.org/2004/02/skos/core#",
)
SCHEMA, PROV = "https://schema.org/", "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
RDFS_NS = "http://www.w3.org/2000/01/rdf-schema#"
REGORG = "http://www.w3.org/ns/regorg#"
STATED_BY_THEIR_VOCABULARIES = {
    # (subject, predicate, object) restated here as their own vocabulary states them.
    (ORG + "FormalOrganization", RDFS_NS + "subClassOf", ORG + "Organization"),
    (ORG + "OrganizationalCollaboration", RDFS_NS + "subClassOf", ORG + "Organization"),
    (ORG + "Organization", RDFS_NS + "subClassOf", FOAF + "Agent"),
    (ORG + "hasMembership", str(OWL.inverseOf), ORG + "member"),
    (REGORG + "RegisteredOrganization", RDFS_NS + "subClassOf", ORG + "FormalOrganization"),
    (FOAF + "Group", RDFS_NS + "subClassOf", FOAF + "Agent"),
    (SKOS + "narrower", str(OWL.inverseOf), SKOS + "broader"),
    (PROV + "wasQuotedFrom", RDFS_NS + "subPropertyOf", PROV + "wasDerivedFrom"),
    (SCHEMA + "AdministrativeArea", RDFS_NS + "subClassOf", SCHEMA + "Place"),
    (SCHEMA + "Country", RDFS_NS + "subClassOf", SCHEMA + "AdministrativeArea"),
    (TIME + "ProperInterval", RDFS_NS + "subClassOf", TIME + "Interval"),
}
DECLARATIONS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


def test_no_axiom_on_another_vocabularys_term_that_it_does_not_state() -> None:
    graph = load_ontology()
    foreign = {
        (str(s), str(p), str(o))
        for s, p, o in graph
        if isinstance(s, URIRef)
        and not str(s).startswith(ontology.ONTOLOGY_IRI)
        and not (p == RDF.type and o in DECLARATIONS)
    }
    assert foreign == STATED_BY_THEIR_VOCABULARIES


def test_deprecated_terms_stay_and_name_their_replacements() -> None:
    graph = load_ontology()
    declared = {str(s) for s in graph.subjects(RDF.type, None)}
    replaced_by = URIRef("http://purl.org/dc/terms/isReplacedBy")
    flagged = graph.subjects(OWL.deprecated, Literal(True))
    deprecated = {str(s): list(graph.objects(s, replaced_by)) for s in flagged}
    assert set(deprecated) == {
        NS + local
        for local in (
            "anchorFinisherRole", "productionLaunchWithin", "citedBy", "licensor", "licensee",
            "licensedRight", "licensedBy", "permittedAction", "KnowHow",
        )
    }  # fmt: skip
    for term, replacements in deprecated.items():
        assert term in declared and replacements, term
        assert all(str(r) in declared for r in replacements), (term, replacements)
        definitions = graph.objects(URIRef(term), SKOS_DEFINITION)
        assert any("Deprecated in 0.2.0" in str(d) for d in definitions), term


def test_the_version_names_its_prior_version_and_the_changelog_has_it() -> None:
    graph = load_ontology()
    onto = URIRef(ontology.ONTOLOGY_IRI)
    assert list(graph.objects(onto, OWL.priorVersion)) == [URIRef(ontology.version_iri("0.3.0"))]
    changelog = (ontology.HERE / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {package_version()}" in changelog
    for term in ("anchorFinisherRole", "productionLaunchWithin", "permittedAction", "KnowHow"):
        assert f"ckg:{term}" in changelog
