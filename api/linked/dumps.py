"""The dumps of the whole graph: made from the engine, cached beside the store.

``clusterkg.nq.gz`` (gzipped N-Quads) and ``clusterkg.trig`` hold every quad of the store. They
are read from the engine (a Graph Store GET of the whole dataset, streamed to disk, parsed to its
end) and cached in ``<store>.dumps/`` beside the store. The cache is keyed on a fingerprint of
the store directory (names, sizes and modification times of its files, RocksDB's ``LOG`` files
left out): a rebuild, a write or an engine restart changes it, and the next request for a dump
(or for VoID, :func:`void_dumps`) makes them anew. With a remote engine there is no directory to
fingerprint: the fingerprint is the number of writes the layer sent it
(:attr:`kg.engine.client.EngineClient.writes`) and the number of quads it holds (one count),
so a write through the layer, or one elsewhere that changes the count, makes them anew.

A dump of an earlier version (``/dumps/<name>?version=N``, the runtime pinned to it by
:mod:`api.deps`) is read from that version's snapshot with pyoxigraph (read-only) and kept in
the snapshot's folder, so it goes when the snapshot does; a version never changes, so it is
made once.

Served by :mod:`api.routers.dumps`; listed in the VoID description by :mod:`api.routers.meta`.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

import pyoxigraph as ox
from fastapi import Request

from kg.engine.runtime import Runtime
from kg.errors import EngineError
from kg.namespaces import PREFIXES
from kg.settings import Settings

__all__ = ["DUMPS", "DumpFile", "dump_dir", "dumps", "store_fingerprint", "void_dumps"]

DUMPS = {"clusterkg.nq.gz": "application/gzip", "clusterkg.trig": "application/trig"}
"""The dump files and their media types (the N-Quads dump is a gzip file, not an encoding)."""


@dataclass(frozen=True)
class DumpFile:
    """A dump on disk: its path, size in bytes and when it was made (ISO 8601, UTC)."""

    name: str
    path: Path
    size: int
    modified: str


def dump_dir(settings: Settings) -> Path:
    """Where the dumps are cached: ``<store>.dumps`` beside the store directory."""
    store = settings.store.resolve()
    return store.parent / f"{store.name}.dumps"


def store_fingerprint(runtime: Runtime, settings: Settings) -> str | None:
    """A digest of the store directory's files (None with a remote engine: nothing to look at)."""
    if runtime.remote:
        return None
    store = settings.store.resolve()
    digest = hashlib.sha256()
    for path in sorted(store.rglob("*")):
        if path.is_file() and not path.name.startswith("LOG"):
            stat = path.stat()
            digest.update(f"{path.relative_to(store)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


async def _fingerprint(runtime: Runtime, settings: Settings) -> str:
    """The store directory's fingerprint, or a remote engine's (its writes and quad count)."""
    local = store_fingerprint(runtime, settings)
    if local is not None:
        return local
    rows = await runtime.client.select(
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", timeout_s=settings.query_timeout_s
    )
    count = rows[0].get("n") if rows else None
    value = count.value if isinstance(count, ox.Literal) else ""
    return f"remote {settings.engine_url} writes={runtime.client.writes} quads={value}"


def _lock(request: Request) -> asyncio.Lock:
    lock: asyncio.Lock | None = getattr(request.app.state, "dump_lock", None)
    if lock is None:
        lock = request.app.state.dump_lock = asyncio.Lock()
    return lock


def snapshot_of(runtime: Runtime) -> Path | None:
    """The snapshot a runtime pinned to an earlier version answers from (None: the live store)."""
    live = runtime.versions.current
    pinned = runtime.pinned
    if pinned is None or runtime.snapshots is None or (live is not None and live.number == pinned.number):
        return None
    return runtime.snapshots.path(pinned)


def _dump_snapshot(snapshot: Path, target: Path) -> None:
    """Write a snapshot's whole dataset as N-Quads (read-only: its engine may have it open)."""
    store = ox.Store.read_only(str(snapshot))
    store.dump(target, format=ox.RdfFormat.N_QUADS)


async def _fetch_dataset(runtime: Runtime, target: Path, timeout_s: float) -> None:
    """Stream the whole dataset from the engine (Graph Store GET, N-Quads) into a file, or
    from the snapshot of the version the runtime is pinned to."""
    snapshot = snapshot_of(runtime)
    if snapshot is not None:
        await asyncio.to_thread(_dump_snapshot, snapshot, target)
        return
    if runtime.engine is not None:
        await runtime.engine.wait_ready(10.0)
    await runtime.client.dump_dataset(target, timeout_s=timeout_s)


def _write_dumps(nquads: Path, folder: Path) -> None:
    """Parse the engine's N-Quads to the end and write the gzipped N-Quads and TriG dumps."""
    try:
        quads = list(ox.parse(path=nquads, format=ox.RdfFormat.N_QUADS))
    except SyntaxError as exc:
        raise EngineError(f"the engine's dataset was incomplete or malformed: {exc}") from None
    with gzip.open(folder / "clusterkg.nq.gz.tmp", "wb") as out:
        ox.serialize(quads, cast(IO[bytes], out), format=ox.RdfFormat.N_QUADS)
    ox.serialize(quads, folder / "clusterkg.trig.tmp", format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES))


async def dumps(request: Request, runtime: Runtime, settings: Settings) -> dict[str, DumpFile]:
    """The dumps, made anew when the store changed since they were last made.

    :raises EngineError: if the engine's dataset cannot be read or parsed (status 502).
    """
    snapshot = snapshot_of(runtime)
    folder = dump_dir(settings) if snapshot is None else snapshot / "clusterkg-dumps"
    meta_file = folder / "dumps.json"
    async with _lock(request):
        if snapshot is not None and runtime.pinned is not None:
            fingerprint = f"version {runtime.pinned.number} {runtime.pinned.time.isoformat()}"
        else:
            fingerprint = await _fingerprint(runtime, settings)
        meta: dict[str, Any] = {}
        if meta_file.is_file():
            try:
                meta = json.loads(meta_file.read_text(encoding="utf-8"))
            except ValueError:
                meta = {}
        fresh = meta.get("fingerprint") == fingerprint and all((folder / name).is_file() for name in DUMPS)
        if not fresh:
            folder.mkdir(parents=True, exist_ok=True)
            raw = folder / "dataset.nq.tmp"
            try:
                await _fetch_dataset(runtime, raw, settings.query_timeout_s)
                await asyncio.to_thread(_write_dumps, raw, folder)
            finally:
                raw.unlink(missing_ok=True)
            for name in DUMPS:
                (folder / f"{name}.tmp").replace(folder / name)
            made = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            meta = {"fingerprint": fingerprint, "modified": made}
            meta_file.write_text(json.dumps(meta), encoding="utf-8")
    modified = str(meta.get("modified", ""))
    return {name: DumpFile(name, folder / name, (folder / name).stat().st_size, modified) for name in DUMPS}


async def void_dumps(request: Request, runtime: Runtime) -> list[tuple[str, int, str]]:
    """The dumps for the VoID description: (URL, size in bytes, ISO date), making them if needed.

    For :func:`kg.describe.service.void_description`'s ``dumps``.
    """
    base = str(request.base_url).rstrip("/")
    files = await dumps(request, runtime, runtime.settings)
    return [(f"{base}/dumps/{name}", dump.size, dump.modified) for name, dump in files.items()]
