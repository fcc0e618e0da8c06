"""``POST /api/ingest``: a case template uploaded (multipart), mapped, validated and loaded.

The form carries the template as one ``.xlsx`` workbook, a ``.zip`` of CSV files, or the
CSV files themselves (several parts, one per sheet), all under the field name ``file``; the
source texts that the sources sheet names (``text_file``) come as ``.txt`` parts (or files in
the zip), so quotes are checked against them.
Query parameters: ``dry_run`` (check everything, write nothing) and ``graph`` (the case
graph's IRI). Writes need the update token, as every write does. The answer is the outcome
(200), or 422 with every problem of the template (sheet, row, column, value, expected).

The form is parsed as the body arrives and refused (413) as soon as the body passes the
server's limit, chunked or not. Workbooks and zips are read within the limits of
:mod:`kg.ingest.archive`: a member, a cell or a sheet over one is a 413 naming the part and the
cell; a file that is not what its name says is a 422 naming it. No message names a path on the
server.
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from api.body import refuse_declared_over_limit
from api.deps import RuntimeDep, SettingsDep, WriterDep
from api.rest.parameters import RejectUnknown
from api.schema.answers import IngestAnswer
from api.schema.openapi import WRITE, error_responses, request_body
from api.written import version_header
from kg.errors import (
    ParameterError,
    RequestError,
    ResultTooLarge,
    TooLarge,
    Unprocessable,
    UnsupportedMediaType,
)
from kg.ingest import IngestFileError, cases
from kg.ingest.archive import LIMITS, iter_member, open_archive

router = APIRouter(prefix="/api", tags=["ingest"], dependencies=[RejectUnknown])

FIELD = "file"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*\.(csv|xlsx|zip|txt)", re.IGNORECASE)
MAX_PARTS = 64
UPLOADED = "template"
"""The folder, in the request's temporary one, that the uploaded parts are written to."""


REFUSED = (
    "A parameter is unknown or does not fit (`parameter` names it), or the template has problems "
    "(`problems`, each where the spreadsheet shows it); nothing was loaded."
)
_PARTS = {"type": "array", "items": {"type": "string", "format": "binary"}}
BODY = request_body(
    {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {FIELD: _PARTS}, "required": [FIELD]},
            "encoding": {FIELD: {"contentType": "application/octet-stream"}},
        }
    },
    f"The template in the field {FIELD!r}: one .xlsx workbook, one .zip of CSV files, or CSV files "
    "(one per sheet); source texts as .txt parts.",
)


@router.post(
    "/ingest",
    summary="Ingest a case template (XLSX, CSV files or a zip of CSV files)",
    dependencies=[WriterDep],
    response_model=IngestAnswer,
    responses=error_responses(*WRITE, notes={422: REFUSED}),
    openapi_extra={"requestBody": BODY},
)
async def ingest(
    request: Request,
    runtime: RuntimeDep,
    settings: SettingsDep,
    dry_run: bool = False,
    graph: str | None = None,
) -> JSONResponse:
    """Map, validate and load a case template in one transaction; 422 lists every problem."""
    refuse_declared_over_limit(request, settings)
    if graph:
        try:
            ox.NamedNode(graph)
        except ValueError as exc:
            raise ParameterError(
                "graph", f"the case graph's name must be an absolute IRI, not {graph!r}: {exc}"
            ) from None
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType(f"send the template as multipart/form-data, in the field {FIELD!r}")
    with tempfile.TemporaryDirectory(prefix="clusterkg-ingest-") as tmp:
        form = await _form(request, settings.body_limit_bytes)
        try:
            uploads = [v for k, v in form.multi_items() if k == FIELD and isinstance(v, UploadFile)]
            path, source = await _save(uploads, Path(tmp), settings.body_limit_bytes)
        finally:
            await form.close()
        try:
            outcome = await cases.ingest(
                runtime,
                path,
                graph=graph,
                dry_run=dry_run,
                timeout_s=settings.query_timeout_s,
                source=source,
                # .txt parts sent beside a zip (a zipped text of the same name comes first)
                text_dirs=[Path(tmp) / UPLOADED],
            )
        except IngestFileError as exc:  # its path is in our temporary folder: name the upload
            raise Unprocessable(f"{source}: {exc.message}") from None
        except TooLarge as exc:
            if isinstance(exc, ResultTooLarge):
                raise
            raise TooLarge(f"{source}: {exc}") from None
    return JSONResponse(outcome.as_dict(), headers=version_header(outcome.version, runtime.versions))


async def _form(request: Request, limit: int) -> FormData:
    """The multipart form, parsed as the body arrives and refused as soon as it passes ``limit``
    (a chunked body declares no length: it is never read past the limit)."""

    async def bounded() -> AsyncGenerator[bytes, None]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"the upload is over the limit of {limit} bytes")
            yield chunk

    parser = MultiPartParser(request.headers, bounded(), max_files=MAX_PARTS, max_fields=MAX_PARTS)
    try:
        return await parser.parse()
    except MultiPartException as exc:
        raise RequestError(f"the multipart form cannot be read: {exc.message}") from None


async def _save(uploads: list[UploadFile], folder: Path, limit: int) -> tuple[Path, str]:
    """Write the uploaded parts into ``folder``: the template's path, and its name for messages."""
    if not uploads:
        raise RequestError(f"the form has no file in the field {FIELD!r}")
    names = [_safe_name(u.filename) for u in uploads]
    kinds = {name.rsplit(".", 1)[1].lower() for name in names} - {"txt"}
    templates = [n for n in names if not n.lower().endswith((".csv", ".txt"))]
    if not kinds or (kinds != {"csv"} and len(templates) != 1) or len(kinds) > 1:
        raise RequestError(
            "send one .xlsx workbook, one .zip of CSV files, or CSV files (with .txt source texts if any)"
        )
    sheets = folder / UPLOADED
    sheets.mkdir()
    total = 0
    for upload, name in zip(uploads, names, strict=True):
        data = await upload.read()
        total += len(data)
        if total > limit:
            raise TooLarge(f"the upload is over the limit of {limit} bytes")
        (sheets / name).write_bytes(data)
    if kinds == {"csv"}:
        return sheets, ", ".join(n for n in names if n.lower().endswith(".csv"))
    only = sheets / templates[0]
    if kinds == {"xlsx"}:
        return only, templates[0]
    try:
        return _unzip(only, folder / "unzipped", limit), templates[0]
    except IngestFileError as exc:
        raise Unprocessable(f"{templates[0]}: {exc.message}") from None
    except TooLarge as exc:
        raise TooLarge(f"{templates[0]}: {exc}") from None


def _unzip(archive: Path, target: Path, limit: int) -> Path:
    """The CSV and text files of a zip archive (flat; no other members, no paths), read within
    the archive limits of :mod:`kg.ingest.archive`, all of them within ``limit`` bytes."""
    limits = dataclasses.replace(LIMITS, total_bytes=limit, part_bytes=min(LIMITS.part_bytes, limit))
    target.mkdir()
    found = 0
    with open_archive(archive, limits) as zf:
        for member in zf.infolist():
            name = member.filename.rsplit("/", 1)[-1]
            if member.is_dir() or not name.lower().endswith((".csv", ".txt")) or name.startswith((".", "_")):
                continue  # folders' clutter (__MACOSX, .DS_Store) and non-sheets
            with (target / _safe_name(name)).open("wb") as out:
                for piece in iter_member(zf, member, limits):
                    out.write(piece)
            found += name.lower().endswith(".csv")
    if not found:
        raise Unprocessable(
            f"{archive.name}: the .zip archive has no .csv files (one per sheet, named after the sheet)"
        )
    return target


def _safe_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if not _NAME.fullmatch(base):
        raise RequestError(f"upload file name {name!r}: expected a name ending in .csv, .xlsx, .zip or .txt")
    return base
