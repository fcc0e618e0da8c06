"""``bench/loopclient.py`` against a real HTTP/1.1 server on 127.0.0.1 (``http.server`` in a
thread): bodies by length, chunked and to the close, HEAD and 304 without a body, the server's
``Connection: close``, a kept connection the server closed, bytes written unasked on an idle
one, a malformed answer; the module's own examples; and ``bench_serving.measure`` with it
against a bare ``oxigraph serve`` (the bench's threads and its comparison of answers).
"""

from __future__ import annotations

import doctest
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import bench_serving
import loopclient
from loopclient import Connection, MalformedAnswer

BIG = bytes(range(256)) * 4096  # 1 MiB: many reads


class Handler(BaseHTTPRequestHandler):
    """Answers by path; counts the connections it was given."""

    protocol_version = "HTTP/1.1"
    connections = 0
    lock = threading.Lock()

    def setup(self) -> None:
        super().setup()
        with Handler.lock:
            Handler.connections += 1

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._send(200, b"echo:" + body, Content_Length=str(len(body) + 5))

    def do_GET(self) -> None:
        path = self.path
        if path == "/length":
            self._send(200, b"hello", Content_Length="5", X_Twice="a")
        elif path == "/big":
            self._send(200, BIG, Content_Length=str(len(BIG)))
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"abc", BIG):
                self.wfile.write(f"{len(piece):x};ext=1\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
        elif path == "/not-modified":
            self._send(304, b"", ETag='"v1"', Content_Length="99")  # a 304 has no body whatever it says
        elif path == "/close":
            self._send(200, b"bye", Content_Length="3", Connection="close")
            self.close_connection = True
        elif path == "/to-the-end":  # neither length nor chunked: the body runs to the close
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
            self.close_connection = True
        elif path == "/drop":  # answers as if kept alive, then closes without a word
            self._send(200, b"kept?", Content_Length="5")
            self.close_connection = True
        elif path == "/unasked":  # answers, then writes an error unasked and closes (as Oxigraph does)
            self._send(200, b"fine", Content_Length="4")
            self.wfile.flush()
            time.sleep(0.05)
            self.wfile.write(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nidle")
            self.close_connection = True
        elif path == "/garbage":
            self.wfile.write(b"<html>not http</html>\r\n\r\n")
            self.close_connection = True
        elif path == "/short":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            self.close_connection = True
        elif path == "/continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            self._send(200, b"after", Content_Length="5")
        else:
            self._send(404, b"no", Content_Length="2")


@pytest.fixture()
def port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_bodies_by_length_and_chunked_on_one_kept_connection(port: int) -> None:
    with Connection("127.0.0.1", port, timeout_s=10) as conn:
        answer = conn.request("GET", "/length")
        assert (answer.status, answer.body, answer.headers["content-length"]) == (200, b"hello", "5")
        assert answer.headers["x-twice"] == "a"  # names in lower case
        assert conn.request("GET", "/big").body == BIG
        chunked = conn.request("GET", "/chunked")
        assert chunked.status == 200 and chunked.body == b"abc" + BIG
        assert conn.request("POST", "/echo", {"Content-Type": "text/plain"}, b"x" * 70_000).body == (
            b"echo:" + b"x" * 70_000
        )
        message = conn.prepare("GET", "/length", {"Accept": "*/*"})
        assert [conn.exchange(message).body for _ in range(3)] == [b"hello"] * 3
        assert conn.request("GET", "/continue").body == b"after"  # the interim answer skipped
        assert conn.request("GET", "/nothing-here").status == 404
        assert conn.opened == 1  # everything on the one socket


def test_head_and_304_have_no_body(port: int) -> None:
    with Connection("127.0.0.1", port, timeout_s=10) as conn:
        head = conn.request("HEAD", "/length")
        assert (head.status, head.body, head.headers["content-length"]) == (200, b"", "5")
        not_modified = conn.request("GET", "/not-modified", {"If-None-Match": '"v1"'})
        assert (not_modified.status, not_modified.body, not_modified.headers["etag"]) == (304, b"", '"v1"')
        assert conn.request("GET", "/length").body == b"hello"  # nothing left over in between
        assert conn.opened == 1


def test_connection_close_and_a_body_to_the_close_open_a_new_socket(port: int) -> None:
    with Connection("127.0.0.1", port, timeout_s=10) as conn:
        assert conn.request("GET", "/close").body == b"bye"
        assert conn.request("GET", "/to-the-end").body == b"until the end"
        assert conn.request("GET", "/length").body == b"hello"
        assert conn.opened == 3


def test_a_kept_connection_closed_by_the_server_is_opened_again_once(port: int) -> None:
    with Connection("127.0.0.1", port, timeout_s=10) as conn:
        assert conn.request("GET", "/drop").body == b"kept?"
        time.sleep(0.05)  # the server has closed it meanwhile, saying nothing
        assert conn.request("GET", "/length").body == b"hello"
        assert conn.opened == 2


def test_bytes_written_unasked_on_an_idle_connection_are_not_an_answer(port: int) -> None:
    with Connection("127.0.0.1", port, timeout_s=10, idle_s=0.1) as conn:
        assert conn.request("GET", "/unasked").body == b"fine"
        time.sleep(0.3)  # past idle_s: the unasked 500 is waiting on the socket
        answer = conn.request("GET", "/length")
        assert (answer.status, answer.body, conn.opened) == (200, b"hello", 2)


def test_malformed_and_short_answers_raise_and_close(port: int) -> None:
    with Connection("127.0.0.1", port, timeout_s=10) as conn:
        with pytest.raises(MalformedAnswer, match=r"not an HTTP/1\.x status line"):
            conn.request("GET", "/garbage")
        with pytest.raises(ConnectionError, match="after 3 of 10 bytes"):
            conn.request("GET", "/short")
        assert conn.request("GET", "/length").body == b"hello"
        assert conn.opened == 3


def test_a_server_that_never_answers_times_out() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:
        conn = Connection("127.0.0.1", silent.getsockname()[1], timeout_s=0.2)
        with pytest.raises(TimeoutError):
            conn.request("GET", "/")
        conn.close()


def test_to_takes_http_urls_only() -> None:
    conn, target = Connection.to("http://127.0.0.1:7878/sparql?a=1")
    assert (conn.host, conn.port, target) == ("127.0.0.1", 7878, "/sparql?a=1")
    with pytest.raises(ValueError, match="plain http"):
        Connection.to("https://example.org/sparql")


def test_the_module_examples_hold() -> None:
    result = doctest.testmod(loopclient)
    assert result.attempted >= 4 and result.failed == 0


def test_the_serving_bench_measures_a_bare_oxigraph_with_it(built_store: Path, tmp_path: Path) -> None:
    server = bench_serving.start_bare_copy(
        "bare", built_store, tmp_path / "bare-store", tmp_path / "bare.log", timeout_s=60
    )
    count = bench_serving.Query("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    types = bench_serving.Query("types", "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } ORDER BY ?s ?t LIMIT 5")
    conns = [bench_serving.connection(server, 30) for _ in range(3)]
    try:
        rows = bench_serving.measure(conns, server, count, requests=12, budget_s=60)
        graph = bench_serving.measure(conns, server, types, requests=6, budget_s=60)
        again = bench_serving.measure(conns, server, count, requests=3, budget_s=60)
    finally:
        for conn in conns:
            conn.close()
        server.stop()
    assert (len(rows.latencies), rows.errors, rows.budget_hit) == (12, 0, False)
    assert isinstance(rows.answer, list) and len(rows.answer) == 1
    (var, kind, value, datatype, _lang) = rows.answer[0][0]
    assert (var, kind, datatype) == ("n", "literal", bench_serving.XSD + "integer") and float(value) > 1000
    assert isinstance(graph.answer, frozenset) and len(graph.answer) == 5  # N-Triples parsed
    assert again.answer == rows.answer  # the comparison across runs and targets
    assert [conn.opened for conn in conns] == [1, 1, 1]  # each thread kept its connection
