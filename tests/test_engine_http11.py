"""The loopback keep-alive HTTP/1.1 client (kg/engine/http11.py) against a real small server on
127.0.0.1 whose every byte the test writes: framing, limits, reuse and non-reuse of connections, errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Container
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import pytest

from kg.engine import http11
from kg.engine.http11 import EngineConnectionError, LoopbackHTTP
from kg.errors import KgError, ResultTooLarge

T = TypeVar("T")

HOST = "127.0.0.1"
MAX = 1 << 20
TOO_LARGE = "the result is over the test's limit"


def _too_large() -> ResultTooLarge:
    return ResultTooLarge(TOO_LARGE)


@dataclass
class Received:
    """One request as the server read it."""

    connection: int
    head: bytes
    body: bytes

    @property
    def line(self) -> str:
        return self.head.decode("latin-1").split("\r\n", 1)[0]

    @property
    def headers(self) -> dict[str, str]:
        lines = self.head.decode("latin-1").split("\r\n")[1:]
        pairs = [line.split(":", 1) for line in lines if line]
        return {name.strip().lower(): value.strip() for name, value in pairs}


Handler = Callable[["Server", int, asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Server:
    """What the server saw: connections (numbered from 0), requests, and which connections the
    client ended (the server read EOF on them)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.port = 0
        self.connections = 0
        self.requests: list[Received] = []
        self.ended: set[int] = set()
        self.writers: list[asyncio.StreamWriter] = []
        self.sent = asyncio.Event()  # set by handlers that then wait

    def url(self, path: str = "/sparql") -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = self.connections
        self.connections += 1
        self.writers.append(writer)
        try:
            await self.handler(self, number, reader, writer)
        finally:
            writer.close()

    async def read_request(self, number: int, reader: asyncio.StreamReader) -> Received | None:
        """The next request on a connection, or None when the client ended it."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionResetError):
            self.ended.add(number)
            return None
        request = Received(number, head, b"")
        request.body = await reader.readexactly(int(request.headers.get("content-length", "0")))
        self.requests.append(request)
        return request

    async def wait_ended(self, number: int) -> None:
        while number not in self.ended:
            await asyncio.sleep(0.002)

    @property
    def used(self) -> list[int]:
        """The connection each request came on, in order."""
        return [request.connection for request in self.requests]


@asynccontextmanager
async def serving(handler: Handler) -> AsyncIterator[Server]:
    server = Server(handler)
    listener = await asyncio.start_server(server.accept, HOST, 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        for writer in server.writers:
            writer.close()
        await listener.wait_closed()
        await asyncio.sleep(0.01)  # the closed transports let go of their sockets


def run(handler: Handler, scenario: Callable[[Server, LoopbackHTTP], Awaitable[T]], **client: int) -> T:
    """``scenario`` against a server answering with ``handler``, with a new client, within 5 s."""

    async def main() -> T:
        async with serving(handler) as server:
            http = LoopbackHTTP(**client)
            try:
                async with asyncio.timeout(5):
                    return await scenario(server, http)
            finally:
                await http.aclose()

    return asyncio.run(main())


def answering(*answers: bytes, close_after: Container[int] = ()) -> Handler:
    """A keep-alive server: the n-th request (over all connections) gets ``answers[n]``; an empty
    answer closes the connection without answering; the connection is closed after the answers
    whose index is in ``close_after``."""

    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while await server.read_request(number, reader) is not None:
            index = len(server.requests) - 1
            if not answers[index]:
                return
            writer.write(answers[index])
            await writer.drain()
            if index in close_after:
                return

    return handle


def then_wait(answer: bytes, *later: bytes) -> Handler:
    """The first connection's first request gets ``answer`` (often a part of one), then the server
    waits, writing nothing more, until the client ends that connection; the n-th request on later
    connections gets ``later[n]``, keep-alive."""

    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        if number == 0:
            await server.read_request(number, reader)
            writer.write(answer)
            await writer.drain()
            server.sent.set()
        while await server.read_request(number, reader) is not None:
            if number > 0:
                writer.write(later[sum(request.connection > 0 for request in server.requests) - 1])
                await writer.drain()

    return handle


def ok(body: bytes, *headers: str, status: str = "HTTP/1.1 200 OK") -> bytes:
    """An answer with a Content-Length."""
    head = [status, *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def get(
    http: LoopbackHTTP,
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    params: list[tuple[str, str]] | None = None,
    max_bytes: int = MAX,
) -> tuple[int, dict[str, str], bytes]:
    return await http.request(
        method,
        url,
        headers=headers or {},
        body=body,
        params=params,
        max_bytes=max_bytes,
        too_large=_too_large,
    )


QUERY = b"SELECT * WHERE { ?s ?p ?o } LIMIT 1"


# 1. An answer with a Content-Length, and the request as the server received it


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "target", "length"),
    [
        ("POST", "/sparql", [("timeout", "5")], QUERY, "/sparql?timeout=5", str(len(QUERY))),
        (
            "POST",
            "/sparql?default-graph-uri=urn%3Ag",
            [("q", "a b&c=é"), ("n", "1")],
            QUERY,
            "/sparql?default-graph-uri=urn%3Ag&q=a+b%26c%3D%C3%A9&n=1",
            str(len(QUERY)),
        ),
        ("GET", "", [("query", "ASK {}")], None, "/?query=ASK+%7B%7D", None),
        ("GET", "/sparql?x=1", None, None, "/sparql?x=1", None),
        ("GET", "/sparql?x=1", [], None, "/sparql?x=1", None),
        ("POST", "/sparql", None, None, "/sparql", "0"),
    ],
)
def test_a_content_length_answer_and_the_request_as_sent(
    method: str,
    path: str,
    params: list[tuple[str, str]] | None,
    body: bytes | None,
    target: str,
    length: str | None,
) -> None:
    answer = ok(
        b'{"head": {}}',
        "Content-Type: application/sparql-results+json",
        "X-Engine-Name:  Test ",
        "Vary: Accept",
        "vary: Origin",
    )
    sent = {"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"}

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        status, headers, received = await get(
            http, server.url(path), method=method, headers=sent, body=body, params=params
        )
        assert status == 200
        assert headers == {
            "content-type": "application/sparql-results+json",
            "x-engine-name": "Test",
            "vary": "Accept, Origin",
            "content-length": "12",
        }
        assert received == b'{"head": {}}'
        (request,) = server.requests
        assert request.line == f"{method} {target} HTTP/1.1"
        assert request.headers.get("host") == f"{HOST}:{server.port}"
        assert request.headers.get("content-type") == "application/sparql-query"
        assert request.headers.get("accept") == "application/sparql-results+json"
        assert request.headers.get("content-length") == length
        assert "accept-encoding" not in request.headers
        assert request.body == (body or b"")

    run(answering(answer), scenario)


def test_the_status_is_any_code_with_its_body() -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert await get(http, server.url()) == (
            400,
            {"content-length": "15"},
            b"Parser error at",
        )

    run(answering(ok(b"Parser error at", status="HTTP/1.1 400 Bad Request")), scenario)


# 2. A chunked answer


def test_a_chunked_answer_with_extensions_and_trailers_is_joined_and_its_connection_reused() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/csv\r\n\r\n"
        b"5;name=value\r\nhello\r\n"
        b"2\r\n, \r\n"
        b"A\r\n0123456789\r\n"
        b"0\r\nX-Trailer: yes\r\nX-Other: 1\r\n\r\n"
    )

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        status, headers, body = await get(http, server.url())
        assert (status, body) == (200, b"hello, 0123456789")
        assert headers["transfer-encoding"] == "chunked"
        assert await get(http, server.url()) == (200, {"content-length": "6"}, b"second")
        assert server.connections == 1
        assert server.used == [0, 0]

    run(answering(chunked, ok(b"second")), scenario)


# 3. An answer read to the connection's end


def test_an_answer_without_length_is_read_to_the_end_and_its_connection_not_reused() -> None:
    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(number, reader)
        if number > 0:
            writer.write(ok(b"second"))
            await writer.drain()
            await server.read_request(number, reader)
            return
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall ")
        for piece in (b"of ", b"it"):
            await writer.drain()
            await asyncio.sleep(0.01)
            writer.write(piece)
        await writer.drain()
        writer.write_eof()  # the answer's end; the server still reads, till the client closes
        await server.read_request(number, reader)

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert await get(http, server.url()) == (200, {"content-type": "text/plain"}, b"all of it")
        await server.wait_ended(0)  # the client closed its end at once, not kept
        assert (await get(http, server.url()))[2] == b"second"
        assert server.connections == 2
        assert server.used == [0, 1]

    run(handle, scenario)


# 4. Answers without a body


@pytest.mark.parametrize(
    ("method", "status"),
    [
        ("HEAD", "HTTP/1.1 200 OK"),
        ("GET", "HTTP/1.1 204 No Content"),
        ("GET", "HTTP/1.1 304 Not Modified"),
        ("POST", "HTTP/1.1 204 No Content"),
    ],
)
def test_head_204_and_304_have_no_body_even_with_a_content_length(method: str, status: str) -> None:
    bodiless = f"{status}\r\nContent-Length: 5\r\nETag: x\r\n\r\n".encode()

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        async with asyncio.timeout(1):
            code, headers, body = await get(http, server.url(), method=method)
        assert (code, body) == (int(status.split()[1]), b"")
        assert headers == {"content-length": "5", "etag": "x"}
        assert server.requests[0].line.startswith(f"{method} /sparql ")
        # Nothing was taken for a body: the connection answers the next request aright.
        assert (await get(http, server.url()))[2] == b"after"
        assert server.used == [0, 0]

    run(answering(bodiless, ok(b"after")), scenario)


# 5. max_bytes


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", id="content-length"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nghijk\r\n",
            id="chunked",
        ),
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\nabcdefghijk", id="to-the-end"),
    ],
)
def test_a_body_over_max_bytes_raises_too_large_at_once(answer: bytes) -> None:
    """The server sends no more than shown and keeps the connection open: the error comes as soon
    as the size is known to pass the limit, not at the body's end (which never comes)."""

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        with pytest.raises(ResultTooLarge, match=TOO_LARGE) as caught:
            await get(http, server.url(), max_bytes=10)
        assert isinstance(caught.value, KgError)
        await server.wait_ended(0)  # the client closed the connection
        assert (await get(http, server.url(), max_bytes=10))[2] == b"after"
        assert server.connections == 2

    run(then_wait(answer, ok(b"after")), scenario)


def test_a_to_the_end_body_past_max_bytes_in_later_reads_raises_too_large() -> None:
    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(number, reader)
        writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        for _ in range(4):
            writer.write(b"abcd")
            await writer.drain()
            await asyncio.sleep(0.01)
        await server.read_request(number, reader)

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        with pytest.raises(ResultTooLarge, match=TOO_LARGE):
            await get(http, server.url(), max_bytes=10)
        await server.wait_ended(0)

    run(handle, scenario)


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(ok(b"0123456789"), id="content-length"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n0123\r\n6\r\n456789\r\n0\r\n\r\n",
            id="chunked",
        ),
        pytest.param(b"HTTP/1.1 200 OK\r\n\r\n0123456789", id="to-the-end"),
    ],
)
def test_a_body_of_exactly_max_bytes_is_read(answer: bytes) -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url(), max_bytes=10))[2] == b"0123456789"

    run(answering(answer, close_after={0}), scenario)


# 6. Answers that are not HTTP


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"<html>\r\n<body>hello</body>\r\n\r\n", "not an HTTP/1.x answer: '<html>'"),
        (b"HTTP/2 200 OK\r\n\r\n", "not an HTTP/1.x answer: 'HTTP/2 200 OK'"),
        (b"HTTP/1.1 OK\r\n\r\n", "not an HTTP/1.x answer"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "not an HTTP header: 'no colon here'"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n", "not a Content-Length: 'ten'"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not a chunk size: b'zz'"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n", "does not end with CRLF"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: " + b"y" * http11.HEADER_LIMIT, "headers are too large"),
    ],
)
def test_an_answer_that_is_not_http_is_an_engine_connection_error(answer: bytes, message: str) -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        with pytest.raises(EngineConnectionError, match=message) as caught:
            await get(http, server.url())
        assert isinstance(caught.value, OSError)
        await server.wait_ended(0)  # closed, never kept
        assert server.connections == 1

    run(then_wait(answer), scenario)


def test_engine_connection_error_is_an_os_error() -> None:
    assert issubclass(EngineConnectionError, ConnectionError)
    assert issubclass(EngineConnectionError, OSError)


# 7. Connections the server closed


def test_a_kept_connection_the_server_closed_is_sent_again_once_on_a_new_connection() -> None:
    """The server reads the second request on the kept connection and closes it unanswered (as a
    server does when its idle timeout and the request cross): the request goes again, whole."""

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        answer = await get(http, server.url(), method="POST", body=QUERY, params=[("a", "1")])
        assert answer == (200, {"content-length": "6"}, b"second")
        assert server.used == [0, 0, 1]
        assert server.requests[1].head == server.requests[2].head
        assert server.requests[1].body == server.requests[2].body == QUERY

    run(answering(ok(b"first"), b"", ok(b"second")), scenario)


def test_a_request_is_sent_again_only_once() -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        with pytest.raises(EngineConnectionError, match="without answering"):
            await get(http, server.url())
        assert server.used == [0, 0, 1]

    run(answering(ok(b"first"), b"", b"", ok(b"never")), scenario)


def test_a_new_connection_closed_without_answering_is_an_error_not_sent_again() -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        with pytest.raises(EngineConnectionError, match="closed the connection without answering") as caught:
            await get(http, server.url())
        assert type(caught.value) is EngineConnectionError
        assert server.used == [0]
        assert server.connections == 1

    run(answering(b"", ok(b"never")), scenario)


def test_a_kept_connection_the_server_closed_while_idle_is_not_used() -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        await asyncio.sleep(0.05)  # the client's end of the connection reads the server's close
        assert (await get(http, server.url()))[2] == b"second"
        assert server.used == [0, 1]

    run(answering(ok(b"first"), ok(b"second"), close_after={0}), scenario)


# 8. Closed mid-answer


@pytest.mark.parametrize(
    "partial",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", id="half-a-body"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Le", id="half-a-head"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", id="half-a-chunk"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", id="no-last-chunk"
        ),
    ],
)
def test_a_connection_closed_mid_answer_is_an_error_neither_sent_again_nor_reused(partial: bytes) -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        with pytest.raises(EngineConnectionError, match="closed the connection mid-answer"):
            await get(http, server.url())
        assert server.used == [0, 0]  # bytes of an answer came: not sent again
        assert (await get(http, server.url()))[2] == b"third"
        assert server.used == [0, 0, 1]

    run(answering(ok(b"first"), partial, ok(b"third"), close_after={1}), scenario)


# 9. Bytes written unasked


def test_a_kept_connection_with_bytes_written_unasked_is_not_reused() -> None:
    unasked = ok(
        b"Resource temporarily unavailable (os error 11)", status="HTTP/1.1 500 Internal Server Error"
    )

    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await server.read_request(number, reader)
        writer.write(ok(b"first" if number == 0 else b"second"))
        await writer.drain()
        if number == 0:
            await asyncio.sleep(0.01)
            writer.write(unasked)
            await writer.drain()
            server.sent.set()
        await server.read_request(number, reader)

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        await server.sent.wait()
        await asyncio.sleep(0.05)  # the unasked bytes reach the client's end of the connection
        assert await get(http, server.url()) == (200, {"content-length": "6"}, b"second")
        assert server.used == [0, 1]
        await server.wait_ended(0)

    run(handle, scenario)


# 10. Idle connections


@pytest.mark.parametrize(("idle_s", "connections"), [(0.05, 2), (1.0, 1)])
def test_a_kept_connection_idle_longer_than_idle_s_is_not_reused(
    monkeypatch: pytest.MonkeyPatch, idle_s: float, connections: int
) -> None:
    monkeypatch.setattr(http11, "IDLE_S", idle_s)

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        await asyncio.sleep(0.1)
        assert (await get(http, server.url()))[2] == b"second"
        assert server.connections == connections
        if connections == 2:
            await server.wait_ended(0)  # the stale one was closed, not left open

    run(answering(ok(b"first"), ok(b"second")), scenario)


# 11. Connection: close


@pytest.mark.parametrize(
    ("status", "headers", "reused"),
    [
        ("HTTP/1.1 200 OK", ["Connection: close"], False),
        ("HTTP/1.1 200 OK", ["Connection: Close"], False),
        ("HTTP/1.1 200 OK", ["Connection: keep-alive", "Connection: close"], False),
        ("HTTP/1.0 200 OK", [], False),
        ("HTTP/1.0 200 OK", ["Connection: Keep-Alive"], True),
        ("HTTP/1.1 200 OK", ["Connection: keep-alive"], True),
    ],
)
def test_an_answer_saying_connection_close_is_not_reused(
    status: str, headers: list[str], reused: bool
) -> None:
    """The server itself keeps every connection open: only the client decides."""

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert (await get(http, server.url()))[2] == b"first"
        assert (await get(http, server.url()))[2] == b"second"
        if reused:
            assert server.used == [0, 0]
        else:
            assert server.used == [0, 1]
            await server.wait_ended(0)

    run(answering(ok(b"first", *headers, status=status), ok(b"second")), scenario)


# 12. Cancellation


@pytest.mark.parametrize(
    "partial",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhel", id="mid-body"),
        pytest.param(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n", id="mid-chunks"),
        pytest.param(b"", id="before-the-answer"),
    ],
)
def test_a_request_cancelled_mid_answer_closes_its_connection(partial: bytes) -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        task = asyncio.ensure_future(get(http, server.url()))
        await server.sent.wait()
        await asyncio.sleep(0.02)  # the client reads what was sent, and waits for the rest
        assert not task.done()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        await server.wait_ended(0)
        assert (await get(http, server.url()))[2] == b"after"
        assert server.used == [0, 1]

    run(then_wait(partial, ok(b"after")), scenario)


# 13. URLs


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:7878/sparql", "ftp://127.0.0.1/x", "http:///sparql", "/sparql"]
)
def test_a_url_that_is_not_http_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="not an http:// URL"):
        asyncio.run(get(LoopbackHTTP(), url))


# 14. aclose, the limit, and engines on other ports


def test_aclose_closes_the_kept_connections() -> None:
    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while await server.read_request(number, reader) is not None:
            await asyncio.sleep(0.02)  # both requests are in flight at once: two connections
            writer.write(ok(b"answer"))
            await writer.drain()

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        answers = await asyncio.gather(get(http, server.url()), get(http, server.url()))
        assert [body for _, _, body in answers] == [b"answer", b"answer"]
        assert server.connections == 2
        assert server.ended == set()
        await http.aclose()
        await server.wait_ended(0)
        await server.wait_ended(1)
        assert (await get(http, server.url()))[2] == b"answer"  # usable after: a new connection
        assert server.connections == 3

    run(handle, scenario)


def test_the_limit_of_requests_at_once_shares_connections() -> None:
    async def handle(
        server: Server, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while await server.read_request(number, reader) is not None:
            await asyncio.sleep(0.01)
            writer.write(ok(b"answer"))
            await writer.drain()

    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        answers = await asyncio.gather(*(get(http, server.url()) for _ in range(3)))
        assert [body for _, _, body in answers] == [b"answer"] * 3
        assert server.used == [0, 0, 0]

    run(handle, scenario, limit=1)


def test_a_new_connection_to_another_port_closes_the_kept_ones_to_the_old() -> None:
    async def main() -> None:
        async with serving(answering(ok(b"old"))) as old, serving(answering(ok(b"new"))) as new:
            http = LoopbackHTTP()
            try:
                async with asyncio.timeout(5):
                    assert (await get(http, old.url()))[2] == b"old"
                    assert old.ended == set()
                    assert (await get(http, new.url()))[2] == b"new"
                    await old.wait_ended(0)
            finally:
                await http.aclose()

    asyncio.run(main())


# Found by these tests, and fixed: malformed framing that escaped as another error than
# EngineConnectionError (an OSError, which the engine client answers as EngineUnavailable), and
# interim 1xx answers taken for the final answer.


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
            id="negative-chunk-size",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\nok", id="content-length-of-a-superscript"
        ),
        pytest.param(b"HTTP/1.1 2\xb2\xb2 OK\r\nContent-Length: 2\r\n\r\nok", id="status-of-superscripts"),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;"
            + b"x" * http11.HEADER_LIMIT
            + b"\r\nhello\r\n0\r\n\r\n",
            id="chunk-line-over-the-limit",
        ),
        pytest.param(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX: "
            + b"x" * http11.HEADER_LIMIT
            + b"\r\n\r\n",
            id="trailer-over-the-limit",
        ),
        *(
            pytest.param(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + b"\r\nhello\r\n0\r\n\r\n",
                id=f"chunk-size-{size.decode()}",
            )
            for size in (b"0x5", b"+5", b"5_0", b" ")
        ),
        pytest.param(b"HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok", id="status-of-two-digits"),
    ],
)
def test_malformed_framing_is_an_engine_connection_error(answer: bytes) -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        with pytest.raises(EngineConnectionError):  # exactly: no ValueError or LimitOverrunError
            await get(http, server.url())

    run(then_wait(answer), scenario)


@pytest.mark.parametrize(
    "interim",
    [
        pytest.param(b"HTTP/1.1 100 Continue\r\n\r\n", id="100-continue"),
        pytest.param(b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", id="103-early-hints"),
    ],
)
def test_an_interim_1xx_answer_is_skipped(interim: bytes) -> None:
    async def scenario(server: Server, http: LoopbackHTTP) -> None:
        assert await get(http, server.url(), method="POST", body=QUERY) == (
            200,
            {"content-length": "2"},
            b"ok",
        )

    run(answering(interim + ok(b"ok")), scenario)
