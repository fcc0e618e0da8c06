"""The dumps of the whole graph at ``/dumps/<name>`` (made and cached by :mod:`api.dumps`)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from api.deps import RuntimeDep, SettingsDep
from api.dumps import DUMPS, dumps

router = APIRouter(tags=["resources"])


@router.get("/dumps/{name}", summary="A dump of the whole graph (N-Quads gzipped, or TriG)")
async def dump(name: str, request: Request, runtime: RuntimeDep, settings: SettingsDep) -> Response:
    """``clusterkg.nq.gz`` (gzipped N-Quads) or ``clusterkg.trig``: every quad of the store."""
    if name not in DUMPS:
        available = ", ".join(f"/dumps/{n}" for n in DUMPS)
        return JSONResponse(
            {"error": "not-found", "message": f"no dump named {name!r}; available: {available}"},
            status_code=404,
        )
    files = await dumps(request, runtime, settings)
    return FileResponse(
        files[name].path,
        media_type=DUMPS[name],
        filename=name,
        headers={"X-Clusterkg-Dump-Date": files[name].modified},
    )
