"""The engine's pid file in the store directory: which process serves the store, for whom.

The managed engine asks the kernel to kill it when the API process dies (a parent-death
signal, :mod:`kg.engine.process`), so an orphaned engine should not outlive its API. Where
one still does (the signal was not delivered: another kernel, a race at start), it holds the
store's RocksDB lock and no new engine can open the store. So the API writes
``clusterkg-engine.pid`` (``<engine pid> <API pid>``) in the store when the engine starts,
and before starting one it stops the engine the file names, once it is sure that process is
an ``oxigraph serve`` over this very store (``/proc/<pid>/cmdline``) whose API is gone.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import signal
import time
from pathlib import Path

from kg.errors import StoreError

log = logging.getLogger("clusterkg.engine")

PIDFILE = "clusterkg-engine.pid"


def record(store: Path, engine_pid: int) -> None:
    """Write the pid file: this engine serves the store for this process."""
    path = store / PIDFILE
    spare = path.with_name(PIDFILE + ".tmp")
    spare.write_text(f"{engine_pid} {os.getpid()}\n", encoding="ascii")
    spare.replace(path)


def forget(store: Path, engine_pid: int) -> None:
    """Remove the pid file if it still names this engine."""
    if read(store) == (engine_pid, os.getpid()):
        with contextlib.suppress(OSError):
            (store / PIDFILE).unlink()


def read(store: Path) -> tuple[int, int] | None:
    """The engine and API process ids the pid file names, or None (no file, or not one of ours)."""
    try:
        fields = (store / PIDFILE).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        return None
    if len(fields) != 2 or not all(f.isdigit() for f in fields):
        return None
    return int(fields[0]), int(fields[1])


def serves(pid: int, store: Path, proc: Path = Path("/proc")) -> bool:
    """True if the process is an ``oxigraph serve`` over this store directory.

    >>> serves(os.getpid(), Path("var/store"))
    False
    """
    try:
        argv = (proc / str(pid) / "cmdline").read_bytes().split(b"\0")
        cwd = Path(os.readlink(proc / str(pid) / "cwd"))
    except OSError:
        return False
    args = [a.decode("utf-8", "replace") for a in argv if a]
    if len(args) < 2 or Path(args[0]).name != "oxigraph" or args[1] != "serve":
        return False
    for flag, value in itertools.pairwise(args):
        if flag in ("--location", "-l") and (cwd / value).resolve() == store.resolve():
            return True
    return False


def parent_of(pid: int, proc: Path = Path("/proc")) -> int | None:
    """A process's parent's id, or None once it is gone."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def gone(pid: int, proc: Path = Path("/proc")) -> bool:
    """True once a process has exited (a zombie has: only its exit status is left)."""
    try:
        stat = (proc / str(pid) / "stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] in ("Z", "X")


def stop_stale(store: Path, *, wait_s: float = 10.0) -> int | None:
    """Stop the engine the pid file names if it is a stale one over this store; its pid, or None.

    :raises StoreError: if that engine still serves a running API process (another
        ``clusterkg serve`` holds the store), or does not stop.
    """
    named = read(store)
    if named is None:
        return None
    engine, owner = named
    if engine == os.getpid() or not serves(engine, store) or gone(engine):
        with contextlib.suppress(OSError):
            (store / PIDFILE).unlink()
        return None
    if owner != os.getpid() and parent_of(engine) == owner and not gone(owner):
        raise StoreError(
            f"the store {store} is served by another running clusterkg process (pid {owner}); stop it first"
        )
    log.warning("stopping a stale engine over the store", extra={"pid": engine, "owner": owner})
    with contextlib.suppress(ProcessLookupError):
        os.kill(engine, signal.SIGKILL)
    deadline = time.monotonic() + wait_s
    while not gone(engine):
        if time.monotonic() > deadline:
            raise StoreError(f"a stale engine (pid {engine}) over the store {store} does not stop")
        time.sleep(0.02)
    with contextlib.suppress(OSError):
        (store / PIDFILE).unlink()
    return engine
