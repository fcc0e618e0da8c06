"""One structured (JSON) log line per request: method, path, status, duration and, for SPARQL,
a hash of the query text (never the text itself, which may hold data)."""

from __future__ import annotations

import hashlib
import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("clusterkg.access")


def query_hash(text: str) -> str:
    """A short, stable hash of a query's text (SHA-256, first 16 hex digits).

    >>> query_hash("ASK {}")
    '819ea91ed5f12b38'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class AccessLog:
    """ASGI middleware writing one JSON line per HTTP request to the ``clusterkg.access`` logger."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        size = 0

        async def sending(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            write(scope, status, start, size)


def write(scope: Scope, status: int, start: float, size: int) -> None:
    """Log one answered request: ``start`` is its ``time.perf_counter()`` when it came, ``size``
    the bytes of body the application sent."""
    if not log.isEnabledFor(logging.INFO):
        return
    state = scope.get("state") or {}
    record = {
        "method": scope.get("method"),
        "path": scope.get("path"),
        "status": status,
        "duration_ms": round((time.perf_counter() - start) * 1000, 2),
        "bytes": size,
    }
    if "query_hash" in state:
        record["query_hash"] = state["query_hash"]
        record["query_kind"] = state.get("query_kind")
    log.info(json.dumps(record, ensure_ascii=False))


def configure(level: int = logging.INFO) -> None:
    """Send clusterkg's loggers to standard error, one message per line (for ``clusterkg serve``).

    Records leave out the thread's and the process's names and ids and where the call was made
    from, which no formatter of the server prints: looking them up took over half of the access
    log's time (about 15 us of 30 a request for the names, 15 us of CPU for the caller, measured;
    the Logging HOWTO's "Optimization" section names these switches).
    """
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging._srcfile = None  # no caller lookup (file, line, function): the HOWTO's first switch
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("clusterkg.access", "clusterkg.api", "clusterkg.engine"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(handler)
        logger.setLevel(level)
        logger.propagate = False
