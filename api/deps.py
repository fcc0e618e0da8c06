"""Dependencies handed to the handlers, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from kg.engine.runtime import Runtime
from kg.errors import RequestError, WriteForbidden
from kg.settings import Settings
from kg.versions import pinned


async def get_runtime(request: Request) -> Runtime:
    """The service's runtime (engine and client), opened in the lifespan; with ``?version=N``
    in the URL, a read-only view of it answering as of that version (:func:`pin`).

    Async (like :func:`get_settings`) so FastAPI calls it on the event loop, not in a thread.
    """
    runtime: Runtime = request.app.state.runtime
    given = request.query_params.getlist(pinned.PARAMETER)
    if not given:
        return runtime
    if len(given) > 1:
        raise RequestError(f"parameter {pinned.PARAMETER!r} is given {len(given)} times; give it once")
    return await pin(request, runtime, given[0])


async def pin(request: Request, runtime: Runtime, version: str, *, writing: bool = False) -> Runtime:
    """The runtime answering as of ``version`` (the ``version`` parameter of the URL or of a
    form body); the answer's version goes to ``request.state.dataset_version``.

    :raises RequestError: for a write (a write method, or ``writing``: a write always makes a
        new version).
    :raises NotFound, Gone, ParameterError: see :func:`kg.versions.pinned.at_version`.
    """
    if writing or request.method in ("PUT", "DELETE", "PATCH"):
        raise RequestError("a write cannot take 'version': it always makes a new version")
    if runtime.pinned is not None:
        return runtime
    view = await pinned.at_version(runtime, version)
    request.state.dataset_version = view.pinned
    return view


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def check_token(request: Request, settings: Settings) -> None:
    """Writes need ``Authorization: Bearer <CLUSTERKG_UPDATE_TOKEN>`` (compared in constant time).

    :raises WriteForbidden: when writes are off or the token is missing or wrong (counted in
        ``/metrics`` as a refusal for "auth").
    """
    if settings.update_token is None:
        request.app.state.metrics.refusals.labels(reason="auth").inc()
        raise WriteForbidden("writes are off on this server (no CLUSTERKG_UPDATE_TOKEN configured)")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    expected = settings.update_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        request.app.state.metrics.refusals.labels(reason="auth").inc()
        raise WriteForbidden("writes need 'Authorization: Bearer <token>' with the server's update token")


async def require_writer(request: Request, settings: SettingsDep) -> None:
    """A dependency for routes that only write: the bearer token is checked before anything else."""
    check_token(request, settings)


WriterDep = Depends(require_writer)
"""Put in a route's ``dependencies=[WriterDep]``: the route answers 403 without the update token."""
