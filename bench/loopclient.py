"""A minimal HTTP/1.1 keep-alive client over one blocking socket, for benchmarks on loopback.

Why: the latency benchmarks put our server beside a bare ``oxigraph serve`` and a bare FastAPI
route, whose point lookups take 0.1-0.5 ms on this machine. A general client costs about as
much per request: measured against a bare ``oxigraph serve`` (a point lookup, 2,000 requests
each, the client's ``time.process_time``), httpx 0.78 ms of CPU, ``http.client`` 0.18-0.21 ms,
this client 0.07 ms (most of it the kernel's send and receive). That blurs the difference
being measured and, in throughput runs, takes a core from the servers. This one
does what a benchmark needs and nothing else: one socket (``TCP_NODELAY``), requests encoded
beforehand (:meth:`Connection.prepare`) and sent with one ``sendall``, so that the timed part
of a request is its send and the read of its answer (:meth:`Connection.exchange`).

What it reads: a status line and headers (names in lower case; repeated ones joined with
``", "``), then a body of ``Content-Length`` bytes, a ``Transfer-Encoding: chunked`` body
(extensions and trailers skipped), or, with neither, everything up to the server's close. No
body after a ``HEAD`` or with 1xx, 204 and 304; interim 1xx answers are skipped. After
``Connection: close`` (or an HTTP/1.0 answer without keep-alive, or a body read to the close),
the socket is closed and the next request opens a new one.

Failures: an answer that is not HTTP/1.x is a :class:`MalformedAnswer`; a connection that ends
mid-answer is a :class:`ConnectionError`; a timeout is :class:`TimeoutError` (``timeout_s`` per
socket operation). After any of them the socket is closed (its late bytes must not be read as
the next answer). A kept connection that the server closed before answering (no byte came back,
or the send failed) is opened again and the request sent once more: only use it for requests
that may be repeated, as a benchmark's reads are. A kept connection idle longer than
``idle_s`` is first checked for bytes the server wrote unasked (the Oxigraph server answers a
connection idle for about 30 s with an error of its own, then closes it): if any, or if it was
closed, a new one is opened. Not supported: TLS, proxies, redirects, compression, cookies,
authentication schemes beyond the headers one passes, request bodies other than bytes.

>>> message = Connection("127.0.0.1", 7878).prepare("GET", "/sparql?query=ASK%7B%7D", {"Accept": "*/*"})
>>> message
b'GET /sparql?query=ASK%7B%7D HTTP/1.1\\r\\nHost: 127.0.0.1:7878\\r\\nAccept: */*\\r\\n\\r\\n'
>>> Connection("127.0.0.1", 7878).prepare("POST", "/echo", {}, b"abc")[-26:]
b'\\r\\nContent-Length: 3\\r\\n\\r\\nabc'
>>> parse_head(b"HTTP/1.1 304 Not Modified\\r\\nETag: \\"v1\\"\\r\\nVary: A\\r\\nvary: B")
(304, 'HTTP/1.1', {'etag': '"v1"', 'vary': 'A, B'})
>>> try:
...     parse_head(b"<html>")
... except MalformedAnswer as error:
...     print(error)
not an HTTP/1.x status line: b'<html>'
"""

from __future__ import annotations

import json
import select
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DESCRIPTION = "raw-socket HTTP/1.1 keep-alive (bench/loopclient.py)"
"""What the benchmarks print on their ``client:`` line."""

RECV = 256 * 1024
"""Most bytes read by one ``recv``."""

HEAD_LIMIT = 64 * 1024
"""Most bytes of a status line and headers."""

NO_BODY = frozenset({204, 304})


class MalformedAnswer(Exception):
    """The server answered something that is not HTTP/1.x (or not a body we can read)."""


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer: its status, headers (names in lower case) and whole body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body read as JSON."""
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as UTF-8 text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


def parse_head(head: bytes) -> tuple[int, str, dict[str, str]]:
    """The status, HTTP version and headers of an answer's head (without its final blank line)."""
    lines = head.split(b"\r\n")
    status_line = lines[0]
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or len(parts[1]) != 3 or not parts[1].isdigit():
        raise MalformedAnswer(f"not an HTTP/1.x status line: {status_line[:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip():
            raise MalformedAnswer(f"not a header line: {line[:80]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip().decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return int(parts[1]), parts[0].decode("ascii"), headers


class _Stale(Exception):
    """A kept connection ended before any byte of the answer came back."""


class Connection:
    """One keep-alive HTTP/1.1 connection to ``host:port`` (opened on first use, reopened as needed).

    Not thread-safe: give each thread its own.
    """

    def __init__(self, host: str, port: int, *, timeout_s: float = 60.0, idle_s: float = 5.0) -> None:
        self.host, self.port = host, port
        self.timeout_s, self.idle_s = timeout_s, idle_s
        self.opened = 0
        """How many sockets this connection has opened (a new one after each close)."""
        self._sock: socket.socket | None = None
        self._buf = bytearray()
        self._served = False  # the socket has answered a request: a failure before any byte is "stale"
        self._last = 0.0

    @classmethod
    def to(cls, url: str, *, timeout_s: float = 60.0) -> tuple[Connection, str]:
        """A connection to the server of an ``http://`` URL, and the URL's target (path and query)."""
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"loopclient speaks plain http:// only, not {url!r}")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return cls(parts.hostname, parts.port or 80, timeout_s=timeout_s), target

    def prepare(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> bytes:
        """A request's bytes, to send with :meth:`exchange` (``Host`` and ``Content-Length`` added)."""
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if body is not None or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body or b'')}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")

    def request(
        self, method: str, target: str, headers: dict[str, str] | None = None, body: bytes | None = None
    ) -> Answer:
        """Send one request and read its answer."""
        return self.exchange(self.prepare(method, target, headers, body), head=method == "HEAD")

    def exchange(self, message: bytes, *, head: bool = False) -> Answer:
        """Send a prepared request (:meth:`prepare`) and read its answer (``head``: it was a HEAD)."""
        if self._sock is not None and time.monotonic() - self._last > self.idle_s and self._spoke():
            self.close()
        try:
            return self._once(message, head)
        except _Stale:
            pass
        try:  # once more on a new socket: the server had closed the kept one
            return self._once(message, head)
        except _Stale:
            raise ConnectionError(
                f"{self.host}:{self.port} closed the connection without answering"
            ) from None

    def connect(self) -> None:
        """Open the socket now (so that its set-up is not timed), or check a kept idle one."""
        if self._sock is not None and time.monotonic() - self._last > self.idle_s and self._spoke():
            self.close()
        if self._sock is None:
            self._open()

    def close(self) -> None:
        """Close the socket (the next request opens a new one)."""
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._buf.clear()
        self._served = False

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- inside -----------------------------------------------------------------------------------

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout_s)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock, self._served = sock, False
        self._buf.clear()
        self.opened += 1
        return sock

    def _spoke(self) -> bool:
        """Whether an idle socket has something to read: bytes written unasked, or its close."""
        if self._buf:
            return True
        assert self._sock is not None
        readable, _, _ = select.select([self._sock], [], [], 0)
        return bool(readable)

    def _once(self, message: bytes, head: bool) -> Answer:
        sock = self._sock or self._open()
        kept = self._served
        try:
            try:
                sock.sendall(message)
            except (BrokenPipeError, ConnectionResetError):
                if kept:
                    raise _Stale from None
                raise
            answer, keep = self._read(sock, head, kept)
        except BaseException:
            self.close()
            raise
        if keep:
            self._served, self._last = True, time.monotonic()
        else:
            self.close()
        return answer

    def _fill(self, sock: socket.socket) -> bool:
        """Read more bytes into the buffer; False at the end of the stream."""
        chunk = sock.recv(RECV)
        if not chunk:
            return False
        self._buf += chunk
        return True

    def _read(self, sock: socket.socket, head_only: bool, kept: bool) -> tuple[Answer, bool]:
        buf = self._buf
        while True:  # skip interim (1xx) answers
            start = 0
            while (end := buf.find(b"\r\n\r\n", start)) < 0:
                if len(buf) > HEAD_LIMIT:
                    raise MalformedAnswer(f"no end of headers in the first {HEAD_LIMIT} bytes")
                start = max(0, len(buf) - 3)
                try:
                    more = self._fill(sock)
                except ConnectionResetError:
                    if kept and not buf:
                        raise _Stale from None
                    raise
                if not more:
                    if kept and not buf:
                        raise _Stale
                    raise ConnectionError(f"the server closed the connection mid-answer ({len(buf)} bytes)")
            status, version, headers = parse_head(bytes(buf[:end]))
            del buf[: end + 4]
            if 100 <= status < 200 and status != 101:
                kept = False  # bytes came: a failure now is not a stale connection
                continue
            break
        tokens = {t.strip() for t in headers.get("connection", "").lower().split(",")}
        keep = "close" not in tokens and (version != "HTTP/1.0" or "keep-alive" in tokens)
        if head_only or status in NO_BODY or 100 <= status < 200:
            return Answer(status, headers, b""), keep
        if "chunked" in headers.get("transfer-encoding", "").lower():
            return Answer(status, headers, self._chunked(sock)), keep
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit():
                raise MalformedAnswer(f"Content-Length is not a number: {length[:40]!r}")
            n = int(length)
            while len(buf) < n:
                if not self._fill(sock):
                    raise ConnectionError(f"the server closed the connection after {len(buf)} of {n} bytes")
            body = bytes(buf[:n])
            del buf[:n]
            return Answer(status, headers, body), keep
        while self._fill(sock):  # neither: the body runs to the close
            pass
        body = bytes(buf)
        buf.clear()
        return Answer(status, headers, body), False

    def _line(self, sock: socket.socket) -> bytes:
        buf = self._buf
        while (end := buf.find(b"\r\n")) < 0:
            if len(buf) > HEAD_LIMIT:
                raise MalformedAnswer("a chunk size or trailer line too long")
            if not self._fill(sock):
                raise ConnectionError("the server closed the connection inside a chunked body")
        line = bytes(buf[:end])
        del buf[: end + 2]
        return line

    def _chunked(self, sock: socket.socket) -> bytes:
        buf, parts = self._buf, list[bytes]()
        while True:
            size_text = self._line(sock).split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise MalformedAnswer(f"not a chunk size: {size_text[:40]!r}") from None
            if size == 0:
                while self._line(sock):  # trailers, up to the blank line
                    pass
                return b"".join(parts)
            while len(buf) < size + 2:
                if not self._fill(sock):
                    raise ConnectionError("the server closed the connection inside a chunk")
            if buf[size : size + 2] != b"\r\n":
                raise MalformedAnswer("a chunk not followed by CRLF")
            parts.append(bytes(buf[:size]))
            del buf[: size + 2]
