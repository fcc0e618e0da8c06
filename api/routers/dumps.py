"""The dumps of the whole graph at ``/dumps/<name>`` (made and cached by :mod:`api.linked.dumps`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from api.deps import RuntimeDep, SettingsDep
from api.linked.dumps import DUMPS, dumps
from api.schema.openapi import answer, error_responses, header
from kg.errors import NotFound

router = APIRouter(tags=["resources"])


DUMP = answer(
    "The dump (a file download).",
    *dict.fromkeys(DUMPS.values()),
    schema={"type": "string", "format": "binary"},
    headers={"X-Clusterkg-Dump-Date": header("When the dump was made (ISO 8601, UTC).")},
)


@router.get(
    "/dumps/{name}",
    summary="A dump of the whole graph (N-Quads gzipped, or TriG)",
    response_class=Response,
    responses={**DUMP, **error_responses(404, 422, 502, 503)},
)
async def dump(name: str, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """``clusterkg.nq.gz`` (gzipped N-Quads) or ``clusterkg.trig``: every quad of the store."""
    if name not in DUMPS:
        available = ", ".join(f"/dumps/{n}" for n in DUMPS)
        raise NotFound(f"no dump named {name!r}; available: {available}")
    files = await dumps(request, runtime, settings)
    return FileResponse(
        files[name].path,
        media_type=DUMPS[name],
        filename=name,
        headers={"X-Clusterkg-Dump-Date": files[name].modified},
    )
