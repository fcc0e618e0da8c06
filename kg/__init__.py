"""clusterkg: a knowledge graph of industrial clusters and their through-technologies.

The core package: settings, errors, the engine client, build, validation, reasoning,
provenance, ingest and the CLI. It never imports FastAPI.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The installed version of clusterkg (``0.0.0`` when run from an uninstalled tree)."""
    try:
        return version("clusterkg")
    except PackageNotFoundError:  # pragma: no cover - only outside an install
        return "0.0.0"
