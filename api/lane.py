""":class:`SparqlLane`, the hot path of ``/sparql``: the innermost of the app's middlewares, it
answers the protocol's queries and updates itself, past FastAPI's inner stack.

Every other request goes on to that stack (its exception middleware, its exit stack, the
router). A point lookup spent about a tenth of its time in the layer there (route matching,
scope bookkeeping, a second exception wrapper), measured in-process over alternating blocks of
requests (bench/README.md). The middlewares outside it (the access log, CORS, the body's
deadline, HTTP caching) and the server's error middleware see ``/sparql`` as before, and its
errors are answered by the app's own handlers (:func:`api.errors.install`), so they read the
same as anywhere else. The documented FastAPI routes of ``/sparql`` stay in the router, for
the OpenAPI description and the methods the protocol does not have (405).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Answer = Callable[[Request], Awaitable[Response]]
PATH = "/sparql"
FAILED = "clusterkg.failed"
"""The scope key of an error the express lane (:mod:`api.express`) met before it answered: the
request then goes through the app's middlewares to here, where the error is raised and answered
by the app's handlers, as if this lane had met it."""


def route_path(scope: Scope) -> str:
    """The path below the app's mount point (``root_path``), as Starlette's router matches it.

    >>> route_path({"path": "/kg/sparql", "root_path": "/kg"})
    '/sparql'
    >>> route_path({"path": "/sparql", "root_path": ""})
    '/sparql'
    """
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class SparqlLane:
    """ASGI middleware: ``methods`` (the protocol's) on ``/sparql`` go to ``answer``; an error it
    raises goes to the app's handler for its class (none: on to the server's error middleware,
    a 500)."""

    def __init__(self, app: ASGIApp, answer: Answer, methods: Collection[str]) -> None:
        self.app = app
        self.answer = answer
        self.methods = frozenset(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in self.methods or route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            failed = scope.pop(FAILED, None)
            if failed is not None:  # the express lane's request, failed: answered as any error
                raise failed
            response = await self.answer(request)
        except Exception as exc:
            handler = _handler(scope["app"].exception_handlers, exc)
            if handler is None:
                raise
            response = await handler(request, exc)  # the app's handlers are all coroutines
            exc.__traceback__ = None  # a kept instance would keep every request's frames
        await response(scope, receive, send)


Handler = Callable[[Request, Exception], Awaitable[Response]]


def _handler(handlers: dict[object, Handler], exc: Exception) -> Handler | None:
    """The handler registered for the nearest class of ``exc`` (as Starlette looks it up)."""
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None
