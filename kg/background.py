"""Worker processes at a lower priority, for long work beside a thread that everything waits for.

The bulk path (:mod:`kg.bulk`) reasons over its chunks in one thread while other work (the bulk
load of the copy, the compiled checks, the pySHACL sample) runs beside it: in processes, never
threads (Oxigraph and pySHACL hold the interpreter's lock while they work), and at a higher
niceness, so the thread keeps its core. Processes are spawned, not forked: the caller runs
threads.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def lower_priority(nice: int) -> None:
    """Give the calling thread (and the threads and processes it starts) the niceness ``nice``
    where it is lower (Linux: a thread has its own; elsewhere nothing is changed).

    >>> lower_priority(0)  # never raised: 0 is at most the current niceness
    """
    if sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        if nice > os.getpriority(os.PRIO_PROCESS, thread):
            os.setpriority(os.PRIO_PROCESS, thread, nice)
    except OSError:  # not permitted: the work runs as it is, only slower
        return


def pool(
    workers: int,
    *,
    nice: int,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
) -> ProcessPoolExecutor:
    """Spawned worker processes at niceness at least ``nice``, each set up by ``initializer``
    (a module-level function) with ``initargs`` once its priority is lowered."""
    spawn = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(
        workers, mp_context=spawn, initializer=_start, initargs=(nice, initializer, initargs)
    )


def _start(nice: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]) -> None:
    lower_priority(nice)
    if initializer is not None:
        initializer(*initargs)
