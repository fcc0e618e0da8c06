"""The base IRI of the text of a query or update sent to ``/sparql``: the endpoint's URL as the
client addressed it, put in front of the text as ``BASE``, and the engine's syntax-error
positions moved back to the client's text."""

from __future__ import annotations

import functools
import re

from fastapi import Request
from starlette.datastructures import URL
from starlette.types import Scope

from kg.errors import QueryError
from kg.settings import Settings

# The endpoint's URL as a base IRI: nothing that could end an IRIREF or start an escape.
_SAFE_BASE = re.compile(r"https?://[A-Za-z0-9.\-]+(?::[0-9]+)?/[A-Za-z0-9._~/\-]*")
_ENGINE_POSITION = re.compile(r"\berror at (\d+):(\d+)")


def service_base(request: Request, settings: Settings) -> str:
    """The base IRI of relative IRIs in queries and updates: the endpoint as the client addressed it.

    The SPARQL Protocol leaves the base to the service ("which MAY be the service endpoint");
    left to the engine, relative IRIs would resolve against its internal loopback URL, which
    changes with every restart. A Host header that does not make a plain URL falls back to the
    public base's ``sparql``.
    """
    return scope_base(request.scope, settings)


def scope_base(scope: Scope, settings: Settings) -> str:
    """:func:`service_base` of a request's ASGI scope."""
    host = next((value for name, value in scope["headers"] if name == b"host"), None)
    server = scope.get("server")
    # a memo of at most 256 entries of short keys (a host name has at most 255 bytes; a longer
    # Host header or path is worked out each time, never kept)
    short = (host is None or len(host) <= 255) and len(scope["path"]) <= 255
    return (_base if short else _base.__wrapped__)(
        scope.get("scheme", "http"),
        host,
        None if server is None else tuple(server),
        scope.get("root_path", ""),
        scope["path"],
        settings.public_base,
    )


@functools.lru_cache(maxsize=256)
def _base(
    scheme: str,
    host: bytes | None,
    server: tuple[str, int] | None,
    root_path: str,
    path: str,
    public_base: str,
) -> str:
    """:func:`service_base` for the parts of a request that make its URL (the same few, again
    and again: worked out once)."""
    headers = [] if host is None else [(b"host", host)]
    scope: dict[str, object] = {"type": "http", "scheme": scheme, "server": server}
    scope.update(root_path=root_path, path=path, headers=headers)
    url = str(URL(scope=scope))
    return url if _SAFE_BASE.fullmatch(url) else public_base + "sparql"


def with_base(text: str, base: str) -> tuple[str, int]:
    """The text with ``BASE <base>`` put in front on its first line, and how many characters that added.

    A BASE of the text itself still applies (it comes later, and a relative one resolves
    against this one).
    """
    prefix = f"BASE <{base}> "
    return prefix + text, len(prefix)


def engine_position(exc: QueryError, shift: int) -> QueryError:
    """The engine's syntax error with its position (``error at 1:26``) in the client's text."""
    message = str(exc)

    def where(m: re.Match[str]) -> str:
        line, column = int(m[1]), int(m[2])
        return f"error at line {line}, column {column - shift if line == 1 else column}"

    fixed = _ENGINE_POSITION.sub(where, message)
    return exc if fixed == message else QueryError(fixed)
