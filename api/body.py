"""Request bodies: within the server's size limit (``CLUSTERKG_BODY_LIMIT_BYTES``, 413 past it)
and its time limit (``CLUSTERKG_BODY_TIMEOUT_S``, 408 past it).

The time limit is :class:`BodyDeadline`, an ASGI middleware: it holds for every body an
application reads (``/sparql``, ``/store``, the multipart form of ``/api/ingest``), so a
client that sends a body a byte at a time cannot hold a request for longer.
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kg.engine.bounded import read_within
from kg.errors import TooLarge
from kg.settings import Settings


def refuse_declared_over_limit(request: Request, settings: Settings) -> None:
    """Refuse a request whose declared ``Content-Length`` is over the limit, before reading it.

    :raises RequestError: 413.
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.body_limit_bytes:
        raise TooLarge(f"the request body is over the limit of {settings.body_limit_bytes} bytes")


async def read_body(request: Request, settings: Settings) -> bytes:
    """The whole body, counted as it arrives (a chunked body declares no length).

    :raises RequestError: 413 when it is over the limit.
    """
    refuse_declared_over_limit(request, settings)
    limit = settings.body_limit_bytes
    return await read_within(
        request.stream(),
        limit,
        lambda: TooLarge(f"the request body is over the limit of {limit} bytes"),
    )


class BodyDeadline:
    """ASGI middleware: a request's body must arrive whole within ``timeout_s`` of the request's
    start, or reading it raises a 408 (``Connection: close``) that the app's error handler
    answers. Messages after the body's end (a disconnect) are passed on without a limit."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)  # nothing to wait for: no cost on reads
            return
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        complete = False

        async def receiving() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                complete = True
                raise HTTPException(
                    408,
                    f"the request body did not arrive within {self.timeout_s:g} s",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, receiving, send)


def _has_body(scope: Scope) -> bool:
    """Whether the request declares a body (a ``Content-Length`` above 0, or any
    ``Transfer-Encoding``); a request without one gets an empty body at once from the server."""
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip(b" 0")):
            return True
    return False
