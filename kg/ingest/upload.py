"""Where ``clusterkg ingest`` sends a case: to the running server, or into the store directory.

When a clusterkg server answers at the configured address (or at ``--server``), the template
is uploaded to its ``POST /api/ingest`` with the update token, so the server, which owns the
store, validates and commits it in one transaction like any other write. Otherwise the store
directory is opened with a managed engine of our own for the time of the ingest, and the same
code (:func:`kg.ingest.cases.ingest`) runs here.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path

import httpx

from kg.engine.local_store import MANIFEST
from kg.engine.runtime import Runtime
from kg.errors import CaseRefused, KgError, RemoteError, RequestError, StoreError, WriteForbidden
from kg.ingest import Problem, cases
from kg.settings import Settings

PROBE_TIMEOUT_S = 1.5


def server_url(settings: Settings, explicit: str | None) -> str | None:
    """The base URL of a running clusterkg server: ``explicit``, or the configured address if
    a clusterkg server answers there (None when nothing does)."""
    if explicit:
        return explicit.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    base = f"http://{host}:{settings.port}"
    try:
        answer = httpx.get(f"{base}/health", timeout=PROBE_TIMEOUT_S, trust_env=False)
        body = answer.json()
    except (httpx.HTTPError, ValueError):
        return None
    return base if isinstance(body, dict) and "engine" in body else None


def upload(
    base: str, path: Path, settings: Settings, *, graph: str | None, dry_run: bool
) -> cases.IngestOutcome:
    """Send the template to a running server's ``POST /api/ingest``.

    :raises CaseRefused: with the server's list of problems.
    """
    if settings.update_token is None:
        raise WriteForbidden(
            f"a clusterkg server runs at {base}: set CLUSTERKG_UPDATE_TOKEN to its update token "
            "to ingest through it (or stop it to ingest into the store directory)",
        )
    files = _parts(path)
    params: dict[str, str] = {"dry_run": "true" if dry_run else "false"}
    if graph:
        params["graph"] = graph
    try:
        answer = httpx.post(
            f"{base}/api/ingest",
            params=params,
            files=files,
            headers={"Authorization": f"Bearer {settings.update_token.get_secret_value()}"},
            timeout=settings.query_timeout_s + 60,
            trust_env=False,
        )
    except httpx.HTTPError as exc:
        raise RemoteError(f"the server at {base} did not answer the ingest: {exc}") from exc
    try:
        body = answer.json()
    except ValueError:
        body = {"message": answer.text[:500]}
    if answer.status_code == 200:
        return cases.IngestOutcome(**body)
    if answer.status_code == 422 and "problems" in body:
        problems = [
            Problem(p["sheet"], p["row"], p["column"], p["value"], p["expected"]) for p in body["problems"]
        ]
        raise CaseRefused(str(path), problems)
    raise RequestError(
        f"the server at {base} refused the ingest ({answer.status_code}): {body.get('message')}"
    )


Part = tuple[str, tuple[str, io.BytesIO, str]]


def _parts(path: Path) -> list[Part]:
    if path.is_dir():
        sheets = sorted(path.glob("*.csv"))
        if not sheets:
            raise RequestError(f"{path}: the folder has no .csv files")
        return [("file", (s.name, io.BytesIO(s.read_bytes()), "text/csv")) for s in sheets] + _texts(path)
    if not path.is_file():
        raise RequestError(f"{path}: no such file or folder")
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return [("file", (path.name, io.BytesIO(path.read_bytes()), kind)), *_texts(path.parent)]


def _texts(folder: Path) -> list[Part]:
    """The source texts in a template's folder, which the quotes are checked against."""
    texts = sorted(folder.glob("*.txt"))
    return [("file", (t.name, io.BytesIO(t.read_bytes()), "text/plain")) for t in texts]


def ingest_locally(
    path: Path,
    settings: Settings,
    *,
    graph: str | None,
    dry_run: bool,
    progress: Callable[[int, int], None] | None = None,
) -> cases.IngestOutcome:
    """Ingest into the store directory with a managed engine of our own, started and stopped here."""
    if not (settings.store / MANIFEST).is_file():
        raise StoreError(f"there is no built store at {settings.store}: run `clusterkg build` first")

    async def run() -> cases.IngestOutcome:
        runtime = Runtime(settings)
        try:
            await runtime.start()
        except KgError as exc:
            await runtime.stop()
            raise StoreError(
                f"cannot open the store {settings.store} ({exc}); if a server is using it, ingest "
                "through the server (--server URL)"
            ) from exc
        try:
            return await cases.ingest(
                runtime,
                path,
                graph=graph,
                dry_run=dry_run,
                timeout_s=max(settings.query_timeout_s, 600.0),
                progress=progress,
            )
        finally:
            await runtime.stop()

    return asyncio.run(run())
