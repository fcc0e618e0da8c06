"""The managed engine: an ``oxigraph serve`` child process on loopback over the built store.

:class:`ManagedEngine` starts it with the union default graph (and Oxigraph's own query
timeout when asked: ``Settings.engine_own_timeout``), watches it and starts it again if it
dies, kills and restarts it when a query is stuck past its time limit (the last resort) or its
memory passes the ceiling (:mod:`kg.engine.memory`), and stops it on shutdown. Only this process opens
the store directory while the engine runs: the engine asks the kernel to kill it when its
parent dies (``PR_SET_PDEATHSIG``), and a stale engine that outlived an earlier API is stopped
before a new one starts (:mod:`kg.engine.pidfile`). Why an engine stopped is kept, so the
requests it was serving can be told (:meth:`ManagedEngine.lost`), and those cut off by a
restart for another, stuck request sent again (:meth:`ManagedEngine.restarted_for_another`).

Size: one class, the child process's whole life (start, readiness, watchdog, restart, reaping
and why it stopped, stop), whose parts share its lock and state.
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
from collections import OrderedDict
from pathlib import Path
from typing import Literal, TypeVar

import httpx

from kg.engine import memory, pidfile
from kg.engine.child import child_setup, exit_reason
from kg.engine.local_store import MANIFEST
from kg.errors import EngineUnavailable, StoreError

log = logging.getLogger("clusterkg.engine")

Guard = Literal["auto", "watch", "watch-only", "rlimit"]
V = TypeVar("V")


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

    ``memory_mb`` is its memory ceiling (None: none); ``guard`` picks how it is enforced:
    ``"auto"`` (a cgroup v2 group where one can be made, else the watch with its address-space
    backstop), ``"watch"`` (the watch and the backstop), ``"watch-only"`` (no backstop) or
    ``"rlimit"`` (the backstop alone): the last two let tests reach each path on its own.

    ``timeout_s`` is the engine's own limit (``--timeout-s``) or None: Oxigraph keeps a thread per
    query asleep for the whole limit (``Settings.engine_own_timeout`` says what that cost).

    >>> engine = ManagedEngine(Path("var/store"), timeout_s=30)
    >>> engine.url is None
    True
    """

    def __init__(
        self,
        store: Path,
        *,
        timeout_s: float | None,
        memory_mb: int | None = None,
        guard: Guard = "auto",
        startup_timeout_s: float = 60.0,
        binary: str | None = None,
        read_only: bool = False,
    ) -> None:
        self.store = store
        self.read_only = read_only
        """Serve with ``oxigraph serve-read-only`` (a snapshot of an earlier version, kg.versions)."""
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.guard = guard
        self.startup_timeout_s = startup_timeout_s
        self.binary = binary
        self.port: int | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.generation = 0
        self.memory_guard = "none"
        """How the memory ceiling is enforced once started: cgroup, watch, rlimit or none."""
        self._cgroup: memory.Cgroup | None = None
        self._rss: memory.RssWatch | None = None
        self._address_space: int | None = None
        self._stuck_restarts: OrderedDict[str, None] = OrderedDict()
        """The base URLs of the last engines restarted for a stuck request (:meth:`restart`)."""
        self._oom_kills = 0
        self._over: dict[int, str] = {}  # pid -> why the memory watch killed it
        self._ended: OrderedDict[str, str] = OrderedDict()  # url -> why it stopped ("" unknown)
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
        await asyncio.to_thread(pidfile.stop_stale, self.store)
        self._guard_memory()
        async with self._lock:
            await self._spawn()
        self._watch = asyncio.create_task(self._watchdog(), name="clusterkg-engine-watchdog")

    def _guard_memory(self) -> None:
        """Set up the memory ceiling: a cgroup v2 group, else the watch and/or the backstop."""
        if self.memory_mb is None or self.memory_guard != "none":
            return
        ceiling = self.memory_mb * memory.MIB
        if self.guard == "auto":
            self._cgroup = memory.cgroup_v2_child(f"clusterkg-engine-{os.getpid()}", ceiling)
        if self._cgroup is not None:
            self.memory_guard = "cgroup"
            self._oom_kills = self._cgroup.oom_kills()
        else:
            self._watch_memory(ceiling)
        log.info("engine memory ceiling: %s MiB, by %s", self.memory_mb, self.memory_guard)

    def _watch_memory(self, ceiling: int) -> None:
        """Guard the ceiling without a cgroup: the watch and/or the address-space backstop."""
        if self.guard != "rlimit":
            self._rss = memory.RssWatch(ceiling, self._note_over)
        if self.guard != "watch-only":
            self._address_space = 3 * ceiling + memory.BACKSTOP_EXTRA
        self.memory_guard = "rlimit" if self._rss is None else "watch"

    def _note_over(self, pid: int, resident: int) -> None:
        """Called by the memory watch (from its thread) just before it kills the engine."""
        self._over[pid] = self._ceiling_reason()
        log.warning(
            "engine over its memory ceiling", extra={"pid": pid, "resident_mb": resident // memory.MIB}
        )

    @property
    def memory_guard_bytes(self) -> int:
        """The memory ceiling in bytes (0: none)."""
        return (self.memory_mb or 0) * memory.MIB

    def _ceiling_reason(self) -> str:
        return f"it went over its memory ceiling of {self.memory_mb} MiB (CLUSTERKG_ENGINE_MEMORY_MB)"

    async def _spawn(self) -> None:
        binary = self.binary or oxigraph_binary()
        if not self.read_only:
            self._remove_abandoned_bulk_files()
        last_error = ""
        for _attempt in range(3):
            port = free_port()
            args = [
                binary,
                "serve-read-only" if self.read_only else "serve",
                "--location",
                str(self.store),
                "--bind",
                f"127.0.0.1:{port}",
                "--union-default-graph",
            ]
            if self.timeout_s is not None:
                # Oxigraph stops a query at this limit itself, with a thread per query that
                # sleeps for the whole limit (kg.settings.Settings.engine_own_timeout)
                args += ["--timeout-s", str(max(1, math.ceil(self.timeout_s)))]
            self.process = await asyncio.create_subprocess_exec(
                *args,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
                preexec_fn=child_setup(self._address_space),
            )
            self.port = port
            self._ended.pop(f"http://127.0.0.1:{port}", None)  # a port an earlier engine had
            self._stuck_restarts.pop(f"http://127.0.0.1:{port}", None)
            self._adopt(self.process.pid)
            if await self._wait_ready():
                self.generation += 1
                self._ready.set()
                log.info("engine started", extra={"pid": self.process.pid, "port": port})
                return
            last_error = await self._reap()
        self.port = None
        raise EngineUnavailable(f"the Oxigraph engine did not start: {last_error.strip()[-500:]}")

    def _adopt(self, pid: int) -> None:
        """Put a new engine process under the memory ceiling and name it in the pid file."""
        if self._cgroup is not None:
            try:
                self._cgroup.add(pid)
            except OSError as exc:  # the group was taken from us: watch instead, from now on
                log.warning("could not move the engine into its cgroup (%s); watching it instead", exc)
                self._cgroup.remove()
                self._cgroup = None
                self._watch_memory(self.memory_guard_bytes)
        if self._rss is not None:
            self._rss.watch(pid)
        with contextlib.suppress(OSError):
            pidfile.record(self.store, pid)

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

    async def _reap(self, reason: str = "") -> str:
        """Kill the current process (if alive), note why it stopped, and return what it wrote on stderr."""
        proc = self.process
        if proc is None:
            return ""
        url = self.url
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        err = b""
        if proc.stderr is not None:
            with contextlib.suppress(Exception):
                err = await asyncio.wait_for(proc.stderr.read(), timeout=5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(proc.wait(), timeout=10)
        text = err.decode("utf-8", "replace")
        if url is not None:
            _remember(self._ended, url, self._why_stopped(proc.pid, text) or reason)
        return text

    def _why_stopped(self, pid: int, stderr: str) -> str:
        """Why an engine process stopped, when it was its memory ceiling ("" otherwise)."""
        over = self._over.pop(pid, "")
        if over:
            return over
        if self._address_space is not None and memory.ALLOCATION_FAILED in stderr:
            return self._ceiling_reason()
        if self._cgroup is not None:
            kills, self._oom_kills = self._oom_kills, self._cgroup.oom_kills()
            if self._oom_kills > kills:
                return self._ceiling_reason()
        return ""

    async def lost(self, url: str, wait_s: float = 1.0) -> str | None:
        """Why the engine a request was sent to (its URL) stopped, for the requests it was
        serving: a sentence, or None when it is not known to have stopped.

        Waits briefly for the process to be reaped: a request sees its connection drop a
        moment before the engine's exit is noticed.

        >>> asyncio.run(ManagedEngine(Path("var/store"), timeout_s=1).lost("http://127.0.0.1:9/query", 0))
        """
        url = _engine_base(url)
        deadline = time.monotonic() + wait_s
        while url not in self._ended and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self._ended.get(url) or None

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
                    await self._reap(exit_reason(proc.returncode))
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
                if self.url is not None:
                    _remember(self._stuck_restarts, self.url, None)
                await self._reap(f"it was restarted ({reason})")
            await self._spawn()
            self.restarts += 1

    def restarted_for_another(self, url: str) -> bool:
        """Whether the engine a request was sent to (its URL) was restarted for another request,
        stuck past its limit: a read it was serving may be sent again (not after a crash or the
        memory ceiling, whose cause may be any of them).

        >>> ManagedEngine(Path("var/store"), timeout_s=1).restarted_for_another("http://127.0.0.1:9/query")
        False
        """
        return _engine_base(url) in self._stuck_restarts

    async def wait_ready(self, timeout: float) -> None:
        """Wait until the engine runs (e.g. while it restarts).

        :raises EngineUnavailable: if it is not back within the timeout.
        """
        if self._ready.is_set():  # the common case, on every request: no timer, no task
            return
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
        if self._rss is not None:
            self._rss.stop()
        proc = self.process
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout=10)
            except TimeoutError:
                await self._reap()
        if proc is not None:
            pidfile.forget(self.store, proc.pid)
        if self._cgroup is not None:
            self._cgroup.remove()
            self._cgroup = None
        self._rss = None
        self.memory_guard = "none"
        self.process = None
        self.port = None


REMEMBERED = 32
"""How many engines (by base URL) the records of why they stopped and whether they were
restarted for a stuck request keep."""


def _remember(records: OrderedDict[str, V], url: str, value: V) -> None:
    """Keep ``value`` for an engine's base URL, the oldest of more than :data:`REMEMBERED` dropped."""
    records[url] = value
    while len(records) > REMEMBERED:
        records.popitem(last=False)


def _engine_base(url: str) -> str:
    """The base URL of the engine a request URL points at (scheme and host:port).

    >>> _engine_base("http://127.0.0.1:9/query?x=1")
    'http://127.0.0.1:9'
    """
    return "/".join(url.split("/", 3)[:3])
