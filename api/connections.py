"""Slow clients: a deadline and a size limit on a request's line and headers, for uvicorn.

uvicorn closes an idle keep-alive connection (``timeout_keep_alive``) and answers 503 past
``limit_concurrency``, but it has no deadline for a request's headers: any byte received
cancels the keep-alive timer, and nothing is armed on a new connection, so a client sending
its headers a byte at a time, or nothing at all, holds a connection for ever (measured: 16
such connections were held for the whole 25 s of a probe). And its httptools parser, unlike
h11 (``h11_max_incomplete_event_size``), keeps headers of any size.

:class:`GuardedHttpToolsProtocol` is uvicorn's httptools protocol with both: from the moment
a connection opens, or the first byte of its next request arrives, the request line and
headers must be complete within ``header_timeout_s`` and ``header_limit_bytes``, or the
connection is closed (with a 408, or a 431 for the size, when a request had begun). The same
clock runs on the bytes of a body sent after its request was answered (uvicorn discards
them). Once the headers are in, the request belongs to the application, whose body reading
has its own deadline (:mod:`api.body`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
TOO_LARGE = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline and a size limit on the headers of a request."""

    header_timeout_s: float = 10.0
    header_limit_bytes: int = 1024 * 1024

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._in_headers = False  # a request line has begun and its headers are not complete

    def _awaiting_headers(self) -> bool:
        """True between requests, and while a request's headers are still arriving."""
        return self.cycle is None or self.cycle.response_complete

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Open the connection, and start the clock for its first request's headers."""
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Feed the parser; close the connection if the headers it waits for grow too large."""
        waiting = self._awaiting_headers()
        if waiting:
            self._header_bytes += len(data)
        super().data_received(data)
        if not self._awaiting_headers():
            self._disarm()  # (a request's head that came whole never armed the clock)
        elif waiting and self._header_bytes > self.header_limit_bytes and not self.transport.is_closing():
            self._disarm()
            if self._in_headers:
                self.transport.write(TOO_LARGE)
            self.transport.close()
        elif waiting:
            self._arm()  # still waiting, from these bytes on (kept if armed by earlier ones)

    def on_message_begin(self) -> None:
        """A request line begins."""
        self._in_headers = True
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        """A request's headers are complete: the application takes it from here (its answer's
        status line and headers go out with the first piece of its body, :class:`Coalescing`)."""
        self._in_headers = False
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.transport is self.transport:
            cycle.transport = Coalescing(self.transport, self.loop)  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the clock with the connection."""
        self._disarm()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        """A response is done: the next request's clock starts with its first byte."""
        self._header_bytes = 0
        super().on_response_complete()

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self._header_bytes = 0

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self._awaiting_headers() or self.transport.is_closing():
            return
        if self._in_headers:
            self.transport.write(TIMED_OUT)
        self.transport.close()


class Coalescing:
    """A transport for one response that sends its status line and headers together with the
    first piece of its body: one write, one packet, one wake-up of the client instead of two
    (uvicorn writes the headers as soon as the application starts its answer).

    Headers not followed by a body within the same turn of the event loop (a streamed answer
    that waits) are sent on the next turn; closing sends what is held first.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self.transport = transport
        self.loop = loop
        self.held: bytes | None = None
        self.first = True

    def write(self, data: bytes) -> None:
        """Hold the first write (the headers) until the next, or the next turn of the loop."""
        if self.first:
            self.first = False
            self.held = data
            self.loop.call_soon(self.flush)
        elif self.held is not None:
            held, self.held = self.held, None
            self.transport.write(held + data)
        else:
            self.transport.write(data)

    def flush(self) -> None:
        """Send what is held."""
        if self.held is not None:
            held, self.held = self.held, None
            if not self.transport.is_closing():
                self.transport.write(held)

    def close(self) -> None:
        """Send what is held, then close."""
        self.flush()
        self.transport.close()

    def is_closing(self) -> bool:
        """Whether the connection is closing."""
        return self.transport.is_closing()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.transport, name)


def guarded_protocol(header_timeout_s: float, header_limit_bytes: int) -> type[GuardedHttpToolsProtocol]:
    """The guarded protocol class with these limits (for ``uvicorn.Config(http=...)``)."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"header_timeout_s": header_timeout_s, "header_limit_bytes": header_limit_bytes},
    )
