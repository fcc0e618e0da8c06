"""The managed engine: an ``oxigraph serve`` child process on loopback over the built store.

:class:`ManagedEngine` starts it with the union default graph and the query timeout set,
watches it and starts it again if it dies, kills and restarts it when a query is stuck past
its time limit (the last resort the Oxigraph server needs for some query shapes), and stops
it on shutdown. Only this process opens the store directory while the engine runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

from kg.engine.local_store import MANIFEST
from kg.errors import EngineUnavailable, StoreError

log = logging.getLogger("clusterkg.engine")


def oxigraph_binary() -> str:
    """The ``oxigraph`` executable: beside this Python (a venv's bin), else on the PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise EngineUnavailable("the `oxigraph` executable is not installed (pip install oxigraph)")
    return found


def free_port() -> int:
    """A TCP port on loopback that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ManagedEngine:
    """An ``oxigraph serve`` child process over a store directory, kept alive.

    >>> engine = ManagedEngine(Path("var/store"), timeout_s=30)
    >>> engine.url is None
    True
    """

    def __init__(
        self,
        store: Path,
        *,
        timeout_s: float,
        startup_timeout_s: float = 60.0,
        binary: str | None = None,
    ) -> None:
        self.store = store
        self.timeout_s = timeout_s
        self.startup_timeout_s = startup_timeout_s
        self.binary = binary
        self.port: int | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.generation = 0
        self._stopping = False
        self._watch: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._ready = asyncio.Event()

    @property
    def url(self) -> str | None:
        """The base URL of the running engine, or None when it is not running."""
        return None if self.port is None else f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """The engine's process id, when it runs."""
        return None if self.process is None else self.process.pid

    async def start(self) -> None:
        """Start the engine and its watchdog; returns when it answers queries.

        :raises StoreError: if there is no built store.
        :raises EngineUnavailable: if it does not come up.
        """
        if not (self.store / MANIFEST).is_file():
            raise StoreError(f"no built store at {self.store}: run `clusterkg build --store {self.store}`")
        self._stopping = False
        async with self._lock:
            await self._spawn()
        self._watch = asyncio.create_task(self._watchdog(), name="clusterkg-engine-watchdog")

    async def _spawn(self) -> None:
        binary = self.binary or oxigraph_binary()
        self._remove_abandoned_bulk_files()
        last_error = ""
        for _attempt in range(3):
            port = free_port()
            args = [
                binary,
                "serve",
                "--location",
                str(self.store),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
                "--timeout-s",
                str(max(1, math.ceil(self.timeout_s))),
            ]
            self.process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            self.port = port
            if await self._wait_ready():
                self.generation += 1
                self._ready.set()
                log.info("engine started", extra={"pid": self.process.pid, "port": port})
                return
            last_error = await self._reap()
        self.port = None
        raise EngineUnavailable(f"the Oxigraph engine did not start: {last_error.strip()[-500:]}")

    def _remove_abandoned_bulk_files(self) -> None:
        """Delete the index files of a bulk load the engine died during (kg.engine.client.load_dataset).

        Oxigraph writes a bulk load's sorted quads to ``bulk-*.sst`` files in the store and
        then ingests them all at once, renaming them; files still named so were never part of
        the store (it holds none of their quads), and nothing else would remove them.
        """
        for leftover in self.store.glob("bulk-*.sst"):
            with contextlib.suppress(OSError):
                leftover.unlink()
                log.warning("removed an abandoned bulk-load file", extra={"file": leftover.name})

    async def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.returncode is not None:
                    return False
                try:
                    response = await client.get(f"{self.url}/query", params={"query": "ASK {}"})
                    if response.status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        return False

    async def _reap(self) -> str:
        """Kill the current process (if alive) and return what it wrote on stderr."""
        proc = self.process
        if proc is None:
            return ""
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        err = b""
        if proc.stderr is not None:
            with contextlib.suppress(Exception):
                err = await asyncio.wait_for(proc.stderr.read(), timeout=5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), timeout=10)
        return err.decode("utf-8", "replace")

    async def _watchdog(self) -> None:
        backoff = 0.2
        while not self._stopping:
            proc = self.process
            if proc is None:
                return
            await proc.wait()
            if self._stopping:
                return
            if self.process is not proc:  # restarted on purpose meanwhile
                continue
            async with self._lock:
                if self.process is proc and not self._stopping:
                    self._ready.clear()
                    log.warning("engine exited with %s; restarting", proc.returncode)
                    await self._reap()
                    try:
                        await self._spawn()
                        self.restarts += 1
                        backoff = 0.2
                    except EngineUnavailable:
                        log.exception("engine restart failed; retrying")
                        await asyncio.sleep(backoff)
                        backoff = min(backoff * 2, 10.0)

    async def restart(self, reason: str) -> None:
        """Kill the engine and start it again (the last resort for a stuck query).

        Requests stuck together ask together: once one restart is done, the others' requests
        died with the old engine, so they do not restart the new one.
        """
        generation = self.generation
        async with self._lock:
            if self.generation != generation:
                return
            log.warning("restarting the engine: %s", reason)
            self._ready.clear()
            if self.process is not None:
                await self._reap()
            await self._spawn()
            self.restarts += 1

    async def wait_ready(self, timeout: float) -> None:
        """Wait until the engine runs (e.g. while it restarts).

        :raises EngineUnavailable: if it is not back within the timeout.
        """
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            raise EngineUnavailable("the engine is restarting; try again shortly") from None

    async def stop(self) -> None:
        """Stop the watchdog and the engine."""
        self._stopping = True
        self._ready.clear()
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        proc = self.process
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=10)
            except TimeoutError:
                await self._reap()
        self.process = None
        self.port = None
