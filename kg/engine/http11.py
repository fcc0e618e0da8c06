"""A minimal HTTP/1.1 client for queries to an engine on loopback: the per-request fast path.

aiohttp is a general client (cookies, redirects, compression, proxies, middlewares, a writer
task per request), and on a point lookup it is most of what the layer costs: measured on
this machine against ``oxigraph serve`` (a 2.6 KB SPARQL Results JSON answer, one request at
a time), aiohttp took 0.24-0.33 ms of CPU and 0.42-0.64 ms of wall time per request, this
client 0.06 ms and 0.20 ms (``bench/bench_overhead.py`` measures the whole layer).

It speaks only what a query needs: a request with a body of bytes (``Content-Length``), no
redirects, no compression (it sends no ``Accept-Encoding``), answers with ``Content-Length``,
``Transfer-Encoding: chunked`` or, without either, up to the connection's end (interim 1xx
answers are read past, as RFC 9110 asks of a client). Idle
connections are kept for the next request (keep-alive); a connection is closed, never
reused, after any error or cancellation mid-request. A request on a kept connection that
the server had closed meanwhile (no byte of an answer came back) is sent again once on a new
connection: only queries come here, which change nothing. Every failure to talk to the
server is an :class:`OSError` (:class:`EngineConnectionError`), as the engine client expects.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from kg.errors import KgError

HEADER_LIMIT = 64 * 1024
"""Most bytes of an answer's status line and headers."""

IDLE_S = 5.0
"""A kept connection idle longer than this is closed, not reused. The Oxigraph server answers
a connection that stays idle too long with an error of its own (``500 Resource temporarily
unavailable (os error 11)``, its read timeout), written unasked: a request sent on it would
read that answer as its own (seen after 60 s idle). aiohttp's default is 15 s."""


class EngineConnectionError(ConnectionError):
    """The server closed the connection early, or answered what is not HTTP/1.1."""


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Idle = tuple[asyncio.StreamReader, asyncio.StreamWriter, float]


class LoopbackHTTP:
    """A pool of keep-alive HTTP/1.1 connections, for one engine at a time.

    ``limit`` requests run at once (more wait for a connection, as with aiohttp's connector).
    """

    def __init__(self, limit: int = 64, connect_timeout_s: float = 5.0) -> None:
        self._idle: dict[tuple[str, int], list[Idle]] = {}
        self._limit = limit
        self._slots = asyncio.Semaphore(limit)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.connect_timeout_s = connect_timeout_s

    def _bind(self) -> None:
        """Start afresh on a new event loop: connections belong to the loop that made them."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._idle = {}
            self._slots = asyncio.Semaphore(self._limit)
            self._loop = loop

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str],
        body: bytes | None,
        params: list[tuple[str, str]] | None,
        max_bytes: int,
        too_large: Callable[[], KgError],
    ) -> tuple[int, dict[str, str], bytes]:
        """Send one request; its status, headers (names in lower case) and whole body.

        :raises KgError: ``too_large()`` as soon as the body passes ``max_bytes``.
        :raises EngineConnectionError: (an OSError) when the server does not answer in HTTP.
        """
        key, netloc, target, query = _address(url)
        if params:
            query = f"{query}&{urlencode(params)}" if query else urlencode(params)
        if query:
            target = f"{target}?{query}"
        lines = [f"{method} {target} HTTP/1.1", f"Host: {netloc}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None or method == "POST":
            lines.append(f"Content-Length: {len(body or b'')}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        message = head + body if body else head
        self._bind()
        async with self._slots:
            reused, connection = await self._connection(key)
            try:
                return await self._exchange(key, connection, message, method, max_bytes, too_large)
            except _Stale:
                if not reused:
                    raise EngineConnectionError(
                        "the server closed the connection without answering"
                    ) from None
            _, connection = await self._connection(key, fresh=True)
            try:
                return await self._exchange(key, connection, message, method, max_bytes, too_large)
            except _Stale:
                raise EngineConnectionError("the server closed the connection without answering") from None

    async def _connection(self, key: tuple[str, int], *, fresh: bool = False) -> tuple[bool, Connection]:
        """A kept connection to ``key`` (True) or a new one (False)."""
        if not fresh:
            idle = self._idle.get(key)
            now = time.monotonic()
            while idle:
                reader, writer, since = idle.pop()
                if now - since < IDLE_S and not writer.is_closing() and _quiet(reader):
                    return True, (reader, writer)
                writer.close()
        for other in [k for k in self._idle if k != key]:  # a restarted engine has a new port
            for _, writer, _ in self._idle.pop(other):
                writer.close()
        async with asyncio.timeout(self.connect_timeout_s):
            reader, writer = await asyncio.open_connection(key[0], key[1], limit=HEADER_LIMIT)
        return False, (reader, writer)

    async def _exchange(
        self,
        key: tuple[str, int],
        connection: Connection,
        message: bytes,
        method: str,
        max_bytes: int,
        too_large: Callable[[], KgError],
    ) -> tuple[int, dict[str, str], bytes]:
        reader, writer = connection
        keep = False
        try:
            writer.write(message)
            try:
                head = await _read_head(reader)
            except asyncio.IncompleteReadError as exc:
                if not exc.partial:
                    raise _Stale from None
                raise EngineConnectionError("the server closed the connection mid-answer") from None
            except (ConnectionResetError, BrokenPipeError):
                raise _Stale from None
            status, headers, close = _parse_head(head)
            while 100 <= status < 200:  # interim answers (RFC 9110, 15.2): read on to the final one
                head = await _read_head(reader)
                status, headers, close = _parse_head(head)
            if method == "HEAD" or status in (204, 304):
                body = b""
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                body = await _read_chunked(reader, max_bytes, too_large)
            elif "content-length" in headers:
                length = _length(headers["content-length"])
                if length > max_bytes:
                    raise too_large()
                body = await reader.readexactly(length)
            else:
                body = await _read_to_end(reader, max_bytes, too_large)
                close = True
            keep = not close
            return status, headers, body
        except asyncio.IncompleteReadError:
            raise EngineConnectionError("the server closed the connection mid-answer") from None
        finally:
            if keep:
                self._idle.setdefault(key, []).append((reader, writer, time.monotonic()))
            else:
                writer.close()

    async def aclose(self) -> None:
        """Close every kept connection."""
        if self._loop is not asyncio.get_running_loop():
            self._idle.clear()
            return
        for connections in self._idle.values():
            for _, writer, _ in connections:
                writer.close()
        self._idle.clear()


@functools.lru_cache(maxsize=64)
def _address(url: str) -> tuple[tuple[str, int], str, str, str]:
    """The (host, port), ``Host`` header, path and query of an ``http://`` URL (the same few
    URLs, an engine's endpoints, again and again: split once).

    >>> _address("http://127.0.0.1:7878/query?x=1")
    (('127.0.0.1', 7878), '127.0.0.1:7878', '/query', 'x=1')
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname is None:
        raise ValueError(f"not an http:// URL: {url}")
    return (parts.hostname, parts.port or 80), parts.netloc, parts.path or "/", parts.query


def _quiet(reader: asyncio.StreamReader) -> bool:
    """Whether a kept connection has said nothing since its last answer (no end, no bytes)."""
    return not reader.at_eof() and not getattr(reader, "_buffer", b"")


class _Stale(EngineConnectionError):
    """A kept connection was closed by the server before any byte of an answer (on a fresh
    connection too, it is the engine not answering: an :class:`EngineConnectionError`)."""


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    """An answer's status line and headers, within :data:`HEADER_LIMIT`."""
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise EngineConnectionError("the server's answer headers are too large") from None


def _digits(value: str) -> bool:
    """Whether ``value`` is ASCII digits only (``str.isdigit`` also takes ``²`` and others)."""
    return value.isascii() and value.isdigit()


def _length(value: str) -> int:
    if not _digits(value.strip()):
        raise EngineConnectionError(f"not a Content-Length: {value!r}")
    return int(value)


def _parse_head(head: bytes) -> tuple[int, dict[str, str], bool]:
    """The status, the headers and whether the server closes the connection after this answer.

    >>> _parse_head(b"HTTP/1.1 200 OK\\r\\nContent-Type: a/b\\r\\nConnection: close\\r\\n\\r\\n")
    (200, {'content-type': 'a/b', 'connection': 'close'}, True)
    """
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not _digits(code) or len(code) != 3:
        raise EngineConnectionError(f"not an HTTP/1.x answer: {lines[0][:80]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise EngineConnectionError(f"not an HTTP header: {line[:80]!r}")
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    connection = headers.get("connection", "").lower()
    close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
    return int(code), headers, close


_HEX = b"0123456789abcdefABCDEF"


async def _line(reader: asyncio.StreamReader) -> bytes:
    """A chunk's size line or a trailer line, with its CRLF; one longer than the header limit
    is refused."""
    try:
        return await reader.readuntil(b"\r\n")
    except asyncio.LimitOverrunError:
        raise EngineConnectionError("a chunk size or trailer line is too long") from None


async def _read_chunked(
    reader: asyncio.StreamReader, max_bytes: int, too_large: Callable[[], KgError]
) -> bytes:
    pieces: list[bytes] = []
    size = 0
    while True:
        line = await _line(reader)
        digits = line.split(b";", 1)[0].strip()
        if not digits or digits.lstrip(_HEX):  # only hex digits: no sign, 0x or underscore
            raise EngineConnectionError(f"not a chunk size: {digits[:20]!r}")
        length = int(digits, 16)
        if length == 0:
            while await _line(reader) != b"\r\n":  # trailers, then the empty line
                pass
            return b"".join(pieces)
        size += length
        if size > max_bytes:
            raise too_large()
        chunk = await reader.readexactly(length + 2)
        if not chunk.endswith(b"\r\n"):
            raise EngineConnectionError("a chunk does not end with CRLF")
        pieces.append(chunk[:-2])


async def _read_to_end(
    reader: asyncio.StreamReader, max_bytes: int, too_large: Callable[[], KgError]
) -> bytes:
    pieces: list[bytes] = []
    size = 0
    while chunk := await reader.read(1 << 16):
        size += len(chunk)
        if size > max_bytes:
            raise too_large()
        pieces.append(chunk)
    return b"".join(pieces)
