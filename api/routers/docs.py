"""The API's documentation: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, from our own copies.

FastAPI's own pages load both from a CDN and start them with an inline script: offline they are
blank, and under a strict Content-Security-Policy they would not start. Here the bundles are
vendored under ``api/static/docs/`` (``VENDORED.md`` there says from where, and the one change
made to ReDoc), each page is a plain HTML file (``api/templates/docs/``, no data in it) and is
started by a script file of ours beside the bundles. The pages ask no other host for anything,
and their Content-Security-Policy would refuse it if they did.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["documentation"], include_in_schema=False)

PAGES = Path(__file__).resolve().parent.parent / "templates" / "docs"
"""The two pages: ``swagger.html`` and ``redoc.html``."""

# Scripts and styles from this origin only, no inline script. Inline styles are allowed:
# ReDoc's styled-components write <style> elements and both draw with style attributes.
# ReDoc runs its search index in a worker made from a blob: URL; both draw icons as data: images.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "worker-src 'self' blob:",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ]
)


@cache
def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _html(name: str) -> HTMLResponse:
    return HTMLResponse(
        _page(name),
        headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"},
    )


@router.get("/docs", summary="The API in Swagger UI")
async def swagger_ui() -> HTMLResponse:
    """Swagger UI over ``/openapi.json``: every operation, and a form to try it."""
    return _html("swagger.html")


@router.get("/redoc", summary="The API in ReDoc")
async def redoc() -> HTMLResponse:
    """ReDoc over ``/openapi.json``: the operations as one readable page."""
    return _html("redoc.html")
