"""Dataset versions: every committed write makes one (the version log, PROV-O, in the write's own
transaction), ``/api/versions`` lists them, and ``?version=N`` answers as of an earlier one from
its snapshot (managed engine), for the retention policy.

Over the real app and a real engine (the ``client`` fixture: a private copy of the built
founding case); the log's test runs against Virtuoso too (``engines``).
"""

from __future__ import annotations

import gzip
import warnings
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from engines import plain_oxigraph

from api import create_app
from kg.engine.local_store import read_manifest
from kg.settings import Settings
from kg.versions import log as version_log
from kg.versions.snapshots import versions_dir

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
CKG = "https://w3id.org/clusterkg/ontology#"
VERSIONS = "https://w3id.org/clusterkg/graph/versions"
GRAPH = "https://w3id.org/clusterkg/synthetic/graph/versions-test"
OTHER = "https://w3id.org/clusterkg/synthetic/graph/versions-test-2"
THING = "https://w3id.org/clusterkg/synthetic/id/versions-test/thing"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
RU_LABEL = "промышленный кластер Пензенской области «БиоМед»"
DROP_RU_LABEL = f"""
DELETE {{ GRAPH ?g {{ <{BIOMED}> <{LABEL}> ?l }} }}
WHERE {{ GRAPH ?g {{ <{BIOMED}> <{LABEL}> ?l FILTER(LANG(?l) = "ru") }} }}
"""
RU_LABEL_QUERY = f'SELECT ?l WHERE {{ <{BIOMED}> <{LABEL}> ?l FILTER(LANG(?l) = "ru") }}'


def update(client: TestClient, text: str) -> httpx.Response:
    answer: httpx.Response = client.post(
        "/sparql", content=text.encode(), headers={"Content-Type": "application/sparql-update", **AUTH}
    )
    return answer


def insert(client: TestClient, value: str, graph: str = GRAPH) -> str | None:
    """Insert a label; the answer's ``Clusterkg-Version`` (None when it names none)."""
    answer = update(client, f'INSERT DATA {{ GRAPH <{graph}> {{ <{THING}> <{LABEL}> "{value}" }} }}')
    assert answer.status_code == 204, answer.text
    return answer.headers.get("clusterkg-version")


def versions(client: TestClient, **params: str) -> dict[str, object]:
    answer = client.get("/api/versions", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def newest(client: TestClient) -> dict[str, object]:
    listed = versions(client)["versions"]
    assert isinstance(listed, list)
    first: dict[str, object] = listed[0]
    return first


def select(client: TestClient, query: str, **params: str) -> list[dict[str, str]]:
    answer = client.get("/sparql", params={"query": query, **params}, headers=JSON)
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


# --- the version log ------------------------------------------------------------------------------


@pytest.mark.engines
def test_every_write_route_makes_one_version_with_its_prov_record(client: TestClient) -> None:
    start = versions(client)
    assert start["current"] == 1 and newest(client)["route"] == "build"

    assert insert(client, "one") == "2"  # each write's answer names the version it made
    two = newest(client)
    assert (two["number"], two["route"], two["graphs"]) == (2, "update", [GRAPH])
    assert (two["triples_added"], two["triples_removed"], two["current"]) == (1, 0, True)

    turtle = f'<{THING}> <{LABEL}> "a", "b" .'.encode()
    put = client.put(
        "/store", params={"graph": OTHER}, content=turtle, headers={"Content-Type": "text/turtle", **AUTH}
    )
    assert put.status_code in (201, 204), put.text
    assert put.headers["clusterkg-version"] == "3"
    three = newest(client)
    assert (three["number"], three["route"], three["graphs"], three["triples_added"]) == (
        3,
        "graph-store",
        [OTHER],
        2,
    )

    post = client.post(
        "/store", params={"graph": OTHER}, content=f'<{THING}> <{LABEL}> "c" .'.encode(),
        headers={"Content-Type": "text/turtle", **AUTH},
    )  # fmt: skip
    assert post.status_code in (200, 204), post.text
    assert post.headers["clusterkg-version"] == "4"
    assert (newest(client)["number"], newest(client)["triples_added"]) == (4, 1)

    deleted = client.delete("/store", params={"graph": OTHER}, headers=AUTH)
    assert deleted.status_code == 204 and deleted.headers["clusterkg-version"] == "5"
    five = newest(client)
    assert (five["number"], five["route"], five["triples_removed"], five["graphs"]) == (
        5,
        "graph-store",
        3,
        [OTHER],
    )

    # nothing changed, refused by SHACL, refused by policy: no version (a write that changed
    # nothing names the version that still holds, where the versions are trusted: not on a
    # remote engine others may write to)
    trusted = client.app.state.runtime.versions.trusted  # type: ignore[attr-defined]
    assert insert(client, "one") == ("5" if trusted else None)
    invalid = (Path(__file__).resolve().parent / "data" / "writes" / "membership-without-role.ru").read_text()
    assert update(client, invalid).status_code == 422
    forged = f'INSERT DATA {{ GRAPH <{VERSIONS}> {{ <{THING}> <{LABEL}> "x" }} }}'
    assert update(client, forged).status_code == 403
    assert versions(client)["current"] == 5

    rows = select(
        client,
        f"""PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?n ?previous (DATATYPE(?time) AS ?type) WHERE {{ GRAPH <{VERSIONS}> {{
          ?v a <{CKG}DatasetVersion> ; <{CKG}versionNumber> ?n ; prov:generatedAtTime ?time .
          OPTIONAL {{ ?v prov:wasRevisionOf ?previous }} }} }} ORDER BY ?n""",
    )
    assert [int(r["n"]) for r in rows] == [1, 2, 3, 4, 5]
    assert all(r["type"] == "http://www.w3.org/2001/XMLSchema#dateTime" for r in rows)
    assert [r.get("previous") for r in rows] == [
        None,
        *(version_log.version_iri(n).value for n in range(1, 5)),
    ]
    assert client.get("/api/versions/3").json()["route"] == "graph-store"
    assert client.get("/api/versions/9").status_code == 404


def test_an_ingested_case_makes_an_ingest_version(client: TestClient) -> None:
    folder = Path(__file__).resolve().parents[1] / "kg" / "data" / "cases" / "example"
    files = [("file", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.glob("*.csv"))]
    files += [("file", (p.name, p.read_bytes(), "text/plain")) for p in sorted(folder.glob("*.txt"))]
    dry = client.post("/api/ingest", files=files, headers=AUTH, params={"dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["version"] is None
    assert dry.headers["clusterkg-version"] == "1"  # the data is still at version 1
    assert versions(client)["current"] == 1  # a dry run commits nothing
    ingested = client.post("/api/ingest", files=files, headers=AUTH)
    assert ingested.status_code == 200
    assert ingested.json()["version"] == 2 and ingested.headers["clusterkg-version"] == "2"
    made = newest(client)
    assert (made["number"], made["route"]) == (2, "ingest")
    assert isinstance(made["graphs"], list) and len(made["graphs"]) > 1
    assert isinstance(made["triples_added"], int) and made["triples_added"] > 10


def test_a_restart_keeps_counting_and_a_lost_commit_reads_the_version_again(app_settings: Settings) -> None:
    with TestClient(create_app(app_settings)) as client:
        insert(client, "one")
    with TestClient(create_app(app_settings)) as client:
        assert versions(client)["current"] == 2
        insert(client, "two")
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        client.portal.call(runtime.version_log.lost)  # type: ignore[union-attr]
        assert runtime.versions.current.number == 3
        listed = versions(client)["versions"]
        assert [v["number"] for v in listed] == [3, 2, 1]  # type: ignore[index, union-attr]


def test_a_store_built_before_the_log_is_version_1_at_its_build_time(app_settings: Settings) -> None:
    store = ox.Store(str(app_settings.store))
    store.remove_graph(version_log.VERSIONS_GRAPH)
    store.flush()
    del store
    built = datetime.fromisoformat(str(read_manifest(app_settings.store)["built_at"]))
    with TestClient(create_app(app_settings)) as client:
        one = newest(client)
        assert (one["number"], one["route"]) == (1, "build")
        assert datetime.fromisoformat(str(one["time"]).replace("Z", "+00:00")) == built
        insert(client, "one")
        assert [v["number"] for v in versions(client)["versions"]] == [2, 1]  # type: ignore[union-attr]
        assert (
            len(select(client, f"SELECT ?v WHERE {{ GRAPH <{VERSIONS}> {{ ?v a <{CKG}DatasetVersion> }} }}"))
            == 2
        )


def test_a_build_goes_on_numbering_from_the_store_it_replaces(built_store: Path) -> None:
    replacing = ox.Store()
    replaced = version_log.carry_over(built_store, replacing)
    assert 0 < replaced < len(ox.Store.read_only(str(built_store)))  # the log is not counted
    record = version_log.record_offline(replacing, "build", 10, replaced)
    assert (record.version.number, record.version.route, record.removed) == (2, "build", replaced)
    assert version_log.local_current(replacing) == record.version
    assert version_log.carry_over(built_store / "absent", ox.Store()) == 0


# --- ?version=N -----------------------------------------------------------------------------------


def test_an_earlier_version_answers_its_own_data_everywhere(client: TestClient) -> None:
    assert update(client, DROP_RU_LABEL).status_code == 204
    assert versions(client)["current"] == 2
    assert select(client, RU_LABEL_QUERY) == []
    assert select(client, RU_LABEL_QUERY, version="1") == [{"l": RU_LABEL}]
    assert select(client, RU_LABEL_QUERY, version="2") == []
    form = client.post("/sparql", data={"query": RU_LABEL_QUERY, "version": "1"}, headers=JSON)
    assert form.status_code == 200 and RU_LABEL in form.text

    def label_ru(**params: str) -> set[str | None]:
        answer = client.get("/api/queries/clusters", params={"cluster": BIOMED, **params})
        assert answer.status_code == 200, answer.text
        return {(row.get("label_ru") or {}).get("value") for row in answer.json()["rows"]}

    assert label_ru(version="1") == {RU_LABEL} and label_ru() == {None}

    old = client.get("/id/cluster/biomed", params={"version": "1"}, headers={"Accept": "text/turtle"})
    new = client.get("/id/cluster/biomed", headers={"Accept": "text/turtle"})
    assert old.status_code == new.status_code == 200
    assert RU_LABEL in old.text and RU_LABEL not in new.text

    dump = client.get("/dumps/clusterkg.nq.gz", params={"version": "1"})
    assert dump.status_code == 200
    quads = gzip.decompress(dump.content).decode()
    assert RU_LABEL in quads and "id/version/2>" not in quads
    assert RU_LABEL not in gzip.decompress(client.get("/dumps/clusterkg.nq.gz").content).decode()


def test_unknown_bad_and_written_versions_are_refused(client: TestClient) -> None:
    unknown = client.get("/sparql", params={"query": RU_LABEL_QUERY, "version": "7"})
    assert unknown.status_code == 404 and "version 7" in unknown.json()["message"]
    bad = client.get("/sparql", params={"query": RU_LABEL_QUERY, "version": "first"})
    assert bad.status_code == 422 and bad.json()["parameter"] == "version"
    twice = client.get("/api/clusters", params=[("version", "1"), ("version", "1")])
    assert twice.status_code == 400
    assert client.get("/api/clusters", params={"version": "1"}).status_code == 200  # not an unknown parameter
    write = client.post(
        "/sparql", params={"version": "1"}, content=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        headers={"Content-Type": "application/sparql-update", **AUTH},
    )  # fmt: skip
    assert write.status_code == 400 and "version" in write.json()["message"]
    put = client.put("/store", params={"graph": GRAPH, "version": "1"}, content=b"", headers=AUTH)
    assert put.status_code == 400
    assert versions(client)["current"] == 1


def test_retention_prunes_snapshots_and_a_pruned_version_is_gone(fresh_store: Path) -> None:
    settings = Settings(
        store=fresh_store, update_token=TOKEN, query_timeout_s=10, version_retention="3", version_engines=1
    )
    with TestClient(create_app(settings)) as client:
        for value in ("one", "two", "three"):
            insert(client, value)
        kept = sorted(int(p.name) for p in versions_dir(settings).iterdir() if p.name.isdigit())
        assert kept == [2, 3, 4]
        listed = {v["number"]: v["queryable"] for v in versions(client)["versions"]}  # type: ignore[union-attr]
        assert listed == {4: True, 3: True, 2: True, 1: False}
        gone = client.get("/sparql", params={"query": RU_LABEL_QUERY, "version": "1"})
        assert gone.status_code == 410
        assert "the 3 newest versions" in gone.json()["message"]
        values = f"SELECT ?v WHERE {{ GRAPH <{GRAPH}> {{ <{THING}> <{LABEL}> ?v }} }} ORDER BY ?v"
        assert select(client, values, version="2") == [{"v": "one"}]
        assert select(client, values, version="3") == [{"v": "one"}, {"v": "two"}]
        engines = client.app.state.runtime.version_engines  # type: ignore[attr-defined]
        assert engines.running == [3]  # one engine at most: the least recently used was stopped
        assert client.get("/api/versions", params={"limit": "2"}).headers["link"].count('rel="next"') == 1


# --- a remote engine --------------------------------------------------------------------------


@pytest.fixture()
def remote_engine(fresh_store: Path) -> Iterator[str]:
    """A separate ``oxigraph serve`` over a copy of the built store (as in test_remote_engine)."""
    with plain_oxigraph(fresh_store) as url:
        yield url


def test_a_remote_engine_logs_versions_but_keeps_no_earlier_ones(remote_engine: str) -> None:
    settings = Settings(engine_url=f"{remote_engine}/query", update_token=TOKEN, query_timeout_s=10)
    with TestClient(create_app(settings)) as client:
        assert insert(client, "one") == "2"  # the version its own commit recorded
        assert insert(client, "one") is None  # changed nothing: others may have written since
        assert versions(client)["current"] == 2
        assert select(client, RU_LABEL_QUERY, version="2") == [{"l": RU_LABEL}]
        earlier = client.get("/sparql", params={"query": RU_LABEL_QUERY, "version": "1"})
        assert earlier.status_code == 422
        assert "only with the managed engine" in earlier.json()["message"]
        assert [v["queryable"] for v in versions(client)["versions"]] == [True, False]  # type: ignore[union-attr]
