"""The cooperation network: exact edges, reasons and graphs of the synthetic fixture's cluster
Gamma over the real managed engine (``GET /api/clusters/{id}/network``), the metrics, the JSON,
GraphML (read back by networkx) and Gephi CSV exports, the deterministic layout, and the errors.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api import create_app
from kg.analysis import Edge, Network, Node, Reason, layout, to_graphml
from kg.analysis.metrics import measure
from kg.reasoning import rl
from kg.settings import Settings

FIXTURE = Path(__file__).resolve().parent / "data" / "analysis" / "cooperation.trig"
ORG = "https://w3id.org/clusterkg/synthetic/id/organization/"
GRAPH = "https://w3id.org/clusterkg/synthetic/graph/analysis/"
INFERRED = "https://w3id.org/clusterkg/graph/inferred"


@pytest.fixture(scope="module")
def client(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app over a copy of the built founding case with the fixture loaded and inferences redone."""
    path = tmp_path_factory.mktemp("network") / "store"
    shutil.copytree(built_store, path)
    store = ox.Store(str(path))
    store.load(path=FIXTURE, format=ox.RdfFormat.TRIG)
    rl.materialise(store)
    store.flush()
    del store
    with TestClient(create_app(Settings(store=path, query_timeout_s=10))) as test_client:
        yield test_client


def s(iri: str | None) -> str | None:
    return None if iri is None else iri.rsplit("/", 1)[-1]


EXPECTED_EDGES = {
    ("an-anchor", "an-lab"): [("technology", "an-composites", None, [INFERRED]),
                              ("supply", "an-p1", "backward", [GRAPH + "p1-platform"])],
    ("an-anchor", "an-newcomer"): [("project", "an-p3", None, [GRAPH + "p3"]),
                                   ("licence", "an-licence", "forward", [GRAPH + "licence"])],
    ("an-anchor", "an-outside"): [("project", "an-p1", None, [GRAPH + "p1"])],
    ("an-anchor", "an-service"): [("technology", "an-composites", None, [INFERRED]),
                                  ("supply", "an-p1", "backward", [GRAPH + "p1-platform"]),
                                  ("service", None, "backward", [GRAPH + "services"])],
    ("an-anchor", "an-supplier"): [("project", "an-p1", None, [GRAPH + "p1"]),
                                   ("project", "an-p3", None, [GRAPH + "p3"]),
                                   ("ip-right", "an-patent", None, [GRAPH + "patent"]),
                                   ("technology", "an-composites", None, [INFERRED]),
                                   ("supply", "an-p1", "backward", [GRAPH + "p1-platform"])],
    ("an-lab", "an-service"): [("technology", "an-composites", None, [INFERRED])],
    ("an-lab", "an-supplier"): [("technology", "an-composites", None, [INFERRED])],
    ("an-newcomer", "an-supplier"): [("project", "an-p3", None, [GRAPH + "p3"])],
    ("an-outside", "an-supplier"): [("project", "an-p1", None, [GRAPH + "p1"])],
    ("an-service", "an-supplier"): [("technology", "an-composites", None, [INFERRED]),
                                    ("service", None, "forward", [GRAPH + "services"])],
}  # fmt: skip


def test_every_edge_says_why_it_exists_and_which_graphs_state_it(client: TestClient) -> None:
    answer = client.get("/api/clusters/an-gamma/network")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["cluster"]["labels"] == {
        "en": "Synthetic cluster Gamma",
        "ru": "Синтетический кластер «Гамма»",
    }
    got = {
        (s(e["source"]), s(e["target"])): [
            (r["kind"], s(r["via"]), r["direction"], r["graphs"]) for r in e["reasons"]
        ]
        for e in body["edges"]
    }
    assert got == EXPECTED_EDGES
    weights = {(s(e["source"]), s(e["target"])): e["weight"] for e in body["edges"]}
    assert weights[("an-anchor", "an-supplier")] == 5
    first = body["edges"][0]["reasons"][1]
    assert first["via_labels"] == {"en": "platform of P1", "ru": "платформа П1"}


def test_nodes_carry_kind_membership_metrics_and_a_position(client: TestClient) -> None:
    nodes = {s(n["iri"]): n for n in client.get("/api/clusters/an-gamma/network").json()["nodes"]}
    assert sorted(nodes) == ["an-anchor", "an-lab", "an-newcomer", "an-outside", "an-service", "an-supplier"]
    assert nodes["an-outside"]["member"] is False  # a partner in P1, not a member
    assert nodes["an-lab"]["kind"] == "organisation" and nodes["an-anchor"]["kind"] == "enterprise"
    assert nodes["an-lab"]["roles"] == ["https://w3id.org/clusterkg/ontology#researchOrganisationRole"]
    assert {k: (n["degree"], n["weighted_degree"]) for k, n in nodes.items()} == {
        "an-anchor": (5, 13), "an-lab": (3, 4), "an-newcomer": (2, 3), "an-outside": (2, 2),
        "an-service": (3, 6), "an-supplier": (5, 10),
    }  # fmt: skip
    assert nodes["an-anchor"]["betweenness"] == pytest.approx(0.25)
    assert nodes["an-lab"]["betweenness"] == 0.0
    assert all(0 <= n["position"]["x"] <= 1 and 0 <= n["position"]["y"] <= 1 for n in nodes.values())


def test_graphml_is_read_back_by_networkx(client: TestClient) -> None:
    by_param = client.get("/api/clusters/an-gamma/network", params={"format": "graphml"})
    by_accept = client.get("/api/clusters/an-gamma/network", headers={"Accept": "application/graphml+xml"})
    assert by_param.headers["content-type"].startswith("application/graphml+xml")
    assert by_param.text == by_accept.text
    graph = nx.parse_graphml(by_param.text)
    assert graph.number_of_nodes() == 6 and graph.number_of_edges() == 10
    edge = graph.edges[ORG + "an-anchor", ORG + "an-supplier"]
    assert edge["weight"] == 5 and edge["kinds"] == "project ip-right technology supply"
    assert graph.nodes[ORG + "an-anchor"]["label"] == "Anchor"
    assert graph.nodes[ORG + "an-outside"]["member"] is False


def test_csv_tables_have_gephis_columns(client: TestClient) -> None:
    edges = client.get("/api/clusters/an-gamma/network", params={"format": "csv"})
    assert edges.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(edges.text)))
    assert list(rows[0])[:5] == ["Source", "Target", "Type", "Weight", "Label"]
    assert len(rows) == 10 and {r["Type"] for r in rows} == {"Undirected"}
    nodes = client.get("/api/clusters/an-gamma/network", params={"format": "csv", "part": "nodes"})
    table = list(csv.DictReader(io.StringIO(nodes.text)))
    assert [r["Id"] for r in table] == sorted(ORG + n for n in
        ["an-anchor", "an-lab", "an-newcomer", "an-outside", "an-service", "an-supplier"])  # fmt: skip
    assert table[0]["Label"] == "Anchor"


def test_the_founding_case_network(client: TestClient) -> None:
    body = client.get("/api/clusters/biomed/network").json()
    pairs = {(s(e["source"]), s(e["target"])) for e in body["edges"]}
    assert ("medinzh-project-rd-companies", "medinzh") in pairs
    assert {k for e in body["edges"] for k in e["kinds"]} == {"project"}
    members = {s(n["iri"]) for n in body["nodes"] if n["member"]}
    assert "medinzh" in members and "biomed-anchor-companies" in members


def test_unknown_clusters_and_parameters_are_refused(client: TestClient) -> None:
    missing = client.get("/api/clusters/no-such-cluster/network")
    assert missing.status_code == 404
    assert "no-such-cluster" in missing.json()["message"]
    assert client.get("/api/clusters/no-such-cluster/tasks").status_code == 404
    unknown = client.get("/api/clusters/an-gamma/network", params={"fromat": "csv"})
    assert (unknown.status_code, unknown.json()["parameter"]) == (422, "fromat")
    bad = client.get("/api/clusters/an-gamma/network", params={"format": "gexf"})
    assert bad.status_code == 422


def test_the_tasks_route_answers_the_eight_tasks(client: TestClient) -> None:
    answer = client.get("/api/clusters/an-gamma/tasks")
    assert answer.status_code == 200, answer.text
    tasks = answer.json()["tasks"]
    assert [t["notation"] for t in tasks] == [str(n) for n in range(1, 9)]
    assert all(not t["empty"] and t["note"] is None for t in tasks)
    assert tasks[6]["findings"][0]["values"]["participant"] == ORG + "an-newcomer"
    assert tasks[6]["findings"][0]["graphs"] == [GRAPH + "p3"]
    biomed = client.get("/api/clusters/biomed/tasks").json()["tasks"]
    assert biomed[4]["empty"] is True
    assert biomed[4]["note"]["en"] == "The graph holds nothing for this task yet."
    assert biomed[4]["task"] == "https://w3id.org/clusterkg/id/management-task/outsourcing-model"


def _toy() -> Network:
    nodes = tuple(Node(f"http://x/{n}") for n in "abcde")
    r = (Reason("project", "http://x/p"),)
    edges = tuple(Edge(f"http://x/{u}", f"http://x/{v}", r) for u, v in ["ab", "bc", "ac", "de"])
    return measure(Network("http://x/c", nodes, edges))


def test_metrics_communities_and_layout_are_deterministic() -> None:
    first, second = _toy(), _toy()
    assert first == second
    assert first.communities == 2
    assert [n.community for n in first.nodes] == [0, 0, 0, 1, 1]
    assert layout(first) == layout(second)
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in layout(first).values())
    assert nx.parse_graphml(to_graphml(first)).number_of_edges() == 4
