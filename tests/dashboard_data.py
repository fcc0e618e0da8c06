"""The store of the dashboard tests: the founding case and the synthetic clusters of
``tests/data/dashboard/clusters.trig``, built once by the real pipeline (SHACL, RL inferences)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from kg.build import build
from kg.settings import Settings

FIXTURE = Path(__file__).resolve().parent / "data" / "dashboard" / "clusters.trig"


@cache
def dashboard_store(folder: Path) -> Path:
    """The store built in ``folder`` (once per folder: the tests only read it)."""
    store = folder / "store"
    build(Settings(store=store, skip_dl=True), extra=[FIXTURE])
    return store
