"""Snapshots of the managed store, one per dataset version, kept for the retention policy.

Taken right after each commit, while the write lock is held (no write runs): a directory under
``settings.versions_dir`` (default: ``<store>.versions`` beside the store) named by the version's
number, where every ``*.sst`` of the live store is hard-linked (RocksDB never changes one: a
version costs only the files later compactions drop) and ``CURRENT``, ``MANIFEST-*``,
``OPTIONS-*``, ``IDENTITY`` and the write-ahead log ``*.log`` are copied; ``LOCK`` and the
``LOG*`` files are not. ``Store.backup`` misses the writes still in the WAL, this does not.
A background compaction may change the files meanwhile: the listing (name, size, mtime) is
compared before and after, and the copy must open and hold the version's record, else it is
taken again (a few times). ``clusterkg-version.json`` in the snapshot names its version and time:
a snapshot whose time is not the log's for that number (a store rebuilt from scratch) is never
answered from.

The retention policy (``settings.version_retention``): ``"20"`` keeps the 20 newest versions,
``"30d"`` keeps a version while it was current within the last 30 days (until the version
after it is older than that); the current version is always kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import shutil
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox

from kg.engine.local_store import MANIFEST
from kg.engine.pidfile import PIDFILE
from kg.errors import StoreError
from kg.settings import Settings
from kg.versions.log import parse_time, version_iri
from kg.versions.state import Version

log = logging.getLogger("clusterkg.versions")

STAMP = "clusterkg-version.json"
"""The file in a snapshot that names its version."""
ATTEMPTS = 8
_COPIED = ("CURRENT", "IDENTITY", MANIFEST)


def versions_dir(settings: Settings) -> Path:
    """Where the snapshots are kept: ``settings.versions_dir``, else ``<store>.versions`` beside it.

    >>> versions_dir(Settings(store=Path("/srv/kg/store"))).as_posix()
    '/srv/kg/store.versions'
    """
    if settings.versions_dir is not None:
        return settings.versions_dir.resolve()
    store = settings.store.resolve()
    return store.parent / f"{store.name}.versions"


def describe_policy(retention: str) -> str:
    """The retention policy in words.

    >>> describe_policy("20"), describe_policy("30d"), describe_policy("0")
    ('the 20 newest versions', 'versions current within the last 30 days', 'only the current version')
    """
    if retention.endswith("d"):
        return f"versions current within the last {int(retention[:-1])} days"
    count = int(retention)
    return "only the current version" if count <= 1 else f"the {count} newest versions"


def kept(numbers: list[tuple[int, datetime]], current: int, retention: str, now: datetime) -> set[int]:
    """Which versions the policy keeps, of (number, time) pairs (the current one always).

    >>> t = [(n, datetime(2026, 12, n, tzinfo=UTC)) for n in range(1, 6)]
    >>> sorted(kept(t, 5, "2", datetime(2026, 12, 9, tzinfo=UTC)))
    [4, 5]
    >>> sorted(kept(t, 5, "5d", datetime(2026, 12, 9, tzinfo=UTC)))
    [3, 4, 5]
    """
    keep = {current}
    ordered = sorted(numbers)
    if retention.endswith("d"):
        horizon = now - timedelta(days=int(retention[:-1]))
        times = dict(ordered)
        for number, _ in ordered:
            succeeded = times.get(number + 1)
            if succeeded is None or succeeded >= horizon:
                keep.add(number)
    else:
        keep |= {n for n, _ in ordered if n > current - int(retention)}
    return {n for n in keep if n <= current}


class Snapshots:
    """The snapshots of the managed store's versions."""

    def __init__(self, store: Path, directory: Path, retention: str) -> None:
        self.store = store
        self.directory = directory
        self.retention = retention
        self.on_prune: list[Callable[[int], Awaitable[None]]] = []
        """Awaited with each number about to be removed (its engine stops)."""

    def path(self, version: Version) -> Path | None:
        """The snapshot of exactly this version (number and time), or None."""
        folder = self.directory / str(version.number)
        stamp = self.stamp(folder)
        if stamp is None or stamp.time != version.time:
            return None
        return folder

    @staticmethod
    def stamp(folder: Path) -> Version | None:
        """The version a snapshot holds, from its stamp (None: not a finished snapshot)."""
        try:
            data = json.loads((folder / STAMP).read_text(encoding="utf-8"))
            return Version(int(data["number"]), parse_time(data["time"]), str(data["route"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def versions(self) -> list[Version]:
        """The versions that have a finished snapshot, oldest first."""
        found = []
        if self.directory.is_dir():
            for folder in self.directory.iterdir():
                if folder.name.isdigit() and (stamp := self.stamp(folder)) is not None:
                    found.append(stamp)
        return sorted(found, key=lambda v: v.number)

    def take(self, version: Version, *, logged: bool = True) -> Path:
        """Snapshot the live store as ``version`` (call with no write running); ``logged``: the
        version has its record in the log (not version 1 of a store built before the log).

        :raises StoreError: when no consistent copy could be made in :data:`ATTEMPTS` tries.
        """
        target = self.directory / str(version.number)
        self.directory.mkdir(parents=True, exist_ok=True)
        work = self.directory / f".{version.number}.taking"
        why = ""
        for attempt in range(ATTEMPTS):
            time.sleep(0.02 * attempt * attempt)  # let a background flush or compaction finish
            shutil.rmtree(work, ignore_errors=True)
            before = _listing(self.store)
            work.mkdir()
            try:
                for name in before:
                    _place(self.store / name, work / name)
            except FileNotFoundError:
                why = "a file was compacted away while it was copied"
                continue
            if _listing(self.store) != before:
                why = "the store's files changed while they were copied"
                continue
            if not _holds(work, version if logged else None):
                why = "the copy did not open or did not hold the version's record"
                continue
            stamp = {"number": version.number, "time": version.time.isoformat(), "route": version.route}
            (work / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
            shutil.rmtree(target, ignore_errors=True)
            work.rename(target)
            return target
        shutil.rmtree(work, ignore_errors=True)
        raise StoreError(f"no consistent snapshot of version {version.number} in {ATTEMPTS} attempts: {why}")

    def doomed(self, current: Version, now: datetime | None = None) -> list[int]:
        """The snapshots the retention policy no longer keeps."""
        have = self.versions()
        moment = now or datetime.now(UTC)
        keep = kept([(v.number, v.time) for v in have], current.number, self.retention, moment)
        return [v.number for v in have if v.number not in keep]

    async def prune(self, current: Version, now: datetime | None = None) -> list[int]:
        """Remove the snapshots the retention policy no longer keeps (their engines stopped
        first); returns their numbers."""
        removed = self.doomed(current, now)
        for number in removed:
            for listener in self.on_prune:
                await listener(number)
            await asyncio.to_thread(shutil.rmtree, self.directory / str(number), True)
        return removed

    async def taken(self, version: Version, *, logged: bool = True) -> None:
        """After a commit: snapshot the new version and prune; a failure is logged, never raised
        (the write is committed: only that version will not stay queryable)."""
        try:
            await asyncio.to_thread(functools.partial(self.take, version, logged=logged))
        except (StoreError, OSError) as exc:
            log.error("no snapshot of version %s: %s", version.number, exc)
        for number in await self.prune(version):
            log.info("version %s is past the retention policy: its snapshot was removed", number)

    async def ensure(self, version: Version, *, logged: bool) -> None:
        """At start: snapshot the current version unless it has one (a build, a load, a restart),
        and prune by the policy (days pass while no write runs)."""
        if self.path(version) is None:
            await self.taken(version, logged=logged)
        else:
            await self.prune(version)


def _listing(store: Path) -> dict[str, tuple[int, int]]:
    """The files a snapshot takes, with their size and modification time (a file compacted away
    meanwhile is left out: the listing after the copy then differs, and it is taken again)."""
    found = {}
    with os.scandir(store) as entries:
        for entry in entries:
            name = entry.name
            if name == "LOCK" or name.startswith(("LOG", "bulk-", PIDFILE)):
                continue
            if (
                name.endswith((".sst", ".log"))
                or name.startswith(("MANIFEST-", "OPTIONS-"))
                or name in _COPIED
            ):
                try:
                    stat = entry.stat()
                except FileNotFoundError:
                    continue
                found[name] = (stat.st_size, stat.st_mtime_ns)
    return found


def _place(source: Path, target: Path) -> None:
    """Hard-link an immutable table file, copy the others."""
    if source.suffix == ".sst":
        os.link(source, target)
    else:
        shutil.copyfile(source, target)


def _holds(folder: Path, version: Version | None) -> bool:
    """Whether the copy opens and holds the version's record (the last write reached it)."""
    try:
        store = ox.Store.read_only(str(folder))
    except OSError:
        return False
    if version is None:
        return True
    with contextlib.suppress(Exception):
        number = ox.Literal(
            str(version.number), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
        )
        subject = version_iri(version.number)
        predicate = ox.NamedNode("https://w3id.org/clusterkg/ontology#versionNumber")
        return any(True for _ in store.quads_for_pattern(subject, predicate, number, None))
    return False
