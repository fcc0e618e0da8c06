"""Large writes through the Graph Store Protocol: checked batch by batch (kg.write.checks),
each batch with its own neighbourhood, and still validated, reasoned on and committed as one.

Real app, real managed engine, on a private copy of the built founding case (``client``). The
uploads are generated (kg/generate) under their own tag, so they share no node with the
founding case; the batch size is made small, so that even these uploads take many batches.
"""

from __future__ import annotations

import io
import warnings

import pyoxigraph as ox
import pytest

from kg import generate
from kg.reasoning import rl
from kg.sources import FOUNDING_CASE_DIR
from kg.write import checks
from tests import hubs
from tests.conftest import TOKEN

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2; see tests/test_writes.py.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

AUTH = {"Authorization": f"Bearer {TOKEN}"}
CKG = "https://w3id.org/clusterkg/ontology#"
ORG = "http://www.w3.org/ns/org#"
INFERRED = "https://w3id.org/clusterkg/graph/inferred"
UPLOAD = generate.SYN_GRAPH + "large-upload"
TAG = "large-"


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "BATCH_SEEDS", 150)


def generated(size: int, fmt: generate.Format, graph: str | None) -> tuple[bytes, list[generate.Unit]]:
    units = list(generate.units(size, seed=7, tag=TAG, graph=graph))
    body = io.BytesIO()
    generate.write(units, body, fmt)
    return body.getvalue(), units


def select(client: TestClient, query: str) -> list[dict[str, str]]:
    answer = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


def count(client: TestClient, graph: str | None = None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
    [row] = select(client, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}")
    return int(row["n"])


def ours(term: object) -> bool:
    return isinstance(term, ox.NamedNode) and f"/{TAG}" in term.value


def stored_inferences(client: TestClient) -> set[ox.Triple]:
    answer = client.get("/store", params={"graph": INFERRED}, headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200
    return {t.triple for t in ox.parse(answer.content, ox.RdfFormat.N_TRIPLES)}


def upload_inferences(body: bytes) -> set[ox.Triple]:
    """OWL 2 RL on the upload with the ontology and the reference classification its industry
    classes point to (it shares no other node with the store)."""
    store = ox.Store()
    store.extend(checks.knowledge().quads)
    store.load(path=FOUNDING_CASE_DIR / "classification.trig", format=ox.RdfFormat.TRIG)
    store.load(body, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(UPLOAD))
    rl.materialise(store)
    return {q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED))}


def test_a_large_upload_is_committed_whole_with_its_inferences(client: TestClient) -> None:
    body, units = generated(8_000, "turtle", UPLOAD)
    triples = sum(len(u.triples) for u in units)
    before = stored_inferences(client)
    answer = client.post(
        "/store", params={"graph": UPLOAD}, content=body, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["X-Clusterkg-Inserted"] == str(triples)
    assert count(client, UPLOAD) == triples
    # every consequence of the upload is in the inferred graph, and nothing else was added
    added = upload_inferences(body) - before
    assert len(added) > 3_000 and sum(1 for t in added if ours(t.subject)) > 3_000
    assert answer.headers["X-Clusterkg-Inferred-Added"] == str(len(added))
    assert stored_inferences(client) == before | added

    # the same upload again changes nothing
    again = client.post(
        "/store", params={"graph": UPLOAD}, content=body, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    assert again.status_code == 204, again.text
    assert again.headers["X-Clusterkg-Inserted"] == again.headers["X-Clusterkg-Inferred-Added"] == "0"


def test_violations_in_several_batches_are_reported_together(client: TestClient) -> None:
    """The first and the last membership of a 6k-triple upload are wrong: far apart, checked in
    different batches; one 422 names both, once each, in JSON and in the Turtle report."""
    body, units = generated(6_000, "nquads", None)
    memberships = [s for u in units for s, p, o in u.triples if o == CKG + "ClusterMembership"]
    organisations = [s for u in units for s, p, o in u.triples if o == CKG + "Enterprise"]
    bad = [memberships[0], memberships[-1]]
    for node in bad:
        graph = next(u.graph for u in units if any(s == node for s, _, _ in u.triples))
        body += f"<{node}> <{CKG}cluster> <{organisations[0]}> <{graph}> .\n".encode()
    before = count(client)

    answer = client.post("/store", content=body, headers={**AUTH, "Content-Type": "application/n-quads"})
    assert answer.status_code == 422, answer.text
    report = answer.json()
    found = [(v["focus_node"], v["path"], v["value"]) for v in report["violations"]]
    assert len(found) == len(set(found))  # each result once, though batches overlap
    assert {(node, path) for node, path, _ in found} == {(node, CKG + "cluster") for node in bad}
    # both nodes fail twice: a second cluster (sh:maxCount) that is no ckg:Cluster (sh:class)
    assert {(node, value) for node, _, value in found} == {
        (node, value) for node in bad for value in (None, organisations[0])
    }
    assert report["complete"] is True
    turtle = ox.Store()
    turtle.load(report["report_turtle"].encode(), format=ox.RdfFormat.TURTLE)
    sh = "http://www.w3.org/ns/shacl#"
    [node] = [q.subject for q in turtle.quads_for_pattern(None, None, ox.NamedNode(sh + "ValidationReport"))]
    focus = {
        turtle_value
        for q in turtle.quads_for_pattern(node, ox.NamedNode(sh + "result"), None)
        for r in turtle.quads_for_pattern(q.object, ox.NamedNode(sh + "focusNode"), None)
        for turtle_value in [r.object.value]
    }
    assert set(bad) <= focus
    assert count(client) == before


def test_one_violating_node_among_thousands_refuses_the_whole_upload(client: TestClient) -> None:
    body, units = generated(6_000, "nquads", None)
    memberships = [s for u in units for s, p, o in u.triples if o == CKG + "ClusterMembership"]
    organisations = [s for u in units for s, p, o in u.triples if o == CKG + "Enterprise"]
    bad = memberships[len(memberships) // 2]
    # a second cluster, which is an enterprise: ckg:cluster has one value, a ckg:Cluster
    graph = next(u.graph for u in units if any(s == bad for s, _, _ in u.triples))
    body += f"<{bad}> <{CKG}cluster> <{organisations[0]}> <{graph}> .\n".encode()
    before, inferred = count(client), count(client, INFERRED)

    answer = client.post("/store", content=body, headers={**AUTH, "Content-Type": "application/n-quads"})
    assert answer.status_code == 422, answer.text
    violations = {
        (v["focus_node"], v["path"]) for v in answer.json()["violations"] if v["severity"] == "Violation"
    }
    assert violations == {(bad, CKG + "cluster")}
    assert (count(client), count(client, INFERRED)) == (before, inferred)
    assert not select(client, f"SELECT ?p WHERE {{ <{bad}> ?p ?o }} LIMIT 1")

    # without the bad quad, the same dataset goes in, into its graphs
    fixed = body.rsplit(b"\n", 2)[0] + b"\n"
    answer = client.post("/store", content=fixed, headers={**AUTH, "Content-Type": "application/n-quads"})
    assert answer.status_code == 204, answer.text
    assert count(client) > before + sum(len(u.triples) for u in units)


def membership_turtle(name: str, member: str, cluster: str) -> str:
    return (
        f"{hubs.PREFIXES}<{name}> a ckg:ClusterMembership ; ckg:synthetic true ; "
        f"org:member <{member}> ; ckg:cluster <{cluster}> ; ckg:clusterRole ckg:supplierRole .\n"
    )


def put(client: TestClient, graph: str, turtle: str) -> tuple[int, set[str], dict[str, str]]:
    answer = client.put(
        "/store", params={"graph": graph}, content=turtle, headers={**AUTH, "Content-Type": "text/turtle"}
    )
    focus = {v["focus_node"] for v in answer.json()["violations"]} if answer.status_code == 422 else set()
    return answer.status_code, focus, dict(answer.headers)


def test_a_membership_of_a_hub_is_checked_against_the_hub_not_its_other_members(client: TestClient) -> None:
    hubs.upload(client)
    graph = generate.SYN_GRAPH + "hub-writes"
    new = f"{hubs.SYN}membership/hub-new"
    # the cluster named is an enterprise: refused, though the hub's memberships are not fetched
    status, focus, _ = put(client, graph, membership_turtle(new, hubs.enterprise(1), hubs.enterprise(2)))
    assert (status, focus) == (422, {new})
    status, _, headers = put(client, graph, membership_turtle(new, hubs.enterprise(1), hubs.CLUSTER))
    assert status == 201
    assert int(headers["x-clusterkg-inferred-added"]) > 0
    member_of = f"<{hubs.enterprise(1)}> <{ORG}hasMembership> <{new}>"
    assert select(client, f"SELECT * WHERE {{ GRAPH <{INFERRED}> {{ {member_of} }} }}")


def test_a_stage_colliding_with_one_of_many_in_its_chain_is_refused(client: TestClient) -> None:
    hubs.upload(client)
    new = f"{hubs.SYN}stage/hub-new"
    order = hubs.STAGES // 2
    turtle = (
        f'{hubs.PREFIXES}<{new}> a ckg:ProductionStage ; ckg:synthetic true ; rdfs:label "New"@en ; '
        f"ckg:stageOf <{hubs.PLATFORM}> ; ckg:stageOrder {order} .\n"
    )
    status, focus, _ = put(client, generate.SYN_GRAPH + "hub-writes", turtle)
    assert status == 422
    assert {new, hubs.stage(order - 1)} <= focus  # both stages with that order


def test_untyping_a_hub_refuses_the_write_for_each_of_its_members(client: TestClient) -> None:
    hubs.upload(client)
    update = f"DELETE DATA {{ GRAPH <{hubs.GRAPH}> {{ <{hubs.CLUSTER}> a <{CKG}Cluster> }} }}"
    answer = client.post(
        "/sparql", content=update.encode(), headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert answer.status_code == 422, answer.text
    focus = {v["focus_node"] for v in answer.json()["violations"]}
    assert {hubs.membership(i) for i in range(hubs.SIZE)} <= focus
