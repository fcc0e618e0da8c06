"""The Graph Store Protocol at /store, and RDF from outside (uploads, LOAD) that must never make
the server fetch anything it was not asked to: a canary HTTP server on 127.0.0.1 counts requests.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2; see tests/test_writes.py.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

DATA = Path(__file__).resolve().parent / "data" / "writes"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CKG = "https://w3id.org/clusterkg/ontology#"
SYN = "https://w3id.org/clusterkg/synthetic/id/"
GRAPH = "https://w3id.org/clusterkg/synthetic/graph/store-test"
INFERRED = "https://w3id.org/clusterkg/graph/inferred"
TURTLE = {"Content-Type": "text/turtle"}

MEMBERSHIP = f"""@prefix ckg: <{CKG}> . @prefix org: <http://www.w3.org/ns/org#> .
<{SYN}acme-biomed> a ckg:ClusterMembership ; ckg:synthetic true ; org:member <{SYN}acme> ;
    ckg:cluster <https://w3id.org/clusterkg/id/cluster/biomed> ; ckg:clusterRole ckg:anchorFinisherRole .
"""


def data(name: str) -> bytes:
    return (DATA / name).read_bytes()


def ask(client: TestClient, query: str) -> bool:
    answer = client.get(
        "/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return bool(answer.json()["boolean"])


def triples(client: TestClient, **params: str) -> set[ox.Triple]:
    answer = client.get("/store", params=params, headers={"Accept": "application/n-triples"})
    assert answer.status_code == 200, answer.text
    return {q.triple for q in ox.parse(answer.content, ox.RdfFormat.N_TRIPLES)}


def acme(client: TestClient, graph: str = GRAPH) -> bool:
    return ask(client, f"ASK {{ GRAPH <{graph}> {{ <{SYN}acme> a <{CKG}Enterprise> }} }}")


# --- reading and writing graphs -----------------------------------------------------------------


def test_a_missing_graph_is_404_for_get_head_and_delete(client: TestClient) -> None:
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404
    head = client.head("/store", params={"graph": GRAPH})
    assert head.status_code == 404 and head.content == b""
    assert client.delete("/store", params={"graph": GRAPH}, headers=AUTH).status_code == 404


def test_put_creates_then_replaces_a_graph(client: TestClient) -> None:
    created = client.put(
        "/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers={**AUTH, **TURTLE}
    )
    assert created.status_code == 201, created.text
    assert created.headers["X-Clusterkg-Inserted"] == "3"
    assert acme(client)

    both = data("acme.ttl") + MEMBERSHIP.encode()
    grown = client.put("/store", params={"graph": GRAPH}, content=both, headers={**AUTH, **TURTLE})
    assert grown.status_code == 204, grown.text
    assert (grown.headers["X-Clusterkg-Inserted"], grown.headers["X-Clusterkg-Deleted"]) == ("5", "0")
    assert len(triples(client, graph=GRAPH)) == 8

    renamed = both.replace(b"Acme Medical", b"Acme Devices")
    replaced = client.put("/store", params={"graph": GRAPH}, content=renamed, headers={**AUTH, **TURTLE})
    assert replaced.status_code == 204, replaced.text
    assert (replaced.headers["X-Clusterkg-Inserted"], replaced.headers["X-Clusterkg-Deleted"]) == ("1", "1")
    assert b"Acme Devices" in client.get("/store", params={"graph": GRAPH}).content

    again = client.put("/store", params={"graph": GRAPH}, content=renamed, headers={**AUTH, **TURTLE})
    assert again.status_code == 204
    assert (again.headers["X-Clusterkg-Inserted"], again.headers["X-Clusterkg-Deleted"]) == ("0", "0")

    # Without Acme's own triples its membership has no agent as member: refused, nothing changes.
    refused = client.put("/store", params={"graph": GRAPH}, content=MEMBERSHIP, headers={**AUTH, **TURTLE})
    assert refused.status_code == 422
    assert len(triples(client, graph=GRAPH)) == 8


def test_get_and_head_negotiate_the_format(client: TestClient) -> None:
    client.put("/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers={**AUTH, **TURTLE})
    turtle = client.get("/store", params={"graph": GRAPH})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"] == "text/turtle; charset=utf-8"
    assert b"@prefix ckg:" in turtle.content
    head = client.head("/store", params={"graph": GRAPH})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == "text/turtle; charset=utf-8"
    assert head.headers["content-length"] == str(len(turtle.content))
    jsonld = client.get("/store", params={"graph": GRAPH}, headers={"Accept": "application/ld+json"})
    assert jsonld.headers["content-type"] == "application/ld+json"
    assert len(triples(client, graph=GRAPH)) == 3
    assert client.get("/store", params={"graph": GRAPH}, headers={"Accept": "image/png"}).status_code == 406


def test_post_adds_to_a_graph(client: TestClient) -> None:
    created = client.post(
        "/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers={**AUTH, **TURTLE}
    )
    assert created.status_code == 201, created.text
    added = client.post("/store", params={"graph": GRAPH}, content=MEMBERSHIP, headers={**AUTH, **TURTLE})
    assert added.status_code == 204, added.text
    assert len(triples(client, graph=GRAPH)) == 8
    # The membership makes Acme an anchor enterprise, in the same step.
    assert ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{SYN}acme> a <{CKG}AnchorEnterprise> }} }}")


def test_post_to_the_store_makes_a_new_graph(client: TestClient) -> None:
    answer = client.post("/store", content=data("acme.ttl"), headers={**AUTH, **TURTLE})
    assert answer.status_code == 201, answer.text
    location = urlsplit(answer.headers["Location"])
    [graph] = parse_qs(location.query)["graph"]
    assert graph.startswith("https://w3id.org/clusterkg/graph/upload/")
    assert client.get(location.path, params={"graph": graph}).status_code == 200
    assert acme(client, graph)


def test_post_a_dataset_to_the_store(client: TestClient) -> None:
    trig = f"<{GRAPH}> {{ <{SYN}acme> a <{CKG}Enterprise> ; <{CKG}synthetic> true ;"
    trig += ' <http://www.w3.org/2000/01/rdf-schema#label> "Acme"@en }'
    answer = client.post("/store", content=trig, headers={**AUTH, "Content-Type": "application/trig"})
    assert answer.status_code == 204, answer.text
    assert acme(client)
    nquads = f'<{SYN}acme> <http://www.w3.org/2000/01/rdf-schema#comment> "via N-Quads" <{GRAPH}-2> .\n'
    answer = client.post("/store", content=nquads, headers={**AUTH, "Content-Type": "application/n-quads"})
    assert answer.status_code == 204, answer.text
    assert len(triples(client, graph=f"{GRAPH}-2")) == 1


def test_delete_drops_a_graph(client: TestClient) -> None:
    client.put("/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers={**AUTH, **TURTLE})
    client.post("/store", params={"graph": GRAPH}, content=MEMBERSHIP, headers={**AUTH, **TURTLE})
    assert ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{SYN}acme> a <{CKG}AnchorEnterprise> }} }}")
    answer = client.delete("/store", params={"graph": GRAPH}, headers=AUTH)
    assert answer.status_code == 204, answer.text
    assert answer.headers["X-Clusterkg-Deleted"] == "8"
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404
    assert not ask(client, f"ASK {{ GRAPH <{INFERRED}> {{ <{SYN}acme> ?p ?o }} }}")


def test_the_default_graph(client: TestClient, engine: str) -> None:
    assert triples(client, default="") == set()
    body = f'<{SYN}thing> <http://www.w3.org/2000/01/rdf-schema#comment> "in the default graph" .'
    put = client.put("/store", params={"default": ""}, content=body, headers={**AUTH, **TURTLE})
    if engine == "virtuoso":  # every triple is in a named graph there (Profile.own_default_graph)
        assert put.status_code == 422 and "no default graph" in put.json()["message"], put.text
        assert client.delete("/store", params={"default": ""}, headers=AUTH).status_code == 204
        assert triples(client, default="") == set()
        return
    assert put.status_code == 204, put.text
    assert len(triples(client, default="")) == 1
    assert client.delete("/store", params={"default": ""}, headers=AUTH).status_code == 204
    assert triples(client, default="") == set()


@pytest.mark.parametrize(
    "query",
    ["", f"graph={GRAPH}&default", f"graph={GRAPH}&graph={GRAPH}-2", "graph=relative/graph", "graph=%20"],
)
def test_the_graph_must_be_named_once_by_an_absolute_iri(client: TestClient, query: str) -> None:
    assert client.get(f"/store?{query}").status_code == 400
    assert client.put(f"/store?{query}", content=b"", headers={**AUTH, **TURTLE}).status_code == 400
    assert client.delete(f"/store?{query}", headers=AUTH).status_code == 400


def test_upload_media_types(client: TestClient) -> None:
    for content_type in ("text/html", "application/json", ""):
        answer = client.put(
            "/store", params={"graph": GRAPH}, content=b"x", headers={**AUTH, "Content-Type": content_type}
        )
        assert answer.status_code == 415, content_type
    nquads = client.put(
        "/store",
        params={"graph": GRAPH},
        content=b"",
        headers={**AUTH, "Content-Type": "application/n-quads"},
    )
    assert nquads.status_code == 415 and "N-Quads" in nquads.json()["message"]
    trig = f"<{GRAPH}-x> {{ <{SYN}a> <{CKG}synthetic> true }}"
    named = client.put(
        "/store", params={"graph": GRAPH}, content=trig, headers={**AUTH, "Content-Type": "application/trig"}
    )
    assert named.status_code == 400 and "named graphs" in named.json()["message"]
    malformed = client.put("/store", params={"graph": GRAPH}, content=b"<a> <b>", headers={**AUTH, **TURTLE})
    assert malformed.status_code == 400
    for name, content_type in (("acme.rdf", "application/rdf+xml"), ("acme.jsonld", "application/ld+json")):
        answer = client.put(
            "/store",
            params={"graph": f"{GRAPH}-{name}"},
            content=data(name),
            headers={**AUTH, "Content-Type": content_type},
        )
        assert answer.status_code == 201, answer.text
        assert acme(client, f"{GRAPH}-{name}")


def test_relative_iris_in_an_upload_resolve_against_the_graph(client: TestClient) -> None:
    body = f"<#thing> <{CKG}synthetic> true .".encode()
    answer = client.put("/store", params={"graph": f"{SYN}doc"}, content=body, headers={**AUTH, **TURTLE})
    assert answer.status_code == 201, answer.text
    assert ask(client, f"ASK {{ <{SYN}doc#thing> <{CKG}synthetic> true }}")


def test_a_violating_upload_is_refused_and_writes_nothing(client: TestClient) -> None:
    body = MEMBERSHIP.replace("; ckg:clusterRole ckg:anchorFinisherRole", "")
    answer = client.put("/store", params={"graph": GRAPH}, content=body, headers={**AUTH, **TURTLE})
    assert answer.status_code == 422, answer.text
    found = {(v["focus_node"], v["path"]) for v in answer.json()["violations"]}
    assert (f"{SYN}acme-biomed", f"{CKG}clusterRole") in found
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404
    turtle = client.put(
        "/store", params={"graph": GRAPH}, content=body, headers={**AUTH, **TURTLE, "Accept": "text/turtle"}
    )
    assert turtle.status_code == 422 and turtle.headers["content-type"].startswith("text/turtle")


def test_the_inferred_graph_cannot_be_written(client: TestClient) -> None:
    answer = client.put("/store", params={"graph": INFERRED}, content=b"", headers={**AUTH, **TURTLE})
    assert answer.status_code == 403
    assert client.delete("/store", params={"graph": INFERRED}, headers=AUTH).status_code == 403
    assert client.head("/store", params={"graph": INFERRED}).status_code == 200


def test_writes_need_the_token(client: TestClient) -> None:
    assert (
        client.put("/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers=TURTLE).status_code
        == 403
    )
    wrong = {"Authorization": "Bearer wrong", **TURTLE}
    assert (
        client.post("/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers=wrong).status_code
        == 403
    )
    assert (
        client.delete("/store", params={"graph": GRAPH}, headers={"Authorization": TOKEN}).status_code == 403
    )
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404


# --- other settings -----------------------------------------------------------------------------


@pytest.fixture()
def make_client(fresh_store: Path) -> Iterator[Callable[..., TestClient]]:
    """Start the app over the private store with some settings changed (one app per test)."""
    from api import create_app
    from kg.settings import Settings

    with ExitStack() as stack:

        def make(**overrides: object) -> TestClient:
            values: dict[str, object] = {"store": fresh_store, "update_token": TOKEN, "query_timeout_s": 10}
            values.update(overrides)
            return stack.enter_context(TestClient(create_app(Settings(**values))))  # type: ignore[arg-type]

        yield make


def test_without_a_configured_token_writes_are_off(make_client: Callable[..., TestClient]) -> None:
    client = make_client(update_token=None)
    answer = client.put(
        "/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers={**AUTH, **TURTLE}
    )
    assert answer.status_code == 403
    assert "writes are off" in answer.json()["message"]
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404


def test_a_body_over_the_limit_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(body_limit_bytes=1000)
    body = data("acme.ttl") + b"#" * 1000 + b"\n"
    answer = client.put("/store", params={"graph": GRAPH}, content=body, headers={**AUTH, **TURTLE})
    assert answer.status_code == 413
    chunked = client.put(
        "/store", params={"graph": GRAPH}, content=iter([body[:600], body[600:]]), headers={**AUTH, **TURTLE}
    )
    assert chunked.status_code == 413
    assert (
        client.put(
            "/store", params={"graph": GRAPH}, content=data("acme.ttl"), headers={**AUTH, **TURTLE}
        ).status_code
        == 201
    )


# --- RDF from outside: nothing is fetched unless LOAD asks for an allow-listed IRI --------------


@dataclass
class Canary:
    """A local HTTP server that records every request it gets."""

    url: str
    requests: list[str] = field(default_factory=list)
    files: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)


@pytest.fixture()
def canary() -> Iterator[Canary]:
    record = Canary(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.requests.append(self.path)
            status, content_type, body = record.files.get(self.path, (404, "text/plain", b"not here"))
            self.send_response(status)
            if status in (301, 302):
                self.send_header("Location", content_type)
            else:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    record.files["/entity.txt"] = (200, "text/plain", b"fetched!")
    record.files["/context.jsonld"] = (
        200,
        "application/ld+json",
        b'{"@context": {"label": "http://e/label"}}',
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_rdf_xml_with_a_doctype_is_refused_without_fetching(client: TestClient, canary: Canary) -> None:
    body = data("doctype-entity.rdf").replace(b"{canary}", canary.url.encode())
    answer = client.put(
        "/store",
        params={"graph": GRAPH},
        content=body,
        headers={**AUTH, "Content-Type": "application/rdf+xml"},
    )
    assert answer.status_code == 400
    assert "DOCTYPE" in answer.json()["message"]
    assert canary.requests == []
    assert client.get("/store", params={"graph": GRAPH}).status_code == 404


def test_json_ld_with_a_remote_context_is_refused_without_fetching(
    client: TestClient, canary: Canary
) -> None:
    body = data("remote-context.jsonld").replace(b"{canary}", canary.url.encode())
    for params in ({"graph": GRAPH}, {}):
        answer = client.post(
            "/store", params=params, content=body, headers={**AUTH, "Content-Type": "application/ld+json"}
        )
        assert answer.status_code == 400
        assert "remote context" in answer.json()["message"]
    imported = b'{"@context": {"@import": "%s/context.jsonld"}, "@id": "http://e/s"}' % canary.url.encode()
    answer = client.post("/store", content=imported, headers={**AUTH, "Content-Type": "application/ld+json"})
    assert answer.status_code == 400
    assert canary.requests == []


def test_load_fetches_only_allow_listed_iris(make_client: Callable[..., TestClient], canary: Canary) -> None:
    canary.files["/acme.ttl"] = (200, "text/turtle", data("acme.ttl"))
    canary.files["/moved"] = (302, f"http://localhost:{canary.url.rsplit(':', 1)[1]}/acme.ttl", b"")
    client = make_client(service_allow=[canary.url])

    def load(body: str) -> int:
        headers = {**AUTH, "Content-Type": "application/sparql-update"}
        status: int = client.post("/sparql", content=body, headers=headers).status_code
        return status

    assert load(f"LOAD <{canary.url}/acme.ttl> INTO GRAPH <{GRAPH}>") == 204
    assert acme(client)
    assert canary.requests == ["/acme.ttl"]
    # A redirect to a host that is not allow-listed is not followed.
    assert load(f"LOAD <{canary.url}/moved> INTO GRAPH <{GRAPH}-moved>") == 403
    assert canary.requests == ["/acme.ttl", "/moved"]
    assert load(f"LOAD SILENT <{canary.url}/missing.ttl> INTO GRAPH <{GRAPH}-missing>") == 204
    assert load(f"LOAD <{canary.url}/missing.ttl> INTO GRAPH <{GRAPH}-missing>") == 502
    # Not on the allow-list: refused before any request.
    assert load(f"LOAD <http://localhost:{canary.url.rsplit(':', 1)[1]}/acme.ttl>") == 403
    assert canary.requests == ["/acme.ttl", "/moved", "/missing.ttl", "/missing.ttl"]
