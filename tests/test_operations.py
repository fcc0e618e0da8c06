"""Operations: /health, /metrics and the structured access log, on the real app and engine;
slow clients and ``serve --help`` on a real ``clusterkg serve`` process (small limits: 2 s for
headers and bodies, 1 s of keep-alive, 64 KiB of headers, 40 connections)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.access_log import query_hash
from kg.engine.memory import default_ceiling_mb
from kg.settings import Settings
from tests.served import Served, serving

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


# --- Slow clients and `serve --help`, on a real `clusterkg serve` -------------------------------

HEADER_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
SLACK_S = 1.5  # what a closing may take past its limit on a busy machine
HEADER_LIMIT = 65_536
CONNECTIONS = 40


@pytest.fixture(scope="module")
def served(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("slow-clients")
    store = folder / "store"
    shutil.copytree(built_store, store)
    with serving(
        store,
        folder / "serve.log",
        header_timeout_s=HEADER_TIMEOUT_S,
        body_timeout_s=BODY_TIMEOUT_S,
        header_limit_bytes=HEADER_LIMIT,
        keep_alive_s=1,
        connection_limit=CONNECTIONS,
    ) as server:
        yield server


def _connect(served: Served) -> socket.socket:
    host, port = served.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _trickle(sock: socket.socket, data: bytes, every_s: float, bound_s: float) -> tuple[float, bytes]:
    """Send ``data`` a byte every ``every_s`` until the server closes the connection (or
    ``bound_s`` passes); return when it closed (seconds from the start) and what it answered."""
    began = time.monotonic()
    answer = b""
    sock.setblocking(False)
    for byte in data:
        try:
            sock.send(bytes([byte]))
        except OSError:
            break
        next_byte = time.monotonic() + every_s
        closed = False
        while time.monotonic() < next_byte:
            ready, _, _ = select.select([sock], [], [], max(0.0, next_byte - time.monotonic()))
            if not ready:
                continue
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                closed = True
                break
            answer += chunk
        if closed or time.monotonic() - began > bound_s:
            break
    return time.monotonic() - began, answer


def _closed_within(sock: socket.socket, bound_s: float) -> tuple[float, bytes]:
    """Wait (sending nothing) until the server closes the connection; when, and what it sent."""
    began = time.monotonic()
    sock.settimeout(bound_s)
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except TimeoutError:
        return bound_s, answer
    except OSError:
        pass
    return time.monotonic() - began, answer


def test_headers_sent_a_byte_a_second_are_cut_off_at_the_header_deadline(served: Served) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 100 + b"\r\n\r\n"
    with _connect(served) as sock:
        closed_after, answer = _trickle(sock, request, every_s=1.0, bound_s=HEADER_TIMEOUT_S + 5)
    assert closed_after < HEADER_TIMEOUT_S + SLACK_S, f"held {closed_after:.1f} s"
    assert closed_after >= HEADER_TIMEOUT_S - 0.5
    assert answer.startswith(b"HTTP/1.1 408 ")


def test_a_connection_that_sends_nothing_is_closed_at_the_header_deadline(served: Served) -> None:
    with _connect(served) as sock:
        closed_after, answer = _closed_within(sock, HEADER_TIMEOUT_S + 5)
    assert HEADER_TIMEOUT_S - 0.5 <= closed_after < HEADER_TIMEOUT_S + SLACK_S
    assert answer == b""


def test_sixteen_slow_connections_are_all_cut_off_and_others_are_served_meanwhile(served: Served) -> None:
    request = b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
    results: list[tuple[float, bytes]] = []

    def slow() -> None:
        with _connect(served) as sock:
            results.append(_trickle(sock, request, every_s=0.5, bound_s=HEADER_TIMEOUT_S + 5))

    threads = [threading.Thread(target=slow) for _ in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    ask = httpx.get(f"{served.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert ask.status_code == 200 and ask.json()["boolean"] is True
    for thread in threads:
        thread.join(timeout=HEADER_TIMEOUT_S + 10)
    assert len(results) == 16
    assert max(after for after, _ in results) < HEADER_TIMEOUT_S + SLACK_S + 0.5


def test_a_body_sent_a_byte_at_a_time_gets_408_at_the_body_deadline(served: Served) -> None:
    query = b"ASK { ?s ?p ?o }" + b" " * 40
    head = (
        b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: " + str(len(query)).encode() + b"\r\n\r\n"
    )
    with _connect(served) as sock:
        sock.sendall(head)
        closed_after, answer = _trickle(sock, query, every_s=0.25, bound_s=BODY_TIMEOUT_S + 5)
    assert BODY_TIMEOUT_S - 0.5 <= closed_after < BODY_TIMEOUT_S + SLACK_S, f"held {closed_after:.1f} s"
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 408 Request Timeout", answer
    body = json.loads(rest.split(b"\r\n\r\n", 1)[1])
    assert body["error"] == "http-408" and "did not arrive within 2 s" in body["message"]


def test_a_body_in_time_is_answered(served: Served) -> None:
    def pieces() -> Iterator[bytes]:
        for piece in (b"ASK ", b"{ ?s ?p ", b"?o }"):
            time.sleep(0.3)
            yield piece

    answer = httpx.post(
        f"{served.url}/sparql",
        content=pieces(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        timeout=10,
    )
    assert answer.status_code == 200 and answer.json()["boolean"] is True


def test_headers_over_the_limit_get_431_and_the_connection_is_closed(served: Served) -> None:
    request = b"GET /health HTTP/1.1\r\nHost: localhost\r\n" + b"X-Big: " + b"b" * (HEADER_LIMIT + 1000)
    with _connect(served) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(request)
        _, answer = _closed_within(sock, 10)
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_an_idle_keep_alive_connection_is_closed(served: Served) -> None:
    with _connect(served) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        closed_after, answer = _closed_within(sock, 10)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert closed_after < 1 + SLACK_S


def test_past_the_connection_limit_requests_get_503(served: Served) -> None:
    idle = [_connect(served) for _ in range(CONNECTIONS)]
    try:
        refused = httpx.get(f"{served.url}/health", timeout=10)
        assert refused.status_code == 503
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 10
    while (answer := httpx.get(f"{served.url}/health", timeout=10)).status_code != 200:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.1)


def test_serve_help_lists_every_setting_with_its_default() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "kg.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("CLUSTERKG_")},
    ).stdout
    for name, field in Settings.model_fields.items():
        line = next((ln for ln in shown.splitlines() if ln.startswith(f"CLUSTERKG_{name.upper()} ")), None)
        assert line is not None, f"CLUSTERKG_{name.upper()} is not in serve --help"
        if isinstance(field.default, int | float | str) and not isinstance(field.default, bool):
            assert f"(default: {field.default})" in line
    assert f"CLUSTERKG_ENGINE_MEMORY_MB (default: {default_ceiling_mb()})" in shown
    assert "CLUSTERKG_BODY_TIMEOUT_S (default: 60.0)" in shown
