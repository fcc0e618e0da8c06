"""The dataset's current version as this server knows it: what caches, ETags and answers name.

>>> from datetime import datetime, timezone
>>> state = Versions(trusted=True)
>>> state.current is None
True
>>> state.advance(Version(3, datetime(2026, 12, 7, tzinfo=timezone.utc), "update"))
>>> state.current.number, state.generation
(3, 1)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

Route = str
"""How a version was made: ``build``, ``load``, ``update``, ``graph-store``, ``ingest``."""


@dataclass(frozen=True)
class Version:
    """One dataset version: its number (increasing from 1), when it was committed (UTC), and
    through which route."""

    number: int
    time: datetime
    route: Route


class Versions:
    """The current version, and who must hear when it changes (the result cache).

    ``trusted`` is true when the data changes only through this server (the managed engine, or a
    remote one whose user says so): then an answer computed at a version stays right until the
    next one. ``generation`` changes with every change of ``current`` (also to unknown).
    """

    def __init__(self, *, trusted: bool) -> None:
        self.trusted = trusted
        self.current: Version | None = None
        self.generation = 0
        self._listeners: list[Callable[[], None]] = []

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever the current version changes."""
        self._listeners.append(listener)

    def advance(self, version: Version) -> None:
        """A write was committed (or the version was read from the store)."""
        self.current = version
        self._changed()

    def committed(self, route: Route) -> Version:
        """A write was committed now through ``route``: the next number becomes current."""
        number = self.current.number + 1 if self.current is not None else 1
        version = Version(number, datetime.now(UTC), route)
        self.advance(version)
        return version

    def forget(self) -> None:
        """The current version is unknown (a commit whose outcome is unknown): until it is read
        again, nothing may be answered from a cache."""
        self.current = None
        self._changed()

    def _changed(self) -> None:
        self.generation += 1
        for listener in self._listeners:
            listener()
