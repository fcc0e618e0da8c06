"""The engine's process as the kernel sees it: what it runs between fork and exec, and its
end in words.

A child process outlives a ``kill -9`` of its parent unless it asked for a parent-death signal
(DESIGN.md): an orphaned engine would keep the store's RocksDB lock. So the engine asks for
SIGKILL when the thread that started it (the API's event loop) exits.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal the kernel sends a process when the thread that started it exits."""


def child_setup(address_space: int | None) -> Callable[[], None]:
    """What the engine's process runs between fork and exec: ask for SIGKILL when its parent
    dies, write no core dumps, and limit its address space (the memory backstop) if asked.

    Only calls that take no lock run in the child (libc is loaded here, in the parent). If the
    parent died before the signal was asked for, the child exits at once.
    """
    parent = os.getpid()
    prctl = ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None

    def setup() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:
                os._exit(1)
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    return setup


def exit_reason(returncode: int | None) -> str:
    """Why a process ended, from its exit status, in words.

    >>> exit_reason(-9), exit_reason(1)
    ('it was killed (signal 9)', 'it exited with status 1')
    """
    if returncode is not None and returncode < 0:
        return f"it was killed (signal {-returncode})"
    return f"it exited with status {returncode}"
