"""HTTP caching and the result cache (api/cache) over the real app and a real managed Oxigraph:
validators by version, 304 without the engine, invalidation by writes, format negotiation,
POST queries, queries whose answer is not a function of the data, hostile input, and the
remote-engine rule (no version-based caching unless the layer is the only writer).
"""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI, Request

from api import create_app
from kg.settings import Settings
from kg.versions.state import Version

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

JSON = "application/sparql-results+json"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
MARK = "http://example.org/cache-test/"
MARKED = f"SELECT ?v WHERE {{ GRAPH ?g {{ <{MARK}s> <{MARK}p> ?v }} }} ORDER BY ?v"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class EngineCalls:
    """Counts the requests the app sends to its engine (the real engine still answers them)."""

    def __init__(self, app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        client = app.state.runtime.client
        send = client._send

        async def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await send(*args, **kwargs)

        monkeypatch.setattr(client, "_send", counting)


def app_client(settings: Settings, app: FastAPI | None = None) -> TestClient:
    return TestClient(app if app is not None else create_app(settings))


@pytest.fixture()
def uncached(app_settings: Settings) -> Iterator[TestClient]:
    """The app with the result cache off (the 304s still hold)."""
    with app_client(app_settings.model_copy(update={"cache": False})) as client:
        yield client


def select(client: TestClient, query: str, **headers: str) -> httpx.Response:
    return client.get("/sparql", params={"query": query}, headers={"Accept": JSON, **headers})


def values(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [row["v"]["value"] for row in response.json()["results"]["bindings"]]


def insert(client: TestClient, value: str) -> None:
    update = f'INSERT DATA {{ GRAPH <{MARK}g> {{ <{MARK}s> <{MARK}p> "{value}" }} }}'
    answer = client.post("/sparql", data={"update": update}, headers=AUTH)  # a form: read and replayed
    assert answer.status_code == 204, answer.text


def test_a_read_names_its_version_and_is_answered_from_the_cache(client: TestClient) -> None:
    first = select(client, COUNT)
    assert first.status_code == 200
    assert first.headers["etag"].startswith('W/"1-')
    assert first.headers["clusterkg-version"] == "1"
    assert first.headers["cache-control"] == "public, max-age=60"
    assert first.headers["clusterkg-cache"] == "miss"
    assert "Accept" in first.headers["vary"]
    version = client.app.state.runtime.versions.current  # type: ignore[attr-defined]
    assert first.headers["last-modified"] == version.time.strftime("%a, %d %b %Y %H:%M:%S GMT")
    link, rel, when = (part.strip() for part in first.headers["link"].split(";"))
    assert rel == 'rel="memento"' and when == f'datetime="{first.headers["last-modified"]}"'
    permalink = urlsplit(link.strip("<>"))
    assert permalink.path == "/sparql"
    assert parse_qs(permalink.query) == {"query": [COUNT], "version": ["1"]}
    again = select(client, COUNT)
    assert again.headers["clusterkg-cache"] == "hit" and again.content == first.content
    assert again.headers["etag"] == first.headers["etag"]
    head = client.head("/sparql", params={"query": COUNT}, headers={"Accept": JSON})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == first.headers["etag"] and head.headers["clusterkg-cache"] == "hit"
    assert head.headers["content-length"] == str(len(first.content))
    followed = client.get(link.strip("<>"), headers={"Accept": JSON})  # the permalink answers
    assert followed.status_code == 200 and followed.json() == first.json()
    metrics = client.get("/metrics").text
    assert "clusterkg_cache_hits_total 2.0" in metrics
    assert "clusterkg_cache_entries 2.0" in metrics  # the query and its permalink
    cross = select(client, COUNT, Origin="https://notebook.example")
    assert "clusterkg-version" in cross.headers["access-control-expose-headers"].lower()
    assert "ETag" not in client.get("/health").headers and "etag" not in client.get("/metrics").headers


def test_if_none_match_and_if_modified_since_are_answered_without_the_engine(
    uncached: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = uncached
    first = select(client, COUNT)
    tag = first.headers["etag"]
    assert "clusterkg-cache" not in first.headers  # the result cache is off
    calls = EngineCalls(client.app, monkeypatch)  # type: ignore[arg-type]
    for header in (tag, tag.removeprefix("W/"), f'"other", {tag}'):
        answer = select(client, COUNT, **{"If-None-Match": header})
        assert answer.status_code == 304, header
        assert answer.headers["etag"] == tag and answer.content == b""
        assert answer.headers["clusterkg-version"] == "1"
    since = select(client, COUNT, **{"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    for path in ("/api/clusters", "/id/cluster/biomed", "/ontology"):
        tag_of = client.get(path).headers["etag"]
        count = calls.count
        assert client.get(path, headers={"If-None-Match": tag_of}).status_code == 304, path
        assert calls.count == count, path
    head = client.head("/sparql", params={"query": COUNT}, headers={"Accept": JSON, "If-None-Match": tag})
    assert head.status_code == 304
    calls_before_misses = calls.count
    assert calls_before_misses == 2  # /api/clusters and /id/... were asked once each (/ontology is files)
    assert select(client, COUNT, **{"If-None-Match": '"other"'}).status_code == 200
    assert select(client, COUNT, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200
    assert select(client, COUNT, **{"If-None-Match": "garbage"}).status_code == 200
    assert calls.count == calls_before_misses + 3
    assert 'clusterkg_not_modified_total{engine="not asked"} 8.0' in client.get("/metrics").text
    # "*" matches only a representation that exists: known after the application answered
    star = select(client, COUNT, **{"If-None-Match": "*"})
    assert star.status_code == 304 and calls.count == calls_before_misses + 4
    missing = client.get("/id/no/such/thing", headers={"If-None-Match": "*", "Accept": "text/turtle"})
    assert missing.status_code == 404


def test_a_write_makes_the_next_read_answer_the_new_data(client: TestClient) -> None:
    before = select(client, MARKED)
    assert values(before) == []
    assert select(client, MARKED).headers["clusterkg-cache"] == "hit"
    insert(client, "one")
    after = select(client, MARKED)
    assert values(after) == ["one"]
    assert after.headers["clusterkg-version"] == "2" and after.headers["clusterkg-cache"] == "miss"
    assert after.headers["etag"] != before.headers["etag"]
    stale = select(client, MARKED, **{"If-None-Match": before.headers["etag"]})
    assert stale.status_code == 200 and values(stale) == ["one"]
    insert(client, "two")
    assert values(select(client, MARKED)) == ["one", "two"]
    assert "clusterkg_cache_entries 1.0" in client.get("/metrics").text


def test_formats_never_mix(client: TestClient) -> None:
    query = f"SELECT ?c WHERE {{ ?c a <https://w3id.org/clusterkg/ontology#Cluster> }} LIMIT 3 # {MARK}"
    accepts = {
        "application/sparql-results+json": b'"bindings"',
        "application/sparql-results+xml": b"<sparql",
        "text/csv": b"c\r\n",
        "text/tab-separated-values": b"?c",
    }
    tags = set()
    for _ in range(2):
        for accept, marker in accepts.items():
            answer = client.get("/sparql", params={"query": query}, headers={"Accept": accept})
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith(accept), accept
            assert marker in answer.content[:200], accept
            tags.add(answer.headers["etag"])
    assert len(tags) == len(accepts)
    by_param = client.get("/sparql", params={"query": query, "format": "csv"})
    assert by_param.headers["content-type"].startswith("text/csv")


def test_post_queries_direct_and_form_are_cached_with_a_get_permalink(client: TestClient) -> None:
    direct = {"Content-Type": "application/sparql-query", "Accept": JSON}
    first = client.post("/sparql", content=MARKED.encode(), headers=direct)
    second = client.post("/sparql", content=MARKED.encode(), headers=direct)
    assert (first.headers["clusterkg-cache"], second.headers["clusterkg-cache"]) == ("miss", "hit")
    assert second.content == first.content
    form = client.post("/sparql", data={"query": MARKED}, headers={"Accept": JSON})
    assert form.headers["clusterkg-cache"] == "miss"  # another body: another key
    assert (
        client.post("/sparql", data={"query": MARKED}, headers={"Accept": JSON}).headers["clusterkg-cache"]
        == "hit"
    )
    for answer in (first, form):
        link = answer.headers["link"].split(";")[0].strip("<>")
        assert parse_qs(urlsplit(link).query) == {"query": [MARKED], "version": ["1"]}
    # RFC 9110: a POST is not answered 304
    tagged = client.post("/sparql", content=MARKED.encode(), headers={**direct, "If-None-Match": "*"})
    assert tagged.status_code == 200
    insert(client, "posted")
    assert values(client.post("/sparql", content=MARKED.encode(), headers=direct)) == ["posted"]


def test_answers_that_are_not_a_function_of_the_data_are_not_cached(client: TestClient) -> None:
    query = 'SELECT ?t ?u WHERE { BIND(NOW() AS ?t) BIND(STRUUID() AS ?u) } # "NOW" in a comment'
    first = select(client, query)
    second = select(client, query)
    assert first.status_code == second.status_code == 200
    assert first.json() != second.json()
    for answer in (first, second):
        assert "clusterkg-cache" not in answer.headers
        assert answer.headers["cache-control"] == "no-cache"
        assert not answer.headers["etag"].startswith("W/")  # a hash of the bytes, not the version
        assert answer.headers["clusterkg-version"] == "1"  # still the data's version
    same = select(client, query, **{"If-None-Match": first.headers["etag"]})
    assert same.status_code == 200  # another answer: another tag
    quoted = select(client, 'SELECT ?v WHERE { VALUES ?v { "NOW()" "RAND()" } }')
    assert (
        select(client, 'SELECT ?v WHERE { VALUES ?v { "NOW()" "RAND()" } }').headers["clusterkg-cache"]
        == "hit"
    )
    assert quoted.headers["etag"].startswith('W/"1-')


def hostile(client: TestClient, limit: int) -> list[tuple[int, str]]:
    """The answers to requests the layer must leave to the application, twice each."""
    sent = [
        lambda: client.get("/sparql", params={"query": "SELEC * {"}),
        lambda: client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]),
        lambda: client.get("/sparql", params={"update": "CLEAR ALL"}),
        lambda: client.get("/sparql", params={"query": "INSERT DATA { <x:a> <x:b> <x:c> }"}),
        lambda: client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": "image/png"}),
        lambda: client.get("/sparql", params={"query": "SELECT * { SERVICE <http://203.0.113.1/> {} }"}),
        lambda: client.post(
            "/sparql", content=b"ASK {\xff}", headers={"Content-Type": "application/sparql-query"}
        ),
        lambda: client.post("/sparql", params={"query": "ASK {}"}, data={"query": "ASK {}"}),
        lambda: client.post("/sparql", data={"update": "CLEAR ALL"}),
        lambda: client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}),
        lambda: client.post(
            "/sparql", content=b"query=%ff", headers={"Content-Type": "application/x-www-form-urlencoded"}
        ),
        lambda: client.post(
            "/sparql", content=b"q" * (limit + 1), headers={"Content-Type": "application/sparql-query"}
        ),
        lambda: client.get("/api/clusters", params={"bogus": "1"}),
        lambda: client.get("/id/no/such/thing"),
    ]
    return [(r.status_code, r.text) for send in sent for r in (send(), send())]


def test_hostile_input_gets_the_same_answers_as_without_the_cache(
    built_store: Path, tmp_path: Path, app_settings: Settings
) -> None:
    limit = 4096
    settings = app_settings.model_copy(update={"body_limit_bytes": limit})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        cached = hostile(client, limit)
    copy = tmp_path / "bare-store"
    shutil.copytree(built_store, copy)
    bare_app = create_app(settings.model_copy(update={"store": copy}))
    bare_app.user_middleware = [m for m in bare_app.user_middleware if m.cls.__name__ != "HttpCache"]
    with TestClient(bare_app, raise_server_exceptions=False) as bare:
        expected = hostile(bare, limit)
    statuses = [status for status, _ in expected]
    assert all(400 <= s < 500 for s in statuses), statuses
    assert [s for s, _ in cached] == statuses
    assert cached == expected
    assert cached[0::2] == cached[1::2]  # never cached: the same answer twice


def test_an_answer_pinned_to_an_earlier_version_is_immutable(app_settings: Settings) -> None:
    app = create_app(app_settings)
    earlier = Version(1, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "build")

    @app.get("/api/pinned-test")
    async def pinned(request: Request) -> dict[str, str]:
        if request.query_params.get("version") == "1":
            request.state.dataset_version = earlier  # what VER's ?version=N does
        return {"answer": "of version " + request.query_params.get("version", "current")}

    with TestClient(app) as client:
        insert(client, "x")  # the current version is now 2
        answer = client.get("/api/pinned-test", params={"version": "1"})
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert answer.headers["last-modified"] == "Fri, 02 Jan 2026 03:04:05 GMT"
        assert answer.headers["clusterkg-version"] == "1"
        assert answer.headers["link"].startswith("</api/pinned-test?version=1>")
        again = client.get(
            "/api/pinned-test", params={"version": "1"}, headers={"If-None-Match": answer.headers["etag"]}
        )
        assert again.status_code == 304  # from the cache entry: the app is not asked
        current = client.get("/api/pinned-test")
        assert current.headers["clusterkg-version"] == "2"
        assert current.headers["cache-control"] == "public, max-age=60"


def test_an_untrusted_engine_gets_no_version_and_no_cache(
    app_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with app_client(app_settings.model_copy(update={"sole_writer": False})) as client:
        first = select(client, COUNT)
        second = select(client, COUNT)
        for answer in (first, second):
            assert "clusterkg-version" not in answer.headers and "link" not in answer.headers
            assert "clusterkg-cache" not in answer.headers and "last-modified" not in answer.headers
            assert answer.headers["cache-control"] == "no-cache"
        assert first.headers["etag"] == second.headers["etag"]  # the bytes' hash, strong
        assert not first.headers["etag"].startswith("W/")
        calls = EngineCalls(client.app, monkeypatch)  # type: ignore[arg-type]
        assert select(client, COUNT, **{"If-None-Match": first.headers["etag"]}).status_code == 304
        assert calls.count == 1  # the engine was asked: only it can tell
        insert(client, "untrusted")
        assert values(select(client, MARKED)) == ["untrusted"]


def test_the_cache_is_bounded_by_bytes_and_off_while_the_version_is_unknown(app_settings: Settings) -> None:
    with app_client(app_settings.model_copy(update={"cache_max_bytes": 8000})) as client:
        for i in range(12):  # answers of about 700 bytes, 2,000 cap a quarter: some must go
            query = f"SELECT ?c WHERE {{ ?c a <https://w3id.org/clusterkg/ontology#Cluster> }} LIMIT {i + 1}"
            assert select(client, query).status_code == 200
        metrics = client.get("/metrics").text
        held = float(re.search(r"^clusterkg_cache_bytes (\S+)$", metrics, re.M)[1])  # type: ignore[index]
        evicted = float(re.search(r"^clusterkg_cache_evictions_total (\S+)$", metrics, re.M)[1])  # type: ignore[index]
        assert 0 < held <= 8000 and evicted > 0
        client.app.state.runtime.versions.forget()  # type: ignore[attr-defined]  # a commit of unknown outcome
        assert "clusterkg_cache_entries 0.0" in client.get("/metrics").text
        answers = [select(client, COUNT) for _ in range(2)]
        for answer in answers:
            assert "clusterkg-cache" not in answer.headers and "clusterkg-version" not in answer.headers
            assert answer.headers["cache-control"] == "no-cache" and not answer.headers["etag"].startswith(
                "W/"
            )


def test_a_cited_permalink_gives_the_same_answer_after_later_writes(client: TestClient) -> None:
    """The whole promise of a citable result: the Link permalink of an answer, followed after
    the graph has changed, gives that answer again, named with its version, and is immutable."""
    insert(client, "cited")
    first = select(client, MARKED)
    assert values(first) == ["cited"]
    version = int(first.headers["clusterkg-version"])
    permalink = re.match(r"<([^>]+)>", first.headers["link"])
    assert permalink is not None
    target = urlsplit(permalink[1])
    assert parse_qs(target.query)["version"] == [str(version)]
    insert(client, "later")
    now = select(client, MARKED)
    assert values(now) == ["cited", "later"]
    assert int(now.headers["clusterkg-version"]) == version + 1
    again = client.get(f"{target.path}?{target.query}", headers={"Accept": JSON})
    assert values(again) == ["cited"]
    assert again.headers["clusterkg-version"] == str(version)
    assert "immutable" in again.headers["cache-control"]
    assert again.headers["last-modified"] == first.headers["last-modified"]
