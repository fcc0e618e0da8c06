"""Pages of a list: the ``limit`` and ``offset`` parameters, and the ``Link`` header (RFC 8288).

Every list of the API (``/api/queries/{name}``, ``/api/clusters``, ``/api/organizations`` ...)
takes ``limit`` (rows per page, 1 to :data:`MAX_LIMIT`, default :data:`DEFAULT_LIMIT`) and
``offset`` (rows to skip, at most :data:`MAX_OFFSET`), and answers with a ``Link`` header whose
``rel="next"``, ``rel="prev"`` and ``rel="first"`` URLs repeat the request's other parameters.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from starlette.datastructures import URL

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000

Limit = Annotated[
    int,
    Query(ge=1, le=MAX_LIMIT, description=f"Rows per page: 1 to {MAX_LIMIT}, {DEFAULT_LIMIT} by default."),
]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (0 by default).")]

LINK_HEADER: dict[str, Any] = {
    "Link": {
        "description": 'The other pages (RFC 8288): rel="next" while more rows follow, rel="prev" after the '
        'first page, rel="first" always; each URL keeps the request\'s other parameters.',
        "schema": {"type": "string"},
    }
}
"""The ``Link`` header as OpenAPI describes it, for a list's 200 answer."""


def links(url: URL, limit: int, offset: int, more: bool) -> str:
    """The ``Link`` header of a page: ``next`` if more rows follow, ``prev`` after the first, ``first``.

    >>> links(URL("http://h/api/clusters?x=1"), 10, 10, True)  # doctest: +NORMALIZE_WHITESPACE
    '<http://h/api/clusters?x=1&limit=10&offset=20>; rel="next",
     <http://h/api/clusters?x=1&limit=10&offset=0>; rel="prev",
     <http://h/api/clusters?x=1&limit=10&offset=0>; rel="first"'
    """
    found = []
    if more:
        found.append(f'<{url.include_query_params(limit=limit, offset=offset + limit)}>; rel="next"')
    if offset > 0:
        previous = max(offset - limit, 0)
        found.append(f'<{url.include_query_params(limit=limit, offset=previous)}>; rel="prev"')
    found.append(f'<{url.include_query_params(limit=limit, offset=0)}>; rel="first"')
    return ", ".join(found)
