"""SERVICE and LOAD: refused unless the target is on ``CLUSTERKG_SERVICE_ALLOW`` (empty by
default), ``file:`` never; and no request leaves the server for a refused one.

A canary HTTP server on 127.0.0.1 records every request it gets. Queries and updates whose
SERVICE or LOAD targets it, written every way the SPARQL grammar allows (keyword case,
comments, prefixed names, BASE-relative IRIs, ``\\u`` escapes, nesting, other spellings of the
loopback host), are sent to an app with the default (empty) allow-list: each is refused with
403 and the canary sees nothing. As a control, the same text sent straight to the engine,
past the policy layer, does reach the canary wherever Oxigraph can run it: the refusal, not
the text, is what keeps the request in. Then an app that allow-lists the canary's ``/sparql``
shows a SERVICE query and a LOAD do reach it (positive controls), and that its neighbours,
redirects and ``file:`` stay refused.
"""

from __future__ import annotations

import gc
import json
import shutil
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from api import create_app
from kg.settings import Settings

with warnings.catch_warnings():
    # starlette warns on import that it wants httpx2; pytest turns warnings into errors.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from conftest import TOKEN

AUTH = {"Authorization": f"Bearer {TOKEN}"}
UPDATE_TYPE = {"Content-Type": "application/sparql-update", **AUTH}
QUERY_TYPE = {"Content-Type": "application/sparql-query"}
CANARY_TRIPLE = b'<http://example.org/canary/s> <http://example.org/canary/p> "canary" .\n'
CANARY_RESULTS = json.dumps(
    {
        "head": {"vars": ["canary"]},
        "results": {"bindings": [{"canary": {"type": "literal", "value": "reached"}}]},
    }
).encode()


@dataclass(frozen=True)
class Hit:
    """One request the canary got."""

    method: str
    path: str
    body: bytes


class Canary:
    """An HTTP server on 127.0.0.1 that records every request and answers something plausible:
    SPARQL results, Turtle for ``*.ttl``, a redirect for ``/sparql/redirect*``."""

    def __init__(self) -> None:
        self.hits: list[Hit] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                canary.hits.append(Hit(self.command, self.path, self.rfile.read(length) if length else b""))
                if self.path.startswith("/sparql/redirect"):
                    self.send_response(302)
                    self.send_header("Location", f"http://localhost:{canary.port}/secret.ttl")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path.endswith(".ttl"):
                    body, content_type = CANARY_TRIPLE, "text/turtle"
                else:
                    body, content_type = CANARY_RESULTS, "application/sparql-results+json"
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self) -> list[Hit]:
        """The requests so far, forgetting them."""
        hits, self.hits = self.hits, []
        return hits


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    server = Canary()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def _app(built_store: Path, tmp: Path, **settings: object) -> TestClient:
    store = tmp / "store"
    shutil.copytree(built_store, store)
    return TestClient(create_app(Settings(store=store, update_token=TOKEN, query_timeout_s=10, **settings)))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def closed(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with the default allow-list (none), writes on so that LOAD reaches the policy."""
    with _app(built_store, tmp_path_factory.mktemp("closed")) as client:
        yield client


@pytest.fixture(scope="module")
def opened(
    built_store: Path, tmp_path_factory: pytest.TempPathFactory, canary: Canary
) -> Iterator[TestClient]:
    """The app that allow-lists the canary's /sparql (and the paths below it), nothing else."""
    with _app(
        built_store, tmp_path_factory.mktemp("opened"), service_allow=[f"{canary.url}/sparql"]
    ) as client:
        yield client


# --- Refused: every spelling, and nothing leaves ----------------------------------------------------

# (id, text with {url} = http://127.0.0.1:<port> and {port}, does Oxigraph run it if let through)
QUERIES = [
    ("plain", "SELECT * WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }", True),
    ("silent", "SELECT * WHERE { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } }", True),
    ("lower-case", "select * where { service <{url}/sparql> { ?s ?p ?o } }", True),
    ("mixed-case", "SeLeCt * { SeRvIcE sIlEnT <{url}/sparql> { ?s ?p ?o } }", True),
    ("comments", "SELECT * {\n SERVICE # not here\n  SILENT #\n <{url}/sparql> # {\n { ?s ?p ?o } }", True),
    ("prefixed", "PREFIX c: <{url}/> SELECT * { SERVICE c:sparql { ?s ?p ?o } }", True),
    ("empty-prefix", "PREFIX : <{url}/sparql> SELECT * { SERVICE : { ?s ?p ?o } }", True),
    ("base-relative", "BASE <{url}/x/> SELECT * { SERVICE <../sparql> { ?s ?p ?o } }", True),
    ("base-prefix", "BASE <{url}/> PREFIX c: <> SELECT * { SERVICE c:sparql { ?s ?p ?o } }", True),
    ("escaped-iri", "SELECT * { SERVICE <http\\u003A//127.0.0.1\\u003A{port}/sparql> { ?s ?p ?o } }", True),
    (
        "escaped-iri-long",
        "SELECT * { SERVICE <http://127.0.0.1:{port}\\U0000002Fsparql> { ?s ?p ?o } }",
        True,
    ),
    ("escaped-keyword", "SELECT * { SE\\u0052VICE <{url}/sparql> { ?s ?p ?o } }", False),
    ("optional", "SELECT * { ?s ?p ?o OPTIONAL { SERVICE <{url}/sparql> { ?s ?q ?r } } } LIMIT 1", True),
    ("subquery", "SELECT * { { SELECT ?s { SERVICE <{url}/sparql> { ?s ?p ?o } } } }", True),
    ("filter-exists", "ASK { ?s ?p ?o FILTER EXISTS { SERVICE <{url}/sparql> { ?s ?q ?r } } }", True),
    ("minus", "SELECT * { ?s ?p ?o MINUS { SERVICE <{url}/sparql> { ?s ?q ?r } } } LIMIT 1", True),
    ("union", "SELECT * { { BIND(1 AS ?x) } UNION { SERVICE <{url}/sparql> { ?s ?p ?o } } }", True),
    ("graph", "SELECT * { GRAPH ?g { ?s ?p ?o } SERVICE <{url}/sparql> { ?s ?q ?r } } LIMIT 1", True),
    ("construct", "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }", True),
    ("describe", "DESCRIBE ?s WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }", True),
    ("variable", "SELECT * { VALUES ?e { <{url}/sparql> } SERVICE ?e { ?s ?p ?o } }", False),
    ("localhost", "SELECT * { SERVICE <http://localhost:{port}/sparql> { ?s ?p ?o } }", True),
    ("upper-scheme", "SELECT * { SERVICE <HTTP://127.0.0.1:{port}/sparql> { ?s ?p ?o } }", True),
    ("short-ip", "SELECT * { SERVICE <http://127.1:{port}/sparql> { ?s ?p ?o } }", True),
    ("decimal-ip", "SELECT * { SERVICE <http://2130706433:{port}/sparql> { ?s ?p ?o } }", True),
    ("file", "SELECT * { SERVICE <file:///etc/passwd> { ?s ?p ?o } }", False),
]
UPDATES = [
    ("load", "LOAD <{url}/data.ttl>"),
    ("load-silent-into", "LOAD SILENT <{url}/data.ttl> INTO GRAPH <http://example.org/g>"),
    ("load-lower-case", "load silent <{url}/data.ttl>"),
    ("load-prefixed", "PREFIX c: <{url}/> LOAD c:data.ttl"),
    ("load-base-relative", "BASE <{url}/a/> LOAD <../data.ttl>"),
    ("load-escaped", "LOAD <http://127.0.0.1\\u003A{port}/data.ttl>"),
    (
        "load-after-insert",
        "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 } ; LOAD <{url}/data.ttl>",
    ),
    ("load-file", "LOAD <file:///etc/passwd>"),
    ("service-in-where", "INSERT { ?s ?p ?o } WHERE { SERVICE <{url}/sparql> { ?s ?p ?o } }"),
    ("service-in-delete-where", "DELETE { ?s ?p ?o } WHERE { SERVICE SILENT <{url}/sparql> { ?s ?p ?o } }"),
]


def _text(template: str, canary: Canary) -> str:
    return template.replace("{url}", canary.url).replace("{port}", str(canary.port))


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "federation-refused"
    assert "CLUSTERKG_SERVICE_ALLOW" in response.json()["message"] or "file:" in response.json()["message"]


@pytest.mark.parametrize(("template", "runs"), [q[1:] for q in QUERIES], ids=[q[0] for q in QUERIES])
def test_a_service_query_is_refused_and_nothing_leaves(
    closed: TestClient, canary: Canary, template: str, runs: bool
) -> None:
    query = _text(template, canary)
    canary.take()
    for response in (
        closed.get("/sparql", params={"query": query}),
        closed.post("/sparql", data={"query": query}),
        closed.post("/sparql", content=query.encode(), headers=QUERY_TYPE),
    ):
        _refused(response)
    assert canary.take() == []

    # The control: past the policy layer, the engine runs the same text and calls the canary.
    engine = closed.app.state.runtime.engine  # type: ignore[attr-defined]
    direct = httpx.post(f"{engine.url}/query", data={"query": query}, timeout=30)
    reached = [hit for hit in canary.take() if hit.path == "/sparql"]
    assert bool(reached) is runs, direct.text


@pytest.mark.parametrize("template", [u[1] for u in UPDATES], ids=[u[0] for u in UPDATES])
def test_a_load_or_service_update_is_refused_and_nothing_leaves(
    closed: TestClient, canary: Canary, template: str
) -> None:
    update = _text(template, canary)
    canary.take()
    _refused(closed.post("/sparql", content=update.encode(), headers=UPDATE_TYPE))
    _refused(closed.post("/sparql", data={"update": update}, headers=AUTH))
    # Without the token it is refused before anything else (403 too), and nothing leaves either.
    anonymous = closed.post(
        "/sparql", content=update.encode(), headers={"Content-Type": "application/sparql-update"}
    )
    assert anonymous.status_code == 403
    assert canary.take() == []
    ask = closed.get("/sparql", params={"query": 'ASK { ?s ?p "canary" }'})
    assert ask.json()["boolean"] is False


def test_nothing_reached_the_canary_from_the_closed_app(closed: TestClient, canary: Canary) -> None:
    """A last look, after everything above: still nothing but the controls' requests."""
    closed.get("/health")
    assert canary.take() == []


def test_the_default_allow_list_is_empty() -> None:
    assert Settings().service_allow == []


# --- Allowed: the positive controls ------------------------------------------------------------------


def test_an_allowed_service_is_reached(opened: TestClient, canary: Canary) -> None:
    canary.take()
    query = f"SELECT ?canary WHERE {{ SERVICE <{canary.url}/sparql> {{ ?s ?p ?canary }} }}"
    response = opened.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == [{"canary": {"type": "literal", "value": "reached"}}]
    [hit] = canary.take()
    assert hit.path == "/sparql"
    assert b"?canary" in hit.body  # the engine sent the SERVICE's pattern


def test_an_allowed_service_under_the_allowed_path_is_reached(opened: TestClient, canary: Canary) -> None:
    canary.take()
    response = opened.get(
        "/sparql", params={"query": f"ASK {{ SERVICE <{canary.url}/sparql/v2> {{ ?s ?p ?o }} }}"}
    )
    assert response.status_code == 200, response.text
    assert [hit.path for hit in canary.take()] == ["/sparql/v2"]


@pytest.mark.parametrize(
    "target",
    [
        "{url}/other",
        "{url}/sparqlx",
        "{url}/sparql/../admin",
        "{url}/sparql/%2e%2e/admin",
        "http://localhost:{port}/sparql",
        "http://user@127.0.0.1:{port}/sparql",
        "https://127.0.0.1:{port}/sparql",
        "http://127.0.0.1:{port}0/sparql",
        "file:///etc/passwd",
    ],
)
def test_the_allow_list_admits_nothing_else(opened: TestClient, canary: Canary, target: str) -> None:
    canary.take()
    iri = _text(target, canary)
    _refused(opened.get("/sparql", params={"query": f"SELECT * {{ SERVICE <{iri}> {{ ?s ?p ?o }} }}"}))
    _refused(opened.post("/sparql", content=f"LOAD <{iri}>".encode(), headers=UPDATE_TYPE))
    assert canary.take() == []


def test_an_allowed_load_is_fetched_and_loaded(opened: TestClient, canary: Canary) -> None:
    canary.take()
    graph = "http://example.org/loaded-from-canary"
    load = f"LOAD <{canary.url}/sparql/data.ttl> INTO GRAPH <{graph}>"
    response = opened.post("/sparql", content=load.encode(), headers=UPDATE_TYPE)
    assert response.status_code == 204, response.text
    assert [(hit.method, hit.path) for hit in canary.take()] == [("GET", "/sparql/data.ttl")]
    ask = opened.get("/sparql", params={"query": f'ASK {{ GRAPH <{graph}> {{ ?s ?p "canary" }} }}'})
    assert ask.json()["boolean"] is True


def test_a_redirect_out_of_the_allow_list_is_not_followed(opened: TestClient, canary: Canary) -> None:
    canary.take()
    load = f"LOAD <{canary.url}/sparql/redirect.ttl>"
    refused = opened.post("/sparql", content=load.encode(), headers=UPDATE_TYPE)
    _refused(refused)
    assert "localhost" in refused.json()["message"]
    assert [hit.path for hit in canary.take()] == ["/sparql/redirect.ttl"]
    # The engine does not follow a SERVICE endpoint's redirect either: the query fails.
    service = opened.get(
        "/sparql", params={"query": f"SELECT * {{ SERVICE <{canary.url}/sparql/redirect> {{ ?s ?p ?o }} }}"}
    )
    assert service.status_code >= 500
    assert [hit.path for hit in canary.take()] == ["/sparql/redirect"]
    # The engine wrote its error into a 200 body, which kg.engine.results refused as incomplete; the
    # error's traceback keeps the parser's pyoxigraph object in a reference cycle. Collect it on
    # the app's thread, which made it (pyoxigraph objects may not be freed on another).
    opened.portal.call(gc.collect)  # type: ignore[union-attr]
