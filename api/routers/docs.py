"""The API's documentation: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, from our own copies.

FastAPI's own pages load both from a CDN and start them with an inline script: offline they are
blank, and under a strict Content-Security-Policy they would not start. Here the bundles are
vendored under ``api/static/docs/`` (``VENDORED.md`` there says from where, and the one change
made to ReDoc), each page is a template (``api/templates/docs/``, extending ``base.html``, no
data in it) started by a script file of ours beside the bundles, and carries the one
Content-Security-Policy of every page (:data:`api.pages.html.CSP`): the pages ask no other host for
anything, and the policy would refuse it if they did.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.pages import html

router = APIRouter(tags=["documentation"], include_in_schema=False)


@router.get("/docs", summary="The API in Swagger UI")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI over ``/openapi.json``: every operation, and a form to try it."""
    return html.page("docs/swagger.html")


@router.get("/redoc", summary="The API in ReDoc")
async def redoc() -> HTMLResponse:
    """ReDoc over ``/openapi.json``: the operations as one readable page."""
    return html.page("docs/redoc.html")
