"""Operations: /health, /metrics and the structured access log, on the real app and engine."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from api.access_log import query_hash

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def test_health_names_the_managed_engine(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["engine"] == "managed"
    assert isinstance(body["engine_pid"], int)


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if not line.startswith("#") and line.rsplit(" ", 1)[0] == name:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_queries_by_outcome_refusals_and_sizes(client: TestClient) -> None:
    assert client.get("/sparql", params={"query": COUNT}).status_code == 200
    assert client.get("/sparql", params={"query": COUNT}).status_code == 200
    refused = client.get(
        "/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"}
    )
    assert refused.status_code == 403
    text = client.get("/metrics").text
    assert _metric(text, 'clusterkg_sparql_requests_total{kind="query",outcome="ok"}') == 2.0
    assert _metric(text, 'clusterkg_sparql_refusals_total{reason="federation"}') == 1.0
    assert _metric(text, "clusterkg_sparql_result_bytes_count") == 2.0
    assert _metric(text, 'clusterkg_sparql_duration_seconds_count{kind="query"}') == 2.0


def test_one_json_log_line_per_request_with_the_query_hash(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="clusterkg.access"):
        assert client.get("/sparql", params={"query": COUNT}).status_code == 200
        assert client.get("/health").status_code == 200
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "clusterkg.access"]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/sparql", 200),
        ("GET", "/health", 200),
    ]
    assert lines[0]["query_hash"] == query_hash(COUNT)
    assert lines[0]["query_kind"] == "query"
    assert lines[0]["duration_ms"] > 0
    assert "query_hash" not in lines[1]
    assert COUNT not in caplog.text


def test_void_lists_the_dumps_with_size_and_date(client: TestClient) -> None:
    from rdflib import Graph, URIRef

    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.text, format="turtle")
    dumps = sorted(str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump")))
    assert [d.rsplit("/", 1)[1] for d in dumps] == ["clusterkg.nq.gz", "clusterkg.trig"]
    for dump in dumps:
        size = void.value(URIRef(dump), URIRef("http://www.w3.org/ns/dcat#byteSize"))
        assert size is not None and int(size) > 1000
        assert void.value(URIRef(dump), URIRef("http://purl.org/dc/terms/modified")) is not None
        path = dump.split("://", 1)[1].split("/", 1)[1]
        download = client.get("/" + path)
        assert download.status_code == 200
        assert len(download.content) == int(size)
