"""api.express: the express lane answers a GET or HEAD query exactly as the app's general path
does (status, headers in order, body), with the cache off and on; it leaves every other request
to the general path; the errors it meets are answered by the general path; it logs, counts
and caches its answers as the general path does; a write is seen by its next answer."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.express import Express, ExpressApp
from tests.conftest import TOKEN, module_settings

JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
Headers = dict[str, str]
ROWS = 40
"""The app's row limit here (a query over it is refused, 413, by the lane's general path)."""
OK_QUERIES = 'clusterkg_sparql_requests_total{kind="query",outcome="ok"}'


pytestmark = pytest.mark.engines


@pytest.fixture(scope="module", params=[False, True], ids=["cache-off", "cache-on"])
def app(
    engine: str, request: pytest.FixtureRequest, built_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over a private copy of the built store (managed engine) or over Virtuoso, whose
    versions it trusts here (``sole_writer``: else no answer of a remote engine takes the lane)."""
    settings = module_settings(engine, request, built_store, tmp_path_factory).model_copy(
        update={"cache": request.param, "result_limit_rows": ROWS, "sole_writer": True}
    )
    with TestClient(create_app(settings)) as client:
        yield client


def lane_of(client: TestClient) -> Express:
    app = client.app
    assert isinstance(app, ExpressApp) and app.express is not None
    return app.express


def both(client: TestClient, method: str, url: str, headers: dict[str, str]) -> tuple[object, object]:
    """The same request through the lane (if it takes it) and through the general path, each
    with an empty result cache: (status, headers in order, body) of each."""
    express = lane_of(client)
    answers = []
    for lane in (express, None):
        express.cache.results.clear()
        before = counts(client)
        client.app.express = lane  # type: ignore[attr-defined]
        try:
            answer = client.request(method, url, headers=headers)
        finally:
            client.app.express = express  # type: ignore[attr-defined]
        after = counts(client)
        counted = {name: after[name] - before.get(name, 0.0) for name in after}
        answers.append((answer.status_code, answer.headers.multi_items(), answer.content, counted))
    return answers[0], answers[1]


def counts(client: TestClient) -> dict[str, float]:
    """The app's counters (and the counts of its histograms), by name and labels."""
    out = {}
    for line in client.get("/metrics").text.splitlines():
        name, _, value = line.rpartition(" ")
        if line.startswith("clusterkg_") and ("_total" in name or "_count" in name):
            out[name] = float(value)
    return out


def url(**params: str) -> str:
    return "/sparql?" + urlencode(params)


def taken(
    client: TestClient, method: str, target: str, headers: dict[str, str], *, clear: bool = True
) -> bool:
    """Whether the lane takes this request (asked with the request's scope, nothing sent), the
    result cache emptied first unless ``clear`` is false."""
    path, _, query = target.partition("?")
    raw = [(b"host", b"testserver"), *((k.lower().encode(), v.encode()) for k, v in headers.items())]
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "query_string": query.encode(),
        "headers": raw,
        "scheme": "http",
        "server": ("testserver", 80),
    }
    if clear:
        lane_of(client).cache.results.clear()
    return lane_of(client).take(scope) is not None


SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o LIMIT 7"
TAKEN = [
    ("GET", url(query=SELECT), {"Accept": JSON}),
    ("HEAD", url(query=SELECT), {"Accept": JSON}),
    ("GET", url(query=SELECT), {}),
    ("GET", url(query=SELECT), {"Accept": "text/csv"}),
    ("GET", url(query=SELECT), {"Accept": "text/tab-separated-values"}),
    ("GET", url(query=SELECT), {"Accept": "application/sparql-results+xml"}),
    ("GET", url(query=SELECT, format="csv"), {}),
    ("GET", url(query="ASK { ?s ?p ?o }"), {"Accept": JSON}),
    ("GET", url(query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"), {"Accept": "text/turtle"}),
    (
        "GET",
        url(query="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5"),
        {"Accept": "application/n-triples"},
    ),
    ("GET", url(query="DESCRIBE <https://w3id.org/clusterkg/id/cluster/biomed>"), {}),
    ("GET", url(query=SELECT, timeout="5"), {}),
    ("GET", url(query="SELECT * { ?s ?p ?o } LIMIT 2", **{"default-graph-uri": "http://example.org/g"}), {}),
    ("GET", url(query="SELECT ?s WHERE { ?s a <http://example.org/Nothing> }"), {"Accept": JSON}),
]
FAILING = [
    ("GET", url(query="SELECT * WHERE { ?s ?p }"), {"Accept": JSON}),  # the engine's syntax error
    ("GET", url(query="SELECT * WHERE { ?s ?p ?o } LIMIT 100"), {"Accept": JSON}),  # over the row limit
]
GENERAL = [
    ("GET", url(query=SELECT), {"Origin": "http://example.org"}),
    ("GET", url(query=SELECT), {"If-None-Match": '"x"'}),
    ("GET", url(query=SELECT), {"If-Modified-Since": "Mon, 07 Dec 2026 03:41:37 GMT"}),
    ("GET", url(query=SELECT), {"Range": "bytes=0-10"}),
    ("GET", url(query=SELECT, version="1"), {}),
    ("GET", url(query="SELECT (RAND() AS ?r) {}"), {}),
    ("GET", url(query="SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"), {}),
    ("GET", url(query="SELECT * WHERE { ?s ?p ?o"), {}),  # malformed: refused before the engine
    ("GET", url(query=SELECT, timeout="-1"), {}),
    ("GET", url(query=SELECT) + "&" + urlencode({"query": "ASK {}"}), {}),
    ("GET", url(update="CLEAR ALL"), {}),
    ("GET", "/sparql", {"Accept": "text/turtle"}),  # the service description
    ("POST", url(query=SELECT), {}),
    ("GET", "/sparql/", {}),
    ("GET", "/sparql?query=%FF", {}),  # not UTF-8: a 400 of the general path
    ("GET", url(query=SELECT), {"Accept": "image/png"}),  # nothing acceptable: 406
    ("GET", url(query=SELECT), {"Accept": "text/plain"}),
]


@pytest.mark.parametrize(("method", "target", "headers"), TAKEN + FAILING)
def test_the_lane_answers_as_the_general_path(
    app: TestClient, method: str, target: str, headers: dict[str, str]
) -> None:
    assert taken(app, method, target, headers)
    lane, general = both(app, method, target, headers)
    assert lane == general


@pytest.mark.parametrize(("method", "target", "headers"), GENERAL)
def test_other_requests_take_the_general_path(
    app: TestClient, method: str, target: str, headers: dict[str, str]
) -> None:
    assert not taken(app, method, target, headers)


def test_the_answers_compared_are_real(app: TestClient) -> None:
    (status, headers, body, counted), _ = both(app, "GET", url(query=SELECT), {"Accept": JSON})
    names = [name for name, _ in headers]
    assert status == 200 and body.count(b'"type":') == 7 * 3
    assert names[:2] == ["content-length", "content-type"]
    assert {"etag", "last-modified", "cache-control", "vary", "clusterkg-version", "link"} <= set(names)
    assert dict(headers)["vary"] == "Accept, Origin"
    assert counted[OK_QUERIES] == 1
    (status, _, body, counted), _ = both(app, "GET", FAILING[0][1], {"Accept": JSON})
    assert status == 400 and b"query-error" in body
    assert counted['clusterkg_sparql_requests_total{kind="query",outcome="error"}'] == 1
    (status, _, body, _), _ = both(app, "GET", FAILING[1][1], {"Accept": JSON})
    assert status == 413 and f"more than {ROWS} rows".encode() in body


def test_a_repeated_request_is_a_hit_when_the_cache_is_on(app: TestClient) -> None:
    express = lane_of(app)
    express.cache.results.clear()
    target = url(query="SELECT ?s WHERE { ?s ?p ?o } LIMIT 3")
    first = app.get(target, headers={"Accept": JSON})
    second = app.get(target, headers={"Accept": JSON})
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    if express.settings.cache:
        assert (first.headers["clusterkg-cache"], second.headers["clusterkg-cache"]) == ("miss", "hit")
        assert not taken(app, "GET", target, {"Accept": JSON}, clear=False)  # the cache answers hits
    else:
        assert "clusterkg-cache" not in first.headers and "clusterkg-cache" not in second.headers


def test_the_lane_logs_and_counts_its_answers(app: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    lane_of(app).cache.results.clear()
    before = app.get("/metrics").text
    with caplog.at_level(logging.INFO, logger="clusterkg.access"):
        answer = app.get(url(query=SELECT), headers={"Accept": JSON})
    assert answer.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "clusterkg.access"]
    assert len(lines) == 1 and '"status": 200' in lines[0] and '"query_hash": ' in lines[0]
    assert f'"bytes": {len(answer.content)}' in lines[0]
    after = app.get("/metrics").text

    def ok(text: str) -> float:
        line = next(x for x in text.splitlines() if x.startswith(OK_QUERIES))
        return float(line.split()[-1])

    assert ok(after) == ok(before) + 1


def test_a_write_is_seen_by_the_next_answer(app: TestClient) -> None:
    query = "PREFIX t: <http://example.org/express-test/> SELECT ?v WHERE { GRAPH ?g { t:s t:p ?v } }"
    target = url(query=query)
    assert taken(app, "GET", target, {"Accept": JSON})
    first = app.get(target, headers={"Accept": JSON})
    assert first.json()["results"]["bindings"] == []
    update = "PREFIX t: <http://example.org/express-test/> INSERT DATA { GRAPH t:g { t:s t:p 'v' } }"
    written = app.post("/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert written.status_code == 204, written.text
    second = app.get(target, headers={"Accept": JSON})
    assert [b["v"]["value"] for b in second.json()["results"]["bindings"]] == ["v"]
    assert int(second.headers["clusterkg-version"]) == int(first.headers["clusterkg-version"]) + 1
    assert second.headers["etag"] != first.headers["etag"]


def test_an_answer_overtaken_by_a_commit_is_sent_as_the_general_path_sends_it(
    app: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit while the query ran: the answer's version is not known, so it goes out with
    ``no-cache``, an ``ETag`` of its bytes, no version, and is not kept."""
    import api.express
    import api.routers.sparql
    from api.sparql_query import execute

    versions = app.app.state.runtime.versions  # type: ignore[attr-defined]

    async def overtaken(*args: object, **kwargs: object) -> tuple[bytes, float]:
        answer = await execute(*args, **kwargs)  # type: ignore[arg-type]
        versions.advance(versions.current)  # a commit (of nothing) meanwhile
        return answer

    monkeypatch.setattr(api.express, "execute", overtaken)
    monkeypatch.setattr(api.routers.sparql, "execute", overtaken)
    target = url(query="SELECT ?s WHERE { ?s ?p ?o } LIMIT 2")
    assert taken(app, "GET", target, {"Accept": JSON})
    lane, general = both(app, "GET", target, {"Accept": JSON})
    assert lane == general
    status, headers, _, _ = lane  # type: ignore[misc]
    names = dict(headers)
    assert status == 200 and names["cache-control"] == "no-cache" and "clusterkg-version" not in names
    assert len(lane_of(app).cache.results) == 0
