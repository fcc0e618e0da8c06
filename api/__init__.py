"""The HTTP API of clusterkg (FastAPI): create_app(settings) composes the routers."""

from __future__ import annotations

from api.app import create_app

__all__ = ["create_app"]
