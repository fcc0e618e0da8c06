"""The version log: each dataset version as PROV-O in the graph ``graph/versions``.

A version is written by the same engine transaction as the write that makes it (its quads are
part of the write's commit, :func:`kg.write.apply.apply_delta`; ``clusterkg build`` and
``clusterkg load`` add theirs to the store they swap in), so the log never names a write that
did not happen nor misses one that did. Each version reads::

    <https://w3id.org/clusterkg/id/version/5> a ckg:DatasetVersion ;   # a prov:Entity
        ckg:versionNumber 5 ; prov:generatedAtTime "2026-12-07T01:45:00.123+00:00"^^xsd:dateTime ;
        ckg:writeRoute "update" ; ckg:triplesAdded 3 ; ckg:triplesRemoved 0 ;
        ckg:changedGraph <https://w3id.org/clusterkg/graph/...> ;
        prov:wasRevisionOf <https://w3id.org/clusterkg/id/version/4> .

A store built before the log has no record: it is version 1 at its build time, and that record
is written with the first write that follows.

>>> from datetime import datetime, timezone
>>> record = Record(Version(2, datetime(2026, 12, 7, tzinfo=timezone.utc), "update"), ("urn:g",), 3, 1)
>>> [q.predicate.value.rsplit("#", 1)[-1] for q in record_quads(record)][:3]
['type', 'versionNumber', 'generatedAtTime']
>>> records(rows_of(record_quads(record)))[0] == record
True
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox

from kg import rq
from kg.engine.binding import bind_values
from kg.engine.client import EngineClient
from kg.engine.local_store import select_rows, text_of
from kg.errors import KgError
from kg.namespaces import CKG, GRAPH, ID, PROV
from kg.terms import Term
from kg.versions.state import Route, Version, Versions

log = logging.getLogger("clusterkg.versions")

VERSIONS_GRAPH = ox.NamedNode(str(GRAPH["versions"]))
"""The version log's graph (kept by the server: user writes to it are refused)."""
ROUTES: tuple[Route, ...] = ("build", "load", "update", "graph-store", "ingest")

_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _term(namespace: object, local: str) -> ox.NamedNode:
    return ox.NamedNode(f"{namespace}{local}")


@dataclass(frozen=True)
class Record:
    """A version as the log holds it: the version, the graphs it changed, the triples it added
    and removed (data and inferred, not counting the log itself)."""

    version: Version
    graphs: tuple[str, ...] = ()
    added: int = 0
    removed: int = 0


def version_iri(number: int) -> ox.NamedNode:
    """The IRI of a dataset version.

    >>> version_iri(3).value
    'https://w3id.org/clusterkg/id/version/3'
    """
    return ox.NamedNode(f"{ID}version/{number}")


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(_XSD + "integer"))


def record_quads(record: Record) -> list[ox.Quad]:
    """The PROV-O quads of a version, in the version-log graph."""
    version = record.version
    subject = version_iri(version.number)
    time = ox.Literal(
        version.time.astimezone(UTC).isoformat(timespec="milliseconds"),
        datatype=ox.NamedNode(_XSD + "dateTime"),
    )
    triples: list[tuple[ox.NamedNode, Term]] = [
        (_RDF_TYPE, _term(CKG, "DatasetVersion")),
        (_term(CKG, "versionNumber"), _integer(version.number)),
        (_term(PROV, "generatedAtTime"), time),
        (_term(CKG, "writeRoute"), ox.Literal(version.route)),
        (_term(CKG, "triplesAdded"), _integer(record.added)),
        (_term(CKG, "triplesRemoved"), _integer(record.removed)),
    ]
    triples += [(_term(CKG, "changedGraph"), ox.NamedNode(g)) for g in sorted(record.graphs)]
    if version.number > 1:
        triples.append((_term(PROV, "wasRevisionOf"), version_iri(version.number - 1)))
    return [ox.Quad(subject, p, o, VERSIONS_GRAPH) for p, o in triples]


def rows_of(quads: Iterable[ox.Quad]) -> list[dict[str, Term]]:
    """The rows ``versions-list.rq`` answers, read from quads in memory (for tests and builds)."""
    store = ox.Store()
    store.extend(quads)
    return select_rows(store, list_query(1, 2**62), union=False)


def list_query(low: int, high: int) -> str:
    """The query listing the versions numbered ``low`` to ``high`` (one row per changed graph)."""
    return bind_values(rq.load("versions-list"), {"low": _integer(low), "high": _integer(high)})


def records(rows: Iterable[dict[str, Term]]) -> list[Record]:
    """The records of ``versions-list.rq``'s rows, newest first."""
    found: dict[int, Record] = {}
    for row in rows:
        number = int(text_of(row["number"]))
        graph = row.get("graph")
        record = found.get(number)
        if record is None:
            version = Version(number, parse_time(text_of(row["time"])), text_of(row["route"]))
            record = Record(version, (), int(text_of(row["added"])), int(text_of(row["removed"])))
        if graph is not None:
            record = Record(record.version, (*record.graphs, text_of(graph)), record.added, record.removed)
        found[number] = record
    return [found[n] for n in sorted(found, reverse=True)]


def parse_time(text: str) -> datetime:
    """An ``xsd:dateTime`` as an aware UTC datetime (no zone: taken as UTC).

    >>> parse_time("2026-12-07T01:45:00.5Z").isoformat()
    '2026-12-07T01:45:00.500000+00:00'
    """
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def current_of(rows: list[dict[str, Term]]) -> Version | None:
    """The version of ``versions-current.rq``'s answer (None: no log)."""
    if not rows:
        return None
    row = rows[0]
    return Version(int(text_of(row["number"])), parse_time(text_of(row["time"])), text_of(row["route"]))


def local_current(store: ox.Store) -> Version | None:
    """The current version of a store opened in this process (``clusterkg build`` / ``load``)."""
    return current_of(select_rows(store, rq.load("versions-current"), union=False))


def next_record(
    current: Version | None, route: Route, graphs: Iterable[str], added: int, removed: int
) -> Record:
    """The record of the version a write now makes after ``current``."""
    number = current.number + 1 if current is not None else 1
    now = datetime.now(UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the log keeps it
    return Record(Version(number, now, route), tuple(sorted(set(graphs))), added, removed)


def record_offline(store: ox.Store, route: Route, added: int, removed: int) -> Record:
    """Add the record of a new version to a store this process writes (``clusterkg build`` and
    ``load``: the whole dataset is replaced or added to, so no graphs are named). A build that
    replaces a store built before the log starts again at 1."""
    current = local_current(store)
    record = next_record(current, route, (), added, removed)
    store.bulk_extend(record_quads(record))
    return record


def carry_over(previous: Path, store: ox.Store) -> int:
    """Copy the version log of the store a build replaces (it may be served meanwhile: read
    only) into the new store, so numbering goes on; returns the old store's other quads."""
    if not previous.is_dir():
        return 0
    try:
        old = ox.Store.read_only(str(previous))
    except OSError as exc:
        log.warning("the version log of %s could not be read (%s): numbering starts again", previous, exc)
        return 0
    store.bulk_extend(old.quads_for_pattern(None, None, None, VERSIONS_GRAPH))
    return len(old) - sum(1 for _ in old.quads_for_pattern(None, None, None, VERSIONS_GRAPH))


class VersionLog:
    """The version log of the engine's store, and the current version in ``versions``.

    ``built_at`` gives the build time of a store without a log (then version 1); that version's
    record is written with the next write (:attr:`unlogged`).
    """

    def __init__(self, versions: Versions, client: EngineClient, *, built_at: Callable[[], datetime]) -> None:
        self.versions = versions
        self.client = client
        self.built_at = built_at
        self.unlogged: Record | None = None

    async def load(self) -> Version:
        """Read the current version from the store and make it current.

        :raises KgError: when the engine cannot be asked (the version stays unknown).
        """
        found = current_of(await self.client.select(rq.load("versions-current"), timeout_s=30.0))
        if found is None:
            found = Version(1, self.built_at(), "build")
            self.unlogged = Record(found)
        else:
            self.unlogged = None
        self.versions.advance(found)
        return found

    async def current(self) -> Version:
        """The current version, read again if it is unknown (after a commit of unknown outcome)."""
        return self.versions.current or await self.load()

    async def next(
        self, route: Route, graphs: Iterable[str], added: int, removed: int
    ) -> tuple[Record, list[ox.Quad]]:
        """The record of the version a write makes, and the quads to commit with it."""
        current = await self.current()
        record = next_record(current, route, graphs, added, removed)
        quads = record_quads(record)
        if self.unlogged is not None:
            quads += record_quads(self.unlogged)
        return record, quads

    def committed(self, record: Record) -> None:
        """The write carrying ``record`` was committed: its version is current."""
        self.unlogged = None
        self.versions.advance(record.version)

    async def lost(self) -> None:
        """A commit whose outcome is unknown: forget the version and read it again if possible."""
        self.versions.forget()
        try:
            await self.load()
        except KgError as exc:
            log.warning("the current version could not be read again: %s", exc)

    async def list(self, low: int, high: int) -> list[Record]:
        """The versions numbered ``low`` to ``high``, newest first."""
        found = records(await self.client.select(list_query(low, high), timeout_s=30.0))
        if self.unlogged is not None and low <= 1 <= high:
            found.append(self.unlogged)
        return found
