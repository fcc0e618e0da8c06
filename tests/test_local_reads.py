"""Point lookups answered from the current version's snapshot (kg/engine/local_reads.py): the
same answers as the engine gives, only for queries whose work is bounded, never a stale answer
after a write, and never for an earlier version or with dataset parameters."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from kg.engine import local_reads
from kg.engine.local_reads import LocalReads, lookup_patterns

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
JSON = {"Accept": "application/sparql-results+json"}
LOOKUPS = [
    f"SELECT ?p ?o WHERE {{ <{BIOMED}> ?p ?o }}",
    "PREFIX id: <https://w3id.org/clusterkg/id/cluster/> "
    "SELECT DISTINCT ?p { id:biomed ?p ?o . } LIMIT 3 OFFSET 1",
    "PREFIX ckg: <https://w3id.org/clusterkg/ontology#> SELECT * { ?c a ckg:Cluster ; "
    "ckg:region <https://w3id.org/clusterkg/id/region/RU-PNZ> . <{BIOMED}> ckg:sector ?s }".replace(
        "{BIOMED}", BIOMED
    ),
    f"ASK {{ <{BIOMED}> a ?type }}",
    f"ASK {{ <{BIOMED}> <http://www.w3.org/2000/01/rdf-schema#label> 'no such label'@en }}",
]


def _settings(store: Path, *, local: bool) -> object:
    from kg.settings import Settings

    return Settings(store=store, update_token=TOKEN, query_timeout_s=10, local_reads=local)


@pytest.fixture()
def app_client(fresh_store: Path) -> Iterator[TestClient]:
    from api import create_app

    with TestClient(create_app(_settings(fresh_store, local=True))) as client:  # type: ignore[arg-type]
        yield client


def _reads(client: TestClient) -> LocalReads:
    app = client.app
    assert isinstance(app, FastAPI)
    reads = app.state.runtime.local_reads
    assert isinstance(reads, LocalReads)
    return reads


def _ask(client: TestClient, query: str, **params: str) -> dict[str, object]:
    answer = client.get("/sparql", params={"query": query, **params}, headers=JSON)
    assert answer.status_code == 200, answer.text
    document: dict[str, object] = answer.json()
    return document


def _locally(client: TestClient, query: str, **params: str) -> tuple[dict[str, object], bool]:
    """The answer, and whether it came from the snapshot (the first query of a version opens it)."""
    reads = _reads(client)
    deadline = time.monotonic() + 10
    while True:
        before = reads.answered
        document = _ask(client, query, **params, timeout=str(9 + (time.monotonic() % 1)))  # not cached
        if reads.answered > before or time.monotonic() > deadline:
            return document, reads.answered > before
        time.sleep(0.02)


def _rows(document: dict[str, object]) -> object:
    if "boolean" in document:
        return document["boolean"]
    bindings = document["results"]["bindings"]  # type: ignore[index]
    return sorted(sorted((k, tuple(sorted(v.items()))) for k, v in row.items()) for row in bindings)


def test_lookups_are_answered_from_the_snapshot_as_the_engine_answers_them(
    app_client: TestClient, built_store: Path, tmp_path: Path
) -> None:
    import shutil

    from api import create_app

    local = {query: _locally(app_client, query) for query in LOOKUPS}
    assert all(came_locally for _, came_locally in local.values()), local
    other = tmp_path / "engine-only"
    shutil.copytree(built_store, other)
    with TestClient(create_app(_settings(other, local=False))) as engine_only:  # type: ignore[arg-type]
        assert engine_only.app.state.runtime.local_reads is None  # type: ignore[attr-defined]
        for query, (document, _) in local.items():
            assert _rows(document) == _rows(_ask(engine_only, query)), query
    assert _rows(local[LOOKUPS[0]][0])  # the cluster has statements: the comparison is not empty
    assert local[LOOKUPS[3]][0]["boolean"] is True
    assert local[LOOKUPS[4]][0]["boolean"] is False


def test_other_queries_go_to_the_engine(app_client: TestClient) -> None:
    reads = _reads(app_client)
    _locally(app_client, LOOKUPS[0])  # the snapshot is open
    before = reads.answered
    for query in (
        "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
        f"SELECT ?o {{ <{BIOMED}> ?p ?o FILTER(isLiteral(?o)) }}",
        f"SELECT ?p {{ GRAPH ?g {{ <{BIOMED}> ?p ?o }} }}",
    ):
        _ask(app_client, query)
    _ask(app_client, LOOKUPS[0], **{"default-graph-uri": BIOMED})  # a dataset: the engine's business
    assert reads.answered == before


def test_a_lookup_matching_too_much_goes_to_the_engine(
    app_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _reads(app_client)
    document, came_locally = _locally(app_client, LOOKUPS[0])
    assert came_locally
    statements = len(document["results"]["bindings"])  # type: ignore[index]
    monkeypatch.setattr(local_reads, "MAX_MATCHES", statements - 1)
    before = reads.answered
    assert _rows(_ask(app_client, LOOKUPS[0], timeout="8.5")) == _rows(document)
    assert reads.answered == before
    monkeypatch.setattr(local_reads, "MAX_MATCHES", statements)
    monkeypatch.setattr(local_reads, "MAX_WORK", statements - 1)  # the product is bounded too
    assert _rows(_ask(app_client, LOOKUPS[0], timeout="8.25")) == _rows(document)
    assert reads.answered == before


def _write_label(client: TestClient, label: str) -> None:
    graph = "https://w3id.org/clusterkg/graph/reference"
    triple = f"<{BIOMED}> <http://www.w3.org/2000/01/rdf-schema#label> '{label}'@en"
    answer = client.post(
        "/sparql",
        content=f"INSERT DATA {{ GRAPH <{graph}> {{ {triple} }} }}",
        headers={"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 204, answer.text


def test_after_a_write_no_lookup_answers_from_the_previous_version(app_client: TestClient) -> None:
    label = "http://www.w3.org/2000/01/rdf-schema#label"
    query = f"SELECT ?l {{ <{BIOMED}> <{label}> ?l }}"
    before, came_locally = _locally(app_client, query)
    assert came_locally
    _write_label(app_client, "Local-read test")
    reads = _reads(app_client)
    seen = []
    for _ in range(30):  # through the engine while the new snapshot opens, then from it
        count = reads.answered
        labels = [
            row["l"]["value"]
            for row in _ask(app_client, query, timeout=f"{8 + _ / 100}")["results"]["bindings"]
        ]  # type: ignore[index]
        seen.append((labels, reads.answered > count))
        time.sleep(0.02)
    assert all("Local-read test" in labels for labels, _ in seen), seen
    assert any(local for _, local in seen), "the new version's snapshot was never used"
    assert len(_rows(before)) + 1 == len(seen[-1][0])  # type: ignore[arg-type]


def test_an_earlier_version_is_not_answered_from_the_current_snapshot(app_client: TestClient) -> None:
    reads = _reads(app_client)
    first, _ = _locally(app_client, LOOKUPS[0])
    _write_label(app_client, "Version 2")
    now, came_locally = _locally(app_client, LOOKUPS[0])
    assert came_locally
    before = reads.answered
    answer = app_client.get("/sparql", params={"query": LOOKUPS[0], "version": "1"}, headers=JSON)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Clusterkg-Version"] == "1"
    assert reads.answered == before
    assert _rows(answer.json()) == _rows(first) != _rows(now)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { <http://e/s> ?p ?o ; <http://e/q> ?x , ?y ; }",
        "SELECT ?p { <http://e/s> ?p 'x'^^<http://e/t> , 1 , 2.5 , 1e3 , true , 'y'@en }",
        "ASK WHERE { ?s <http://e/p> <http://e/o> . <http://e/s> ?p ?s }",
    ],
)
def test_lookup_forms_are_read(query: str) -> None:
    patterns = lookup_patterns(query)
    assert patterns is not None and all(p.subject is not None or p.object is not None for p in patterns)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { [] ?p ?o }",
        "SELECT * { _:b ?p ?o }",
        "SELECT * { <http://e/s> ?p [ ?q ?r ] }",
        "SELECT * { <http://e/s> ?p ( 1 2 ) }",
        "SELECT * { <http://e/s> ?p ?o OPTIONAL { ?o ?q ?r } }",
        "SELECT * { { <http://e/s> ?p ?o } UNION { <http://e/t> ?p ?o } }",
        "SELECT * { <http://e/s> ?p ?o . VALUES ?o { 1 } }",
        "SELECT * { SERVICE <http://e/sparql> { <http://e/s> ?p ?o } }",
        "SELECT * { { SELECT * { ?s ?p ?o } } }",
        "SELECT (COUNT(*) AS ?n) { <http://e/s> ?p ?o }",
        "SELECT * { <http://e/s> ?p ?o . ?o ?q ?r }",
        "SELECT * { ?s <http://e/p> ?o }",
        "SELECT * { <http://e/s> ^<http://e/p> ?o }",
        "SELECT * { <http://e/s> <http://e/p>* ?o }",
        "PREFIX e: <http://e/> SELECT * { e:s\\-x ?p ?o }",
        "SELECT * { undeclared:s ?p ?o }",
        "CONSTRUCT { <http://e/s> ?p ?o } WHERE { <http://e/s> ?p ?o }",
        "DESCRIBE <http://e/s>",
        "SELECT * { <http://e/s> ?p ?o } GROUP BY ?p",
        "SELECT * { <http://e/s> ?p ?o } VALUES ?p { <http://e/p> }",
        "SELECT * WHERE { }",
        "SELECT * { <http://e/s> ?p ?o ",
    ],
)
def test_other_forms_are_not(query: str) -> None:
    assert lookup_patterns(query) is None
