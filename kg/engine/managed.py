"""The client of a managed engine (the live store's, or a read-only one over a snapshot)."""

from __future__ import annotations

from collections.abc import Callable

from kg.engine.client import EngineClient
from kg.engine.process import ManagedEngine
from kg.engine.profiles import Endpoints
from kg.settings import Settings


def managed_client(
    engine: ManagedEngine, endpoints: Callable[[], Endpoints], settings: Settings
) -> EngineClient:
    """A client that waits for the engine to be ready, restarts it when a query is stuck past its
    time limit and grace, and reports it lost when it dies."""
    return EngineClient(
        endpoints,
        grace_s=settings.engine_grace_s,
        max_bytes=settings.result_limit_bytes,
        on_stuck=engine.restart,
        ready=engine.wait_ready,
        lost=engine.lost,
        restarted_for_another=engine.restarted_for_another,
    )
