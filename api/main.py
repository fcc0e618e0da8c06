"""The entry point for ASGI servers: ``uvicorn --factory api.main:app_from_env``.

Settings are read from the environment here, once, and passed to ``create_app``.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from kg.settings import load_settings


def app_from_env() -> FastAPI:
    """A new app configured from the ``CLUSTERKG_*`` environment variables."""
    return create_app(load_settings())
