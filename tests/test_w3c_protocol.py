"""The W3C SPARQL 1.1 Protocol test suite, replayed against ``/sparql``: one case per entry.

``tests/data/sparql11-protocol/manifest.ttl`` (read with rdflib) describes each test as HTTP
requests (method, path, headers, a body in a stated character encoding) and what each must get
back (a status class, a result format, the answer of an ASK). Every entry is run, in the
manifest's order, through the real app and each engine of tests/engines.py (a real managed
Oxigraph; Virtuoso, emptied, through the remote mode), with these adaptations, each allowed by
the manifest or the protocol:

- **Path.** The manifest writes every path under ``/sparql/`` and says to replace that by the
  endpoint's own path: ours is ``/sparql``. Requests go to ``http://www.example``, the
  manifest's ``ht:connectionAuthority``.
- **Authentication.** Updates on this server need the bearer token (``CLUSTERKG_UPDATE_TOKEN``);
  the suite assumes an open update endpoint, so every request carries the token, as a client
  with write access would send it. The refusal without it is tested in ``test_sparql_protocol``.
- **Test data.** ``ut:graphData`` (``data1.nt``... into the named graph its label names) is
  loaded before the test through our authenticated SPARQL Update (``INSERT DATA``), after
  ``DROP ALL``, so every case starts from its own data whatever ran before (``kg.write.pipeline`` is
  used, not a direct load into the store).
- **The dataset.** The update tests run ``CLEAR ALL`` and ``DROP ALL``. On the served graph
  those are refused by policy (403): the ontology graph is built from
  ``ontology/clusterkg.ttl`` and the inferred graph is kept by the server
  (:data:`kg.write.pipeline.PROTECTED`; :func:`test_clear_all_is_refused_on_the_served_graph`). The
  suite therefore runs over a store that holds only the suite's data: an empty Oxigraph store
  with a build manifest, served by the same code as the real one.

Nothing is skipped: every entry of the manifest has its case, and a new entry would too.
"""

from __future__ import annotations

import gc
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection
from rdflib.term import Node

from api import create_app
from kg.engine.local_store import MANIFEST
from kg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
from kg.settings import Settings

with warnings.catch_warnings():
    # starlette warns on import that it wants httpx2; pytest turns warnings into errors.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from conftest import TOKEN, virtuoso_settings

pytestmark = pytest.mark.engines  # against the managed Oxigraph and Virtuoso (tests/engines.py)

SUITE = Path(__file__).resolve().parent / "data" / "sparql11-protocol"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ENDPOINT = "/sparql"
AUTHORITY = "www.example"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

# mf:expectedFormat: the media types the suite names for each (its test names list them).
RESULT_TYPES = {
    "tabular": {
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "text/csv",
        "text/tab-separated-values",
    },
    "boolean": {"application/sparql-results+xml", "application/sparql-results+json"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples", "text/html"},
}


# --- The manifest -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """What a response must be: its status class, and optionally its format and ASK answer."""

    statuses: frozenset[int]  # hundreds: 2 for hts:StatusCode2xx
    format: str | None
    boolean: bool | None


@dataclass(frozen=True)
class ProtocolRequest:
    """One HTTP request of a test, as the manifest writes it."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    expected: Expected


@dataclass(frozen=True)
class ProtocolTest:
    """A manifest entry: its id, name, data to load first and its requests, in order."""

    id: str
    name: str
    graph_data: tuple[tuple[Path, str], ...]  # (file, graph IRI)
    requests: tuple[ProtocolRequest, ...]


def _items(graph: Graph, head: Node | None) -> list[Node]:
    return [] if head is None else list(Collection(graph, head))


def _status_class(code: Node) -> int:
    local = str(code).removeprefix(str(HTS))
    if not (local.startswith("StatusCode") and local.endswith("xx")):
        raise ValueError(f"unexpected status code term {code}")
    return int(local.removeprefix("StatusCode")[0])


def _request(graph: Graph, node: Node) -> ProtocolRequest:
    headers = tuple(
        (str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
        for h in _items(graph, graph.value(node, HT.headers))
    )
    body = None
    content = graph.value(node, HT.body)
    if content is not None:
        encoding = str(graph.value(content, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(content, CNT.chars)).encode(encoding)
    resp = graph.value(node, HT.resp)
    boolean = graph.value(resp, MF.expectedBoolean)
    fmt = graph.value(resp, MF.expectedFormat)
    expected = Expected(
        statuses=frozenset(_status_class(code) for code in graph.objects(resp, MF.expectedStatus)),
        format=None if fmt is None else str(fmt),
        boolean=None if boolean is None else bool(boolean.toPython()),  # type: ignore[attr-defined]
    )
    return ProtocolRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        expected=expected,
    )


def load_manifest(path: Path) -> list[ProtocolTest]:
    """Every test of a protocol manifest, in the order of its ``mf:entries``."""
    graph = Graph().parse(path, format="turtle")
    manifest = graph.value(predicate=RDF.type, object=MF.Manifest, any=False)
    tests = []
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        data = tuple(
            (SUITE / Path(urlsplit(str(graph.value(g, UT.graph))).path).name, str(graph.value(g, RDFS.label)))
            for g in graph.objects(entry, UT.graphData)
        )
        action = graph.value(entry, MF.action)
        assert str(graph.value(action, HT.connectionAuthority)) == AUTHORITY
        tests.append(
            ProtocolTest(
                id=str(entry).rsplit("#", 1)[1],
                name=str(graph.value(entry, MF.name)),
                graph_data=tuple(sorted(data, key=lambda d: d[1])),
                requests=tuple(_request(graph, r) for r in _items(graph, graph.value(action, HT.requests))),
            )
        )
    return tests


TESTS = load_manifest(SUITE / "manifest.ttl")


# --- The endpoint under test ----------------------------------------------------------------------


def empty_store(path: Path) -> Path:
    """An empty Oxigraph store directory with a build manifest, as ``clusterkg serve`` expects."""
    store = ox.Store(str(path))
    store.flush()
    del store
    gc.collect()  # close RocksDB before the engine opens the directory
    manifest = {"store": str(path), "files": [], "triples": 0, "note": "W3C protocol suite"}
    (path / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def suite_client(
    engine: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over an empty store (writes on), addressed as the manifest's authority: a new
    managed store, or the test Virtuoso emptied."""
    folder = tmp_path_factory.mktemp("w3c-protocol")
    if engine == "virtuoso":
        settings = virtuoso_settings(request.getfixturevalue("virtuoso"), folder / "no-store", load=False)
    else:
        store = empty_store(folder / "store")
        settings = Settings(store=store, update_token=TOKEN, query_timeout_s=10)
    with TestClient(create_app(settings), base_url=f"http://{AUTHORITY}") as client:
        yield client


def _update(client: TestClient, text: str) -> None:
    response = client.post(
        ENDPOINT, content=text, headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 204, response.text


def load_graph_data(client: TestClient, test: ProtocolTest) -> None:
    """Start from an empty dataset holding the test's ``ut:graphData``, through SPARQL Update."""
    _update(client, "DROP ALL")
    for path, graph in test.graph_data:
        _update(client, f"INSERT DATA {{ GRAPH <{graph}> {{\n{path.read_text(encoding='utf-8')}}} }}")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_response(response: object, expected: Expected) -> None:
    """Check a response against the manifest's expectations (status, format, boolean)."""
    status: int = response.status_code  # type: ignore[attr-defined]
    body: bytes = response.content  # type: ignore[attr-defined]
    assert status // 100 in expected.statuses, f"status {status}: {body[:500]!r}"
    if expected.format is None:
        return
    media_type = _media_type(response.headers.get("content-type", ""))  # type: ignore[attr-defined]
    assert media_type in RESULT_TYPES[expected.format], media_type
    if expected.format == "RDF":
        quads = list(ox.parse(body, format=ox.RdfFormat.from_media_type(media_type)))
        assert all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
        return
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.from_media_type(media_type))
    if expected.format == "tabular":
        assert isinstance(parsed, ox.QuerySolutions)
        assert len(list(parsed)) >= 1
        return
    assert isinstance(parsed, ox.QueryBoolean)
    if expected.boolean is not None:
        assert bool(parsed) is expected.boolean


def test_the_manifest_is_read_whole() -> None:
    """Every entry becomes a case with at least one request and an expected status."""
    assert len(TESTS) == 34
    assert len({t.id for t in TESTS}) == len(TESTS)
    assert all(t.requests and all(r.expected.statuses for r in t.requests) for t in TESTS)
    assert all(r.path.startswith("/sparql/") for t in TESTS for r in t.requests)


@pytest.mark.parametrize("test", TESTS, ids=[t.id for t in TESTS])
def test_w3c_protocol(suite_client: TestClient, test: ProtocolTest) -> None:
    load_graph_data(suite_client, test)
    for request in test.requests:
        response = suite_client.request(
            request.method,
            ENDPOINT + request.path.removeprefix("/sparql/"),
            content=request.body,
            headers={**dict(request.headers), **AUTH},
            follow_redirects=False,
        )
        check_response(response, request.expected)


def test_clear_all_is_refused_on_the_served_graph(client: TestClient) -> None:
    """Why the suite runs over its own store: on the served graph, CLEAR ALL would clear the
    ontology and inferred graphs, which only ``clusterkg build`` writes; it is refused whole."""
    response = client.post(
        ENDPOINT, content="CLEAR ALL", headers={**AUTH, "Content-Type": "application/sparql-update"}
    )
    assert response.status_code == 403
    assert response.json()["error"] == "policy-refused"
    message = response.json()["message"]  # names the first protected graph the engine listed
    assert str(ONTOLOGY_GRAPH) in message or str(INFERRED_GRAPH) in message, message
    ask = client.get(ENDPOINT, params={"query": f"ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"})
    assert ask.json()["boolean"] is True
