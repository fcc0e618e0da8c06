"""Dependencies handed to the handlers, as ``Annotated`` aliases."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from kg.engine.runtime import Runtime
from kg.errors import WriteForbidden
from kg.settings import Settings


async def get_runtime(request: Request) -> Runtime:
    """The service's runtime (engine and client), opened in the lifespan.

    Async (like :func:`get_settings`) so FastAPI calls it on the event loop, not in a thread.
    """
    runtime: Runtime = request.app.state.runtime
    return runtime


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
