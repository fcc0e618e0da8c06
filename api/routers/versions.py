"""The dataset versions: ``GET /api/versions`` (newest first, a page at a time) and
``GET /api/versions/{number}``, read from the version log (:mod:`kg.versions.log`).

Each version says when it was committed, through which route (``update``, ``graph-store``,
``ingest``, ``build``, ``load``), which named graphs it changed and how many triples it added
and removed, and whether it can still be queried (``?version=N`` on ``/sparql`` and the other
reads): the current one always; an earlier one while the server keeps its snapshot (the managed
engine only, for ``CLUSTERKG_VERSION_RETENTION``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, Field

from api.rest.models import Page
from api.rest.paging import DEFAULT_LIMIT, LINK_HEADER, Limit, Offset, links
from api.rest.parameters import RejectUnknown
from api.schema.openapi import ENGINE, error_responses
from kg.engine.runtime import Runtime
from kg.errors import NotFound
from kg.versions.log import Record, version_iri

router = APIRouter(prefix="/api", tags=["versions"], dependencies=[RejectUnknown])


class DatasetVersion(BaseModel):
    """One dataset version, as the version log records it."""

    number: int = Field(description="The version's number: 1 for the first, one more for each write.")
    iri: str = Field(
        description="The version's IRI (a ckg:DatasetVersion in the version log).",
        examples=["https://w3id.org/clusterkg/id/version/7"],
    )
    time: datetime = Field(description="When the write that made it was committed (UTC).")
    route: str = Field(
        description="How that write came: update, graph-store, ingest, build or load.", examples=["update"]
    )
    graphs: list[str] = Field(
        description="The named graphs it changed (none listed for a build or a bulk load, which "
        "replace or add to the whole dataset; the default graph is not named)."
    )
    triples_added: int = Field(description="Triples it added, stated and inferred.")
    triples_removed: int = Field(description="Triples it removed, stated and inferred.")
    current: bool = Field(description="Whether it is the current version.")
    queryable: bool = Field(
        description="Whether it can still be queried with `?version=N` (the current one always; an "
        "earlier one while its snapshot is kept, with the managed engine)."
    )


class VersionList(Page):
    """A page of the dataset versions, newest first."""

    current: int = Field(description="The current version's number.")
    versions: list[DatasetVersion] = Field(description="The versions, newest first.")


def _live(request: Request) -> Runtime:
    """The runtime itself (a list of versions is not answered as of a version)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def _shown(runtime: Runtime, record: Record, current: int) -> DatasetVersion:
    version = record.version
    snapshots = runtime.snapshots
    queryable = version.number == current or (snapshots is not None and snapshots.path(version) is not None)
    return DatasetVersion(
        number=version.number,
        iri=version_iri(version.number).value,
        time=version.time,
        route=version.route,
        graphs=list(record.graphs),
        triples_added=record.added,
        triples_removed=record.removed,
        current=version.number == current,
        queryable=queryable,
    )


Number = Annotated[int, Path(ge=1, le=10**15, description="The version's number.")]

LIST: dict[int | str, dict[str, Any]] = {200: {"headers": LINK_HEADER}, **error_responses(422, *ENGINE)}


@router.get("/versions", response_model=VersionList, responses=LIST, summary="The dataset versions")
async def list_versions(
    request: Request, response: Response, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
) -> VersionList:
    """A page of the dataset versions, newest first: number, time, route, changed graphs, triples
    added and removed, and whether each can still be queried (``?version=N``)."""
    runtime = _live(request)
    current = (await runtime.version_log.current()).number
    high = current - offset
    low = max(1, high - limit + 1)
    found = await runtime.version_log.list(low, high) if high >= 1 else []
    response.headers["Link"] = links(request.url, limit, offset, low > 1)
    shown = [_shown(runtime, record, current) for record in found]
    return VersionList(limit=limit, offset=offset, current=current, versions=shown)


@router.get(
    "/versions/{number}",
    response_model=DatasetVersion,
    responses=error_responses(404, 422, *ENGINE),
    summary="One dataset version",
)
async def get_version(request: Request, number: Number) -> DatasetVersion:
    """One dataset version (a 404 for a number the log does not hold)."""
    runtime = _live(request)
    wanted = number
    current = (await runtime.version_log.current()).number
    found = await runtime.version_log.list(wanted, wanted) if wanted <= current else []
    if not found:
        raise NotFound(f"there is no dataset version {wanted}: the current version is {current}")
    return _shown(runtime, found[0], current)
