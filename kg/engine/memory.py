"""The managed engine's memory ceiling (``CLUSTERKG_ENGINE_MEMORY_MB``): a cgroup, else a watch.

Measured on Oxigraph 0.5.13 (2 cores): idle, the engine holds 20 MB resident in 430 MB of
address space; bulk-loading 500k quads, 490 MB resident in 1.28 GB; ten nested CONCATs that
build a 10^9-character string (a 550-byte query), 2.1 GB resident in 3.2 GB, growing by up to
1.5 GB a second. Past its ceiling the engine is killed (and then restarted by its owner); how:

- **cgroup v2**, where the machine has one whose memory controller reaches a group we may
  make (beside or below our own, :func:`cgroup_v2_child`): the engine's group has
  ``memory.max`` at the ceiling, no swap, and ``memory.oom.group``: the kernel kills the
  engine past it, and ``memory.events`` counts the kill.
- **a watch** otherwise (cgroup v1, no delegation, no permission): a thread reads the engine's
  resident memory (``VmRSS`` in ``/proc/<pid>/status``) every 100 ms and kills it past the
  ceiling (:class:`RssWatch`): at the growth measured above it overshoots by ~150 MB at most.
  A backstop for the case where the watch is late (this process stalled): the engine's
  address space is limited (``RLIMIT_AS``) to three times the ceiling plus 512 MiB, which the
  measurements above leave room for (bulk loads need ~2.6 times their resident memory);
  past it, an allocation fails and the engine aborts (``memory allocation of N bytes failed``
  on its standard error). RocksDB in Oxigraph does not map its files, so this breaks no read.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("clusterkg.engine")

MIB = 1024 * 1024
BACKSTOP_EXTRA = 512 * MIB
"""The address-space backstop is three times the ceiling plus this (an idle engine maps 430 MB)."""
ALLOCATION_FAILED = "memory allocation of"
"""What a Rust program writes on its standard error when an allocation fails (then it aborts)."""


def machine_memory_mb(proc: Path = Path("/proc")) -> int:
    """The memory this process may use, in MiB: the machine's, or its cgroup's limit if lower.

    >>> machine_memory_mb() > 0
    True
    """
    total = 0
    with contextlib.suppress(OSError, ValueError):
        for line in (proc / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                total = int(line.split()[1]) * 1024
    limits = [limit for limit in _own_cgroup_limits(proc) if limit > 0]
    if total > 0:
        limits.append(total)
    return max(1, min(limits) // MIB) if limits else 4096


def default_ceiling_mb(proc: Path = Path("/proc")) -> int:
    """The default memory ceiling of the engine: a quarter of :func:`machine_memory_mb`, at
    least 512 MiB (the API, its results and the page cache of the store need the rest)."""
    return max(512, machine_memory_mb(proc) // 4)


def _own_cgroup_limits(proc: Path) -> list[int]:
    """The memory limits of this process's cgroups (v2 ``memory.max``, v1 ``limit_in_bytes``)."""
    found: list[int] = []
    for mount, kind, path in _own_cgroups(proc):
        name = "memory.max" if kind == "cgroup2" else "memory.limit_in_bytes"
        with contextlib.suppress(OSError, ValueError):
            value = (mount / path / name).read_text().strip()
            if value != "max":
                found.append(int(value))
    return found


def _own_cgroups(proc: Path) -> list[tuple[Path, str, str]]:
    """Where this process's memory cgroups are: (mount point, ``cgroup2``/``cgroup``, path below it)."""
    try:
        membership = (proc / "self" / "cgroup").read_text().splitlines()
        mounts = (proc / "self" / "mountinfo").read_text().splitlines()
    except OSError:
        return []
    groups: dict[str, str] = {}  # "" for the v2 hierarchy, "memory" for the v1 memory one
    for line in membership:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            groups[""] = parts[2]
        elif "memory" in parts[1].split(","):
            groups["memory"] = parts[2]
    found: list[tuple[Path, str, str]] = []
    for line in mounts:
        left, sep, right = line.partition(" - ")
        fields, extra = left.split(), right.split()
        if not sep or len(fields) < 5 or len(extra) < 3:
            continue
        root, point, fstype = fields[3], fields[4], extra[0]
        if fstype == "cgroup2":
            key = ""
        elif fstype == "cgroup" and "memory" in extra[2].split(","):
            key = "memory"
        else:
            continue
        path = groups.get(key)
        if path is None or not (path == root or path.startswith(root.rstrip("/") + "/")):
            continue  # our group is not below this mount's root: not reachable here
        found.append((Path(point), fstype, path[len(root.rstrip("/")) :].lstrip("/")))
    return found


@dataclass(frozen=True)
class Cgroup:
    """A cgroup v2 group of our own with a memory ceiling, for the engine."""

    path: Path

    def add(self, pid: int) -> None:
        """Move a process into the group."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def oom_kills(self) -> int:
        """How many processes the kernel killed in the group for going over ``memory.max``."""
        with contextlib.suppress(OSError, ValueError):
            for line in (self.path / "memory.events").read_text().splitlines():
                name, _, value = line.partition(" ")
                if name == "oom_kill":
                    return int(value)
        return 0

    def remove(self) -> None:
        """Remove the group (once no process is left in it)."""
        with contextlib.suppress(OSError):
            self.path.rmdir()


def cgroup_v2_child(name: str, ceiling_bytes: int, proc: Path = Path("/proc")) -> Cgroup | None:
    """A cgroup v2 group for the engine with ``memory.max`` set, or None where none can be made.

    The group is made where the memory controller reaches it: a child of this process's own
    group when that group passes ``memory`` on to its children (or can be made to: the kernel
    allows it only for a group without processes of its own, so seldom), else a sibling under
    its parent, which passes ``memory`` on (that is how our group has it), when we may write
    there (root on a cgroup v2 machine). None where there is no cgroup v2 hierarchy, its
    memory controller is not offered to our group (cgroup v1 holds it, or it was not
    delegated), or neither place is writable. The machine's top group is never changed.
    """
    where = next(((mount, path) for mount, kind, path in _own_cgroups(proc) if kind == "cgroup2"), None)
    if where is None:
        return None
    own = where[0] / where[1]
    try:
        if "memory" not in (own / "cgroup.controllers").read_text().split():
            return None
    except OSError:
        return None
    places = [own, own.parent] if where[1] else [own]
    for place in places:
        if _passes_memory_on(place, enable=place == own and bool(where[1])):
            group = _make_group(place / name, ceiling_bytes, proc)
            if group is not None:
                return group
    return None


def _passes_memory_on(group: Path, *, enable: bool) -> bool:
    """True if the group's children get the memory controller (enabling it first if asked)."""
    try:
        if "memory" in (group / "cgroup.subtree_control").read_text().split():
            return True
        if enable:
            (group / "cgroup.subtree_control").write_text("+memory")
            return True
    except OSError:
        pass
    return False


def _make_group(path: Path, ceiling_bytes: int, proc: Path) -> Cgroup | None:
    """Make the engine's group with its ceiling (None if the kernel or permissions refuse)."""
    try:
        _remove_abandoned_groups(path.parent, path.name, proc)
        path.mkdir(exist_ok=True)
    except OSError:
        return None
    group = Cgroup(path)
    try:
        (path / "memory.max").write_text(str(ceiling_bytes))
    except OSError:
        group.remove()
        return None
    for setting, value in (("memory.swap.max", "0"), ("memory.oom.group", "1")):
        with contextlib.suppress(OSError):  # no swap accounting, or an older kernel
            (path / setting).write_text(value)
    return group


def _remove_abandoned_groups(parent: Path, name: str, proc: Path) -> None:
    """Remove empty engine groups left by earlier API processes that were killed."""
    prefix = name.rsplit("-", 1)[0] + "-"
    for group in parent.glob(prefix + "*"):
        owner = group.name[len(prefix) :]
        if group.is_dir() and owner.isdigit() and not (proc / owner).exists():
            Cgroup(group).remove()


def resident_bytes(pid: int, proc: Path = Path("/proc")) -> int | None:
    """A process's resident memory (``VmRSS``), or None once it is gone.

    >>> resident_bytes(os.getpid()) > 0
    True
    """
    try:
        status = (proc / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0  # a zombie has no memory left


class RssWatch:
    """A thread that kills the watched process once its resident memory passes a ceiling.

    A thread, not a task of the event loop: it keeps its pace while the loop is busy.
    ``over(pid, resident)`` is called from the thread just before the kill.
    """

    def __init__(self, ceiling_bytes: int, over: Callable[[int, int], None], period_s: float = 0.1) -> None:
        self.ceiling_bytes = ceiling_bytes
        self.over = over
        self.period_s = period_s
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, pid: int | None) -> None:
        """Watch this process from now on (None: none)."""
        self._pid = pid
        if pid is not None and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="clusterkg-engine-memory", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop watching and end the thread."""
        self._pid = None
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.period_s):
            pid = self._pid
            if pid is None:
                continue
            resident = resident_bytes(pid)
            if resident is None or resident <= self.ceiling_bytes:
                continue
            self._pid = None
            self.over(pid, resident)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
