"""Dependencies handed to the handlers, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kg.engine.runtime import Runtime
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
