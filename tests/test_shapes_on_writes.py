"""The shapes where data comes in: a SPARQL update and an upload through the API (each validated
on the neighbourhood of what it changes, kg.write.checks), and ``clusterkg validate``.

Two reported cases: a statistic about an IRI that is nothing in the graph must be refused by a
write (the subject's type must be in the neighbourhood the write validates, and a write that
removes it must be refused too); a published-style SKOS concept scheme, whose concepts are named
only by ``skos:prefLabel``, must be accepted (tests/data/skos/economic-activities.ttl).
"""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import httpx
import pyoxigraph as ox

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2; see tests/test_writes.py.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from kg import validation
from kg.engine.runtime import Runtime
from kg.errors import CaseRefused
from kg.ingest.cases import ingest
from kg.settings import Settings
from kg.sources import load_sources
from tests.conftest import TOKEN

SKOS_SCHEME = Path(__file__).resolve().parent / "data" / "skos" / "economic-activities.ttl"
EXAMPLE_CASE = Path(__file__).resolve().parents[1] / "kg" / "data" / "cases" / "example"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
TURTLE = {"Content-Type": "text/turtle", **AUTH}
CKG = "https://w3id.org/clusterkg/ontology#"
SYN = "https://w3id.org/clusterkg/synthetic/id/"
GRAPH = "https://w3id.org/clusterkg/synthetic/graph/shapes-on-writes"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
OKVED = "https://example.org/classifications/okved2/"
PREFIXES = f"""PREFIX ckg: <{CKG}> PREFIX syn: <{SYN}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX unit: <http://qudt.org/vocab/unit/>
"""
ABOUT_NOTHING = (
    "the subject of a statistic (ckg:statisticAbout) is something the graph describes, a node with a type "
    "(a ckg:Cluster, ckg:CooperationProject, ckg:ProductSegment, ...); <{subject}> has no rdf:type: it is "
    "nothing in the graph"
)
NAME_PATH = "(<http://www.w3.org/2000/01/rdf-schema#label>|<http://www.w3.org/2004/02/skos/core#prefLabel>)"
NO_NAME = "needs a name: an rdfs:label or skos:prefLabel in Russian (@ru) or English (@en)"


def insert_statistic(client: TestClient, subject: str, extra: str = "") -> httpx.Response:
    body = f"""{PREFIXES}
INSERT DATA {{ GRAPH <{GRAPH}> {{
    {extra}
    syn:participants a ckg:Statistic ; ckg:synthetic true ;
        ckg:statisticAbout <{subject}> ; ckg:indicator ckg:participantCount ;
        ckg:value 28 ; ckg:unit unit:NUM .
}} }}"""
    response: httpx.Response = client.post("/sparql", content=body.encode(), headers=UPDATE)
    return response


def refusals(answer: httpx.Response) -> list[tuple[str, str | None, str]]:
    assert answer.status_code == 422, answer.text
    report = answer.json()
    assert report["error"] == "validation-failed"
    return [
        (v["focus_node"], v["path"], v["message"])
        for v in report["violations"]
        if v["severity"] == "Violation"
    ]


def ask(client: TestClient, query: str) -> bool:
    answer = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


# --- a statistic about nothing -----------------------------------------------------------------


def test_a_statistic_about_an_iri_that_is_nothing_is_refused_by_a_write(client: TestClient) -> None:
    nothing = SYN + "cluster-nobody-described"
    found = refusals(insert_statistic(client, nothing))
    assert found == [(SYN + "participants", CKG + "statisticAbout", ABOUT_NOTHING.format(subject=nothing))]
    assert not ask(client, f"ASK {{ <{SYN}participants> ?p ?o }}")


def test_a_statistic_about_a_cluster_of_the_store_is_accepted(client: TestClient) -> None:
    """The subject's type is in the store, not in the write: the neighbourhood brings it."""
    answer = insert_statistic(client, BIOMED)
    assert answer.status_code == 204, answer.text
    assert ask(client, f"ASK {{ <{SYN}participants> <{CKG}statisticAbout> <{BIOMED}> }}")


def test_removing_the_type_of_a_statistics_subject_is_refused(client: TestClient) -> None:
    cluster = SYN + "cluster-x"
    described = f"""<{cluster}> a ckg:Cluster ; ckg:synthetic true ;
        rdfs:label "синтетический кластер X"@ru , "synthetic cluster X"@en ."""
    assert insert_statistic(client, cluster, described).status_code == 204

    untype = f"{PREFIXES} DELETE DATA {{ GRAPH <{GRAPH}> {{ <{cluster}> a ckg:Cluster }} }}"
    answer = client.post("/sparql", content=untype.encode(), headers=UPDATE)
    assert (SYN + "participants", CKG + "statisticAbout", ABOUT_NOTHING.format(subject=cluster)) in refusals(
        answer
    )
    assert ask(client, f"ASK {{ <{cluster}> a <{CKG}Cluster> }}")


# --- a published-style SKOS concept scheme -------------------------------------------------------


def test_the_skos_scheme_is_what_it_claims_to_be() -> None:
    """The example is a SKOS scheme named the SKOS way: concepts with skos:prefLabel in two
    languages and no rdfs:label, notations, top concepts, every concept in the scheme."""
    store = ox.Store()
    store.load(path=str(SKOS_SCHEME), format=ox.RdfFormat.TURTLE)
    skos = "http://www.w3.org/2004/02/skos/core#"

    def count(query: str) -> int:
        rows = list(
            store.query(f"PREFIX skos: <{skos}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> {query}")
        )
        return int(rows[0][0].value)

    concepts = count("SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }")
    assert concepts == 6
    assert (
        count("SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept ; skos:inScheme ?s ; skos:notation ?x }")
        == 6
    )
    for lang in ("ru", "en"):
        named = f"""SELECT (COUNT(?c) AS ?n) WHERE {{
            ?c a skos:Concept ; skos:prefLabel ?l FILTER(LANG(?l) = "{lang}") }}"""
        assert count(named) == concepts
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?x rdfs:label ?l }") == 0
    assert count("SELECT (COUNT(*) AS ?n) WHERE { ?s a skos:ConceptScheme ; skos:hasTopConcept ?c }") == 1


def test_the_skos_scheme_passes_validation() -> None:
    sources = load_sources([SKOS_SCHEME])
    report = validation.validate(sources.dataset, ontology=sources.ontology)
    assert [v.describe() for v in report.violations] == []


def clusterkg_validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", "validate", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def unnamed_scheme(tmp_path: Path) -> Path:
    """The scheme with one concept's preferred labels turned into alternative ones (no name)."""
    text = SKOS_SCHEME.read_text(encoding="utf-8")
    old = 'skos:prefLabel "Обрабатывающие производства"@ru , "Manufacturing"@en'
    assert old in text
    path = tmp_path / "unnamed.ttl"
    path.write_text(text.replace(old, 'skos:altLabel "Обрабатывающие производства"@ru , "Manufacturing"@en'))
    return path


def test_clusterkg_validate_accepts_the_skos_scheme(tmp_path: Path) -> None:
    accepted = clusterkg_validate(SKOS_SCHEME)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert json.loads(accepted.stdout) == []

    refused = clusterkg_validate(unnamed_scheme(tmp_path))
    assert refused.returncode == 1
    results = json.loads(refused.stdout)
    assert {(r["focus_node"], r["message"]) for r in results if r["severity"] == "Violation"} == {
        (OKVED + "C", NO_NAME)
    }


def test_the_skos_scheme_uploads_through_the_graph_store(client: TestClient, tmp_path: Path) -> None:
    # First the scheme with an unnamed concept (before the named one is in the store: the shapes
    # see the union of the graphs).
    unnamed = unnamed_scheme(tmp_path).read_bytes()
    refused = client.put("/store", params={"graph": GRAPH}, content=unnamed, headers=TURTLE)
    assert (OKVED + "C", NAME_PATH, NO_NAME) in refusals(refused)
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404

    answer = client.put("/store", params={"graph": GRAPH}, content=SKOS_SCHEME.read_bytes(), headers=TURTLE)
    assert answer.status_code == 201, answer.text
    notation = f'<{OKVED}32.50> <http://www.w3.org/2004/02/skos/core#notation> "32.50"'
    assert ask(client, f"ASK {{ GRAPH <{GRAPH}> {{ {notation} }} }}")


# --- the name shape's path in a case template's report ---------------------------------------------


def test_an_unnamed_organisation_of_a_case_is_reported_at_its_label_column(
    fresh_store: Path, tmp_path: Path
) -> None:
    """The name shape reads rdfs:label or skos:prefLabel (an alternative path): the ingest report
    still names the template column that fills the label."""
    folder = tmp_path / "unnamed"
    shutil.copytree(EXAMPLE_CASE, folder)
    sheet = folder / "organisations.csv"
    with sheet.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    rows[0].update(label_ru="", label_en="")
    with sheet.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    async def refused() -> CaseRefused:
        runtime = Runtime(Settings(store=fresh_store, query_timeout_s=20))
        await runtime.start()
        try:
            await ingest(runtime, folder, dry_run=True, timeout_s=20)
        except CaseRefused as exc:
            return exc
        finally:
            await runtime.stop()
        raise AssertionError("the unnamed organisation was accepted")

    problems = asyncio.run(refused()).problems
    located = {(p.sheet, p.row, p.column) for p in problems if NO_NAME in p.expected}
    assert located == {("organisations", 2, "label_ru")}
