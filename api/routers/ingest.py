"""``POST /api/ingest``: a case template uploaded (multipart), mapped, validated and loaded.

The form carries the template as one ``.xlsx`` workbook, a ``.zip`` of CSV files, or the
CSV files themselves (several parts, one per sheet), all under the field name ``file``; the
source texts that the sources sheet names (``text_file``) come as ``.txt`` parts (or files in
the zip), so quotes are checked against them.
Query parameters: ``dry_run`` (check everything, write nothing) and ``graph`` (the case
graph's IRI). Writes need the update token, as every write does. The answer is the outcome
(200), or 422 with every problem of the template (sheet, row, column, value, expected).
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from api.answers import IngestAnswer
from api.body import refuse_declared_over_limit
from api.deps import RuntimeDep, SettingsDep, WriterDep
from api.openapi import WRITE, error_responses, request_body
from api.parameters import RejectUnknown
from kg.errors import RequestError, TooLarge, UnsupportedMediaType
from kg.ingest import cases

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
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType(f"send the template as multipart/form-data, in the field {FIELD!r}")
    with tempfile.TemporaryDirectory(prefix="clusterkg-ingest-") as tmp:
        async with request.form(max_files=MAX_PARTS, max_fields=MAX_PARTS) as form:
            uploads = [v for k, v in form.multi_items() if k == FIELD and isinstance(v, UploadFile)]
            path, source = await _save(uploads, Path(tmp), settings.body_limit_bytes)
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
    return JSONResponse(outcome.as_dict())


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
    return _unzip(only, folder / "unzipped", limit), templates[0]


def _unzip(archive: Path, target: Path, limit: int) -> Path:
    """The CSV files of a zip archive (flat; no other members, no paths, bounded size)."""
    target.mkdir()
    try:
        with zipfile.ZipFile(archive) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > limit:
                raise TooLarge(f"the zip archive unpacks to more than {limit} bytes")
            for member in members:
                name = member.filename.rsplit("/", 1)[-1]
                if not name.lower().endswith((".csv", ".txt")) or name.startswith((".", "_")):
                    continue  # folders' clutter (__MACOSX, .DS_Store) and non-sheets
                (target / _safe_name(name)).write_bytes(zf.read(member))
    except zipfile.BadZipFile as exc:
        raise RequestError(f"the .zip file cannot be read: {exc}") from None
    return target


def _safe_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    if not _NAME.fullmatch(base):
        raise RequestError(f"upload file name {name!r}: expected a name ending in .csv, .xlsx, .zip or .txt")
    return base
