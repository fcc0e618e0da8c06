"""A readers-writer gate for engines whose queries can see a commit half done.

Oxigraph's queries read a snapshot, so a reader sees the store before or after a whole update.
Virtuoso's SPARQL endpoint reads at READ COMMITTED: a query that reads one row before an
update commits and another after it combines the two states (the write tests saw a swap of two
values read as the same value twice). Every write to the store goes through this layer, so for
such an engine the client lets no query run while one of its writes is sent: a write waits for
the queries in flight and the queries that come meanwhile wait for it. Writers go first once
one waits, so a steady stream of queries cannot hold a commit back.

>>> import asyncio
>>> async def demo() -> list[str]:
...     gate, seen = CommitGate(), []
...     async def read(name: str) -> None:
...         async with gate.hold(exclusive=False, timeout_s=5):
...             seen.append(name)
...     async with gate.hold(exclusive=True, timeout_s=5):
...         task = asyncio.ensure_future(read("query"))
...         await asyncio.sleep(0.01)
...         seen.append("commit")
...     await task
...     return seen
>>> asyncio.run(demo())
['commit', 'query']
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class GateTimeout(Exception):
    """The gate did not open within the request's time limit (nothing was sent)."""


class CommitGate:
    """Shared for queries, exclusive for writes, writers first (see the module docstring)."""

    def __init__(self) -> None:
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0
        self._changed: asyncio.Condition | None = None

    @property
    def busy(self) -> bool:
        """Whether anything holds the gate or waits for it."""
        return bool(self._readers or self._writing or self._waiting_writers)

    def _open_to_queries(self) -> bool:
        """Whether a query may enter: no write holds the gate or waits for it."""
        return not (self._writing or self._waiting_writers)

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:  # made on first use, in the loop that uses it
            self._changed = asyncio.Condition()
        return self._changed

    @asynccontextmanager
    async def hold(self, *, exclusive: bool, timeout_s: float | None) -> AsyncIterator[None]:
        """Hold the gate while the body runs: shared for a query, exclusive for a write.

        :raises GateTimeout: when it does not open within ``timeout_s`` seconds.
        """
        changed = self._condition()
        if not exclusive and self._open_to_queries():
            # Open (one event loop, no await since the check): no lock, no timer. This is
            # every query's path between writes.
            self._readers += 1
        else:
            try:
                async with asyncio.timeout(timeout_s):
                    async with changed:
                        if exclusive:
                            await self._enter_writer(changed)
                        else:
                            await changed.wait_for(self._open_to_queries)
                            self._readers += 1
            except TimeoutError:
                raise GateTimeout from None
        try:
            yield
        finally:
            # The state changes at once (a cancelled exit cannot leave the gate shut); the
            # waiters are woken by a task of its own, which a cancellation does not stop.
            if exclusive:
                self._writing = False
                await asyncio.shield(_notify(changed))
            else:
                self._readers -= 1
                if self._waiting_writers:  # only a writer waits for the queries to end
                    await asyncio.shield(_notify(changed))

    async def _enter_writer(self, changed: asyncio.Condition) -> None:
        self._waiting_writers += 1
        try:
            await changed.wait_for(lambda: not (self._writing or self._readers))
        finally:
            self._waiting_writers -= 1
            changed.notify_all()  # a writer that gave up lets the queries behind it in
        self._writing = True


async def _notify(changed: asyncio.Condition) -> None:
    async with changed:
        changed.notify_all()
