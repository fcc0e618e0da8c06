"""The headers of a committed write's answer: what it changed, and the dataset version the data
is at after it (``Clusterkg-Version``), so that a client can cite or pin what it just wrote.

>>> from kg.versions.state import Versions
>>> write_headers(WriteOutcome(2, 1, 0, 0, version=7), Versions(trusted=True), inferred=False)
{'X-Clusterkg-Inserted': '2', 'X-Clusterkg-Deleted': '1', 'Clusterkg-Version': '7'}
"""

from __future__ import annotations

from kg.versions.state import Versions
from kg.write.apply import WriteOutcome

VERSION_HEADER = "Clusterkg-Version"


def write_headers(outcome: WriteOutcome, versions: Versions, *, inferred: bool) -> dict[str, str]:
    """The counts of a write (with ``inferred``, also the inferred quads added and removed) and
    the version after it (:func:`version_header`)."""
    headers = {"X-Clusterkg-Inserted": str(outcome.inserted), "X-Clusterkg-Deleted": str(outcome.deleted)}
    if inferred:
        headers["X-Clusterkg-Inferred-Added"] = str(outcome.inferred_added)
        headers["X-Clusterkg-Inferred-Removed"] = str(outcome.inferred_removed)
    return {**headers, **version_header(outcome.version, versions)}


def version_header(made: int | None, versions: Versions) -> dict[str, str]:
    """``Clusterkg-Version`` of a write's answer: the version the write ``made``; for a write
    that changed nothing, the current one when this server's versions are trusted (the managed
    engine, or a sole writer); else none (others may have written meanwhile)."""
    current = versions.current
    if made is None and current is not None and versions.trusted:
        made = current.number
    return {} if made is None else {VERSION_HEADER: str(made)}
