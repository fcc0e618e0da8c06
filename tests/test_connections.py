"""api/connections.py, :class:`Coalescing`: a response's status line and headers go out with the
first piece of its body in one write; held at most one turn of the loop (a streamed answer that
waits still sends its headers at once); sent before the connection closes. Unit tests over a
transport that records its writes, then a real uvicorn with the guarded protocol and a raw
socket. (The header deadline and limit of the same module: tests/test_operations.py.)"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.connections import Coalescing, guarded_protocol
from tests.conftest import serve_asgi


class Recording:
    """A transport that records what is written to it, and whether it was closed."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1234) if name == "peername" else default


def coalescing(scenario: Any) -> Recording:
    """Run ``scenario(coalescing transport)`` on a fresh loop; the recording under it."""
    recording = Recording()

    async def main() -> None:
        await scenario(Coalescing(recording, asyncio.get_running_loop()))  # type: ignore[arg-type]

    asyncio.run(main())
    return recording


def test_headers_and_the_first_body_piece_in_the_same_turn_are_one_write() -> None:
    async def scenario(transport: Coalescing) -> None:
        transport.write(b"HEAD")
        transport.write(b"body-1")
        transport.write(b"body-2")
        await asyncio.sleep(0)

    assert coalescing(scenario).writes == [b"HEADbody-1", b"body-2"]


def test_headers_without_a_body_in_the_same_turn_go_out_on_the_next() -> None:
    async def scenario(transport: Coalescing) -> None:
        transport.write(b"HEAD")
        assert transport.transport.writes == []  # type: ignore[attr-defined]
        await asyncio.sleep(0)  # one turn of the loop
        assert transport.transport.writes == [b"HEAD"]  # type: ignore[attr-defined]
        await asyncio.sleep(0.01)
        transport.write(b"body")

    assert coalescing(scenario).writes == [b"HEAD", b"body"]


def test_closing_sends_the_held_headers_first() -> None:
    async def scenario(transport: Coalescing) -> None:
        transport.write(b"HEAD")
        transport.close()
        await asyncio.sleep(0)  # the flush scheduled by the write finds nothing left to send

    recording = coalescing(scenario)
    assert recording.writes == [b"HEAD"] and recording.closed


def test_nothing_is_written_to_a_connection_already_closing() -> None:
    async def scenario(transport: Coalescing) -> None:
        transport.write(b"HEAD")
        transport.transport.close()  # the client went away meanwhile
        await asyncio.sleep(0)

    assert coalescing(scenario).writes == []


def test_the_rest_of_the_transport_is_the_connections() -> None:
    async def scenario(transport: Coalescing) -> None:
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1234)
        assert not transport.is_closing()

    coalescing(scenario)


# --- a real server -------------------------------------------------------------------------

WAIT_S = 0.6


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """``/wait``: the headers, then the body ``WAIT_S`` later; ``/now``: both at once."""
    if scope["type"] != "http":
        return
    headers = [(b"content-type", b"text/plain")]
    if scope["path"] == "/wait":
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await asyncio.sleep(WAIT_S)
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        await send({"type": "http.response.body", "body": b"-second"})
    else:
        headers.append((b"content-length", b"7"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"at once"})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve_asgi(app, lifespan="off", http=guarded_protocol(10.0, 65536)) as url:
        yield int(url.rsplit(":", 1)[1])


def exchange(port: int, path: str) -> list[tuple[float, bytes]]:
    """Send one GET; every piece received until the answer's end, with its time (s from the send)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        began = time.monotonic()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".encode())
        pieces = []
        while chunk := sock.recv(65536):
            pieces.append((time.monotonic() - began, chunk))
        return pieces


def test_an_answer_that_waits_for_its_body_sends_its_headers_at_once(port: int) -> None:
    pieces = exchange(port, "/wait")
    whole = b"".join(chunk for _, chunk in pieces)
    assert whole.startswith(b"HTTP/1.1 200 OK\r\n") and whole.endswith(b"first\r\n7\r\n-second\r\n0\r\n\r\n")
    early = b"".join(chunk for when, chunk in pieces if when < WAIT_S / 2)
    assert early.startswith(b"HTTP/1.1 200 OK\r\n") and early.endswith(b"\r\n\r\n")  # not held for the body
    assert b"first" not in early


def test_a_whole_answer_arrives_complete(port: int) -> None:
    whole = b"".join(chunk for _, chunk in exchange(port, "/now"))
    head, _, body = whole.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"content-type: text/plain" in head.lower()
    assert body == b"at once"
