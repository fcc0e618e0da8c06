"""Query parameters a route does not declare are refused: a typo is a 422, not unfiltered rows.

The routes' declared parameters are what FastAPI reads from the signature and dependencies
(the ones OpenAPI lists). :func:`reject_unknown` compares the request's query string with them
and raises :class:`~kg.errors.ParameterError` naming the first name that is not among them, so
``GET /api/queries/statistics?subjet=...`` answers::

    422 {"error": "parameter-error", "parameter": "subjet",
         "message": "parameter 'subjet': unknown parameter; accepted: indicator, limit, ..."}

A router adopts it with ``APIRouter(dependencies=[RejectUnknown])``. A route that reads more
names than it declares (from ``request.query_params`` itself) lists them with
``dependencies=[also_accept("name", ...)]``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from kg.errors import ParameterError

_EXTRA = "_accepted_parameters"


def also_accept(*names: str) -> Any:
    """A dependency that declares query parameters a route reads without declaring them."""

    async def accepts() -> None:
        """Declares names only; :func:`reject_unknown` reads them."""

    setattr(accepts, _EXTRA, frozenset(names))
    return Depends(accepts)


def declared(dependant: Dependant) -> frozenset[str]:
    """The query parameter names a route (or dependency) declares, with its dependencies'."""
    names: set[str] = {field.alias for field in dependant.query_params}
    names |= getattr(dependant.call, _EXTRA, frozenset())
    for sub in dependant.dependencies:
        names |= declared(sub)
    return frozenset(names)


def check(given: Iterable[str], accepted: frozenset[str]) -> None:
    """Refuse the first given name that is not accepted.

    >>> check(["limit", "foo"], frozenset({"limit", "offset"}))
    Traceback (most recent call last):
    kg.errors.ParameterError: parameter 'foo': unknown parameter; accepted: limit, offset

    :raises ParameterError: naming it, with the accepted names.
    """
    for name in given:
        if name not in accepted:
            known = ", ".join(sorted(accepted)) or "none"
            raise ParameterError(name, f"unknown parameter; accepted: {known}")


async def reject_unknown(request: Request) -> None:
    """Refuse a query parameter the matched route does not declare (a FastAPI dependency).

    :raises ParameterError: naming the unknown parameter (a 422).
    """
    route = request.scope.get("route")
    if isinstance(route, APIRoute):  # `version` (answer as of a dataset version) is read by api.deps
        check((k for k in request.query_params if k != "version"), declared(route.dependant))


RejectUnknown: Any = Depends(reject_unknown)
"""The dependency to put in a router's or a route's ``dependencies``."""
