"""The entry point for ASGI servers: ``uvicorn --factory api.main:app_from_env``.

Settings are read from the environment here, once, and passed to ``create_app``.
"""

from __future__ import annotations

from fastapi import FastAPI

from api import access_log
from api.app import create_app
from kg.settings import load_settings


def app_from_env() -> FastAPI:
    """A new app configured from the ``CLUSTERKG_*`` environment variables, logging to stderr."""
    access_log.configure()
    return create_app(load_settings())
