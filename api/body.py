"""Request bodies read within the server's limit (``CLUSTERKG_BODY_LIMIT_BYTES``): 413 past it."""

from __future__ import annotations

from fastapi import Request

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
