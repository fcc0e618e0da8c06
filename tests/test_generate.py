"""The synthetic data generator: deterministic bytes, SHACL-conformant, synthetic only, to scale."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import generate, validation
from kg.build import run_checks
from kg.cli import main
from kg.errors import KgError
from kg.sources import FOUNDING_CASE_DIR, load_sources
from tests.conftest import make_store

ROOT = Path(__file__).resolve().parent.parent
SMALL = 4_000
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SYNTHETIC = ox.NamedNode("https://w3id.org/clusterkg/ontology#synthetic")
TRUE = ox.Literal("true", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))


@pytest.fixture(scope="module")
def small_trig(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated TriG file, written through the CLI."""
    path = tmp_path_factory.mktemp("generated") / "synthetic.trig"
    assert main(["generate", "--scale", str(SMALL), "--out", str(path)]) == 0
    return path


def test_same_seed_gives_identical_bytes(small_trig: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.trig"
    # Another process with another hash seed: nothing may depend on set or dict hashing.
    subprocess.run(
        [sys.executable, "-m", "kg.cli", "generate", "--scale", str(SMALL), "--out", str(again)],
        check=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
    )
    assert again.read_bytes() == small_trig.read_bytes()


def test_n_quads_identical_and_equal_to_trig(small_trig: Path) -> None:
    first, second = io.BytesIO(), io.BytesIO()
    generate.write(generate.units(SMALL), first, "nquads")
    generate.write(generate.units(SMALL), second, "nquads")
    assert first.getvalue() == second.getvalue()
    from_nq = set(ox.parse(first.getvalue(), format=ox.RdfFormat.N_QUADS))
    from_trig = set(ox.parse(path=small_trig, format=ox.RdfFormat.TRIG))
    assert from_nq == from_trig


def test_another_seed_gives_other_data() -> None:
    one, two = io.BytesIO(), io.BytesIO()
    generate.write(generate.units(SMALL, seed=1), one, "nquads")
    generate.write(generate.units(SMALL, seed=2), two, "nquads")
    assert one.getvalue() != two.getvalue()


def test_conforms_to_the_shapes_and_passes_the_checks(small_trig: Path) -> None:
    # The industry classes the synthetic case uses are the reference classification's, which
    # every build loads with the founding case.
    sources = load_sources([FOUNDING_CASE_DIR / "classification.trig", small_trig])
    report = validation.validate(sources.dataset, ontology=sources.ontology)
    assert report.conforms, report.to_text()
    assert report.count("Violation") == 0
    assert report.count("Warning") == 0
    # The build runs the checks after OWL 2 RL (QB IC-19 reads an indicator's inferred skos:Concept type).
    assert run_checks(make_store(sources)) == {}


def test_every_node_and_graph_is_synthetic(small_trig: Path) -> None:
    quads = list(ox.parse(path=small_trig, format=ox.RdfFormat.TRIG))
    flagged = {q.subject for q in quads if q.predicate == SYNTHETIC and q.object == TRUE}
    subjects = {q.subject for q in quads}
    for subject in subjects:
        assert isinstance(subject, ox.NamedNode), subject
        assert subject.value.startswith(generate.SYN_ID), subject
    assert subjects == flagged, "every node says ckg:synthetic true"
    objects = {q.object for q in quads if isinstance(q.object, ox.NamedNode)}
    assert {o for o in objects if o.value.startswith(generate.SYN)} <= subjects, "no dangling synthetic IRIs"
    assert not any(isinstance(q.object, ox.BlankNode) for q in quads)
    graphs = {q.graph_name for q in quads}
    assert all(isinstance(g, ox.NamedNode) and g.value.startswith(generate.SYN_GRAPH) for g in graphs)
    assert len(graphs) > 2


@pytest.mark.parametrize("scale", [2_000, 10_000, 50_000])
def test_triple_count_is_near_the_scale(scale: int) -> None:
    out = io.BytesIO()
    written = generate.write(generate.units(scale), out, "nquads")
    distinct = len(set(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS)))
    assert distinct == written.triples, "no quad is written twice"
    assert abs(written.triples - scale) <= scale * 0.10


def test_one_graph_as_turtle() -> None:
    graph = generate.SYN_GRAPH + "upload"
    out = io.BytesIO()
    written = generate.write(generate.units(3_000, tag="u-", graph=graph), out, "turtle")
    parsed = list(ox.parse(out.getvalue(), format=ox.RdfFormat.TURTLE))
    assert written.graphs == 1
    assert len(parsed) == written.triples
    assert all("/u-" in str(t.subject) for t in parsed)


def test_refuses_what_it_cannot_make(tmp_path: Path) -> None:
    with pytest.raises(KgError):
        next(generate.units(0))
    with pytest.raises(KgError):
        next(generate.units(1_000, graph="https://example.org/graph"))
    with pytest.raises(KgError):
        generate.generate_file(tmp_path / "x.ttl", 1_000)
    with pytest.raises(KgError):
        generate.write(generate.units(3_000), io.BytesIO(), "turtle")


# --- what the analyses of issue 13 need to find (on 20k triples, in an in-memory store) ---------------------

PREFIXES = """
PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX time: <http://www.w3.org/2006/time#>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
OKVED2_CODES = {"21.20", "22.29", "25.62", "26.60", "32.50", "71.20", "72.19", "85.22"}
INDICATORS = (
    "participantCount", "employment", "establishmentCount", "averageMonthlyWage", "locationQuotient",
    "patentCount", "smeParticipantCount", "largeEnterpriseParticipantCount",
    "researchEducationParticipantCount", "clusterDevelopmentIndex",
)  # fmt: skip


@pytest.fixture(scope="module")
def analysed() -> ox.Store:
    """20k generated triples in an in-memory store, queried with the union of the graphs as default."""
    out = io.BytesIO()
    generate.write(generate.units(20_000), out, "nquads")
    store = ox.Store()
    store.load(out.getvalue(), format=ox.RdfFormat.N_QUADS)
    return store


def rows(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in result]


def number(store: ox.Store, query: str) -> int:
    (row,) = rows(store, query)
    return int(row["n"])


def test_several_clusters_share_organisations_each_membership_its_own_node(analysed: ox.Store) -> None:
    assert number(analysed, "SELECT (COUNT(?c) AS ?n) { ?c a ckg:Cluster }") >= 8
    shared = rows(
        analysed,
        """
        SELECT ?o (COUNT(DISTINCT ?c) AS ?clusters) (COUNT(DISTINCT ?m) AS ?memberships) {
          ?m org:member ?o ; ckg:cluster ?c } GROUP BY ?o HAVING (COUNT(DISTINCT ?c) > 1)""",
    )
    assert len(shared) >= 3
    assert all(r["clusters"] == r["memberships"] and int(r["clusters"]) <= 3 for r in shared)
    # every shared organisation is described (typed) once, in the graph of its first cluster
    assert (
        number(
            analysed,
            """SELECT (COUNT(*) AS ?n) {
        { SELECT ?o { ?m org:member ?o ; ckg:cluster ?c } GROUP BY ?o HAVING (COUNT(DISTINCT ?c) > 1) }
        GRAPH ?g1 { ?o a ?t1 } GRAPH ?g2 { ?o a ?t2 } FILTER(?g1 != ?g2) }""",
        )
        == 0
    )
    # the clusters say they interact with the clusters they share organisations with
    assert number(analysed, "SELECT (COUNT(*) AS ?n) { ?a ckg:interClusterInteraction ?b }") > 5


def test_memberships_are_dated_some_ended_some_open(analysed: ox.Store) -> None:
    dated = rows(
        analysed,
        """
        SELECT ?m ?from ?to { ?m a ckg:ClusterMembership ; org:memberDuring ?i . ?i a time:ProperInterval ;
          time:hasBeginning/time:inXSDDate ?from . OPTIONAL { ?i time:hasEnd/time:inXSDDate ?to } }""",
    )
    ended = [r for r in dated if "to" in r]
    assert len(ended) > 5 and len(dated) - len(ended) > 5
    assert all(r["from"] < r["to"] for r in ended)
    undated = number(
        analysed,
        """SELECT (COUNT(?m) AS ?n) {
        ?m a ckg:ClusterMembership FILTER NOT EXISTS { ?m org:memberDuring ?i } }""",
    )
    assert undated > 0, "the groups of other members are undated (flagged by members-on-date)"


def test_indicator_series_are_data_cube_observations_and_add_up(analysed: ox.Store) -> None:
    assert (
        number(
            analysed,
            """SELECT (COUNT(?s) AS ?n) { ?s a ckg:Statistic
        FILTER NOT EXISTS { ?s qb:dataSet ?d . ?d a qb:DataSet ; qb:structure ckg:statisticsStructure } }""",
        )
        == 0
    )
    spans = rows(
        analysed,
        """SELECT ?c ?i (COUNT(DISTINCT ?y) AS ?years) {
        ?s ckg:statisticAbout ?c ; ckg:indicator ?i ; ckg:referenceTime/time:inXSDgYear ?y .
        ?c a ckg:Cluster }
        GROUP BY ?c ?i""",
    )
    found = {r["i"].rsplit("#", 1)[1] for r in spans}
    assert set(INDICATORS) <= found
    assert all(6 <= int(r["years"]) <= 10 for r in spans if r["i"].rsplit("#", 1)[1] in INDICATORS)
    # SME + large + research and education = participants, every year of every cluster
    assert (
        number(
            analysed,
            """SELECT (COUNT(*) AS ?n) {
        ?p ckg:indicator ckg:participantCount ; ckg:statisticAbout ?c ; ckg:referenceTime ?t ;
           ckg:value ?all .
        ?a ckg:indicator ckg:smeParticipantCount ; ckg:statisticAbout ?c ; ckg:referenceTime ?t ;
           ckg:value ?sme .
        ?b ckg:indicator ckg:largeEnterpriseParticipantCount ; ckg:statisticAbout ?c ;
           ckg:referenceTime ?t ;
           ckg:value ?large .
        ?r ckg:indicator ckg:researchEducationParticipantCount ; ckg:statisticAbout ?c ;
           ckg:referenceTime ?t ;
           ckg:value ?research .
        FILTER(?sme + ?large + ?research != ?all) }""",
        )
        == 0
    )
    # the participant count of a year is the number of dated memberships on 31 December of that year
    assert (
        number(
            analysed,
            """SELECT (COUNT(*) AS ?n) {
        ?p ckg:indicator ckg:participantCount ; ckg:statisticAbout ?c ; ckg:value ?all ;
           ckg:referenceTime/time:inXSDgYear ?y .
        BIND(xsd:date(CONCAT(STR(?y), "-12-31")) AS ?day)
        { SELECT ?c ?day (COUNT(?m) AS ?on) {
            ?m ckg:cluster ?c ; org:memberDuring ?i . ?i time:hasBeginning/time:inXSDDate ?from .
            OPTIONAL { ?i time:hasEnd/time:inXSDDate ?to }
            ?x ckg:indicator ckg:participantCount ; ckg:statisticAbout ?c ;
               ckg:referenceTime/time:inXSDgYear ?yy .
            BIND(xsd:date(CONCAT(STR(?yy), "-12-31")) AS ?day)
            FILTER(?from <= ?day && (!BOUND(?to) || ?day < ?to)) } GROUP BY ?c ?day }
        FILTER(?on != ?all) }""",
        )
        == 0
    )
    units = {
        r["i"].rsplit("#", 1)[1]: r["u"]
        for r in rows(analysed, "SELECT DISTINCT ?i ?u { ?s ckg:indicator ?i ; ckg:unit ?u }")
    }
    assert units["averageMonthlyWage"] == "http://qudt.org/vocab/currency/RUB"
    assert (
        units["locationQuotient"] == units["clusterDevelopmentIndex"] == "http://qudt.org/vocab/unit/UNITLESS"
    )
    for bound in ("minInclusive", "maxInclusive", "minExclusive"):
        assert number(analysed, f"SELECT (COUNT(?s) AS ?n) {{ ?s ckg:{bound} ?b }}") > 0, bound
    assert (
        number(
            analysed,
            """SELECT (COUNT(?s) AS ?n) {
        ?s ckg:minInclusive ?lo ; ckg:maxInclusive ?hi FILTER(?lo > ?hi) }""",
        )
        == 0
    )


def test_industry_classes_only_from_the_contract_and_excellence_labels(analysed: ox.Store) -> None:
    classes = rows(analysed, "SELECT DISTINCT ?k { ?x ckg:industryClass ?k }")
    base = "https://w3id.org/clusterkg/id/okved2/"
    assert {r["k"] for r in classes} <= {base + code for code in OKVED2_CODES}
    assert (
        number(
            analysed,
            "SELECT (COUNT(?c) AS ?n) { ?c a ckg:Cluster FILTER NOT EXISTS { ?c ckg:industryClass ?k } }",
        )
        == 0
    )
    assert (
        number(
            analysed,
            "SELECT (COUNT(?o) AS ?n) { ?m org:member ?o FILTER NOT EXISTS { ?o ckg:industryClass ?k } "
            "FILTER NOT EXISTS { ?o a ckg:OrganisationGroup } }",
        )
        == 0
    )
    labels = {
        r["l"].rsplit("#", 1)[1] for r in rows(analysed, "SELECT DISTINCT ?l { ?c ckg:excellenceLabel ?l }")
    }
    assert labels and labels <= {"bronzeLabel", "silverLabel", "goldLabel"}


def test_open_innovation_projects_bring_together_organisations_new_to_each_other(analysed: ox.Store) -> None:
    # pairs of participants of an open-innovation project with no earlier project together
    assert (
        number(
            analysed,
            """SELECT (COUNT(*) AS ?n) {
        ?p ckg:innovationModel ckg:openInnovationModel ; ckg:hasParticipant ?a , ?b ; ckg:startYear ?y .
        FILTER(STR(?a) < STR(?b))
        FILTER NOT EXISTS { ?q ckg:hasParticipant ?a , ?b ; ckg:startYear ?earlier
                            FILTER(?earlier < ?y) } }""",
        )
        > 5
    )


def test_services_stages_ip_and_technologies(analysed: ox.Store) -> None:
    served = rows(
        analysed, "SELECT ?f (COUNT(DISTINCT ?c) AS ?n) { ?f ckg:providesServiceTo ?c } GROUP BY ?f"
    )
    assert len(served) > 5 and max(int(r["n"]) for r in served) >= 3
    single = number(
        analysed,
        """SELECT (COUNT(*) AS ?n) { { SELECT ?s { ?a ckg:actsAtStage ?s } GROUP BY ?s
        HAVING (COUNT(?a) = 1) } }""",
    )
    assert single > 5
    research = """?m org:member ?a ; ckg:clusterRole ?r
        VALUES ?r { ckg:researchOrganisationRole ckg:educationOrganisationRole }"""
    with_partner = number(
        analysed, f"SELECT (COUNT(DISTINCT ?s) AS ?n) {{ ?a ckg:actsAtStage ?s . {research} }}"
    )
    stages = number(analysed, "SELECT (COUNT(?s) AS ?n) { ?s a ckg:ProductionStage }")
    assert 0 < with_partner < stages, "some stages have an R&D partner, some have none"
    assert number(analysed, "SELECT (COUNT(*) AS ?n) { ?s ckg:stageUsesTechnology ?t }") > 5
    joint = rows(
        analysed, "SELECT ?ip (COUNT(?h) AS ?n) { ?ip ckg:hasHolding ?h } GROUP BY ?ip HAVING (COUNT(?h) > 1)"
    )
    assert len(joint) > 5 and {int(r["n"]) for r in joint} == {2, 3}
    assert (
        number(
            analysed,
            """SELECT (COUNT(*) AS ?n) { ?l a ckg:Licence ;
        <http://www.w3.org/ns/odrl/2/assigner> ?a ; <http://www.w3.org/ns/odrl/2/assignee> ?a }""",
        )
        == 0
    )
    assert number(analysed, "SELECT (COUNT(*) AS ?n) { ?l a ckg:Licence }") > 5
    techs = rows(
        analysed,
        """SELECT ?t (COUNT(DISTINCT ?c) AS ?n) { ?o ckg:usesTechnology ?t .
        ?m org:member ?o ; ckg:cluster ?c } GROUP BY ?t ORDER BY DESC(?n) LIMIT 1""",
    )
    assert int(techs[0]["n"]) >= 5, "a few technologies are used across many clusters (niches)"


# --- `clusterkg generate --load`: the real build into a real Oxigraph store ---------------------------

CLUSTERS = "PREFIX ckg: <https://w3id.org/clusterkg/ontology#> SELECT ?c { ?c a ckg:Cluster }"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"


def clusters_in(store: Path) -> set[str]:
    result = ox.Store.read_only(str(store)).query(CLUSTERS, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return {s["c"].value for s in result}


def test_generate_load_builds_the_founding_case_with_synthetic_clusters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "var" / "store"
    assert main(["generate", "--scale", "6000", "--load", "--store", str(store), "--seed", "7"]) == 0
    assert (tmp_path / "var" / "synthetic-6000-7.trig").is_file(), "the file is written beside the store"
    found = clusters_in(store)
    assert BIOMED in found
    assert len([c for c in found if c.startswith(generate.SYN_ID)]) >= 3
    said = capsys.readouterr()
    assert "skipping the OWL DL check" in said.err  # 6000 triples: above what HermiT reads in time
    assert "OWL DL check: SKIPPED" in said.out and "SHACL: all" in said.out


def test_generate_load_above_the_limit_bulk_loads_after_validating_a_sample(tmp_path: Path) -> None:
    from kg.generate.load import generate_and_build
    from kg.progress import SilentReporter
    from kg.settings import Settings

    settings = Settings(store=tmp_path / "store")
    loaded = generate_and_build(settings, 9_000, progress=SilentReporter(), full_max=2_000, sample=3_000)
    assert loaded.shacl.startswith("a sample of ") and not loaded.build.dl_checked
    assert str(loaded.data) in loaded.build.files
    found = clusters_in(settings.store)
    assert BIOMED in found and len([c for c in found if c.startswith(generate.SYN_ID)]) >= 5


def test_generate_load_refuses_an_output_file(tmp_path: Path) -> None:
    assert main(["generate", "--scale", "100", "--load", "--out", str(tmp_path / "x.trig")]) == 1
    assert not (tmp_path / "x.trig").exists()
