"""Worker processes at a lower priority (kg/background.py)."""

from __future__ import annotations

import os
import sys

import pytest

from kg import background


@pytest.mark.skipif(sys.platform != "linux", reason="threads have their own niceness on Linux only")
def test_workers_run_at_the_asked_niceness_and_the_caller_keeps_its_own() -> None:
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    asked = min(mine + 5, 19)
    with background.pool(2, nice=asked) as workers:
        seen = {workers.submit(os.getpriority, os.PRIO_PROCESS, 0).result() for _ in range(4)}
    assert seen == {asked}
    assert os.getpriority(os.PRIO_PROCESS, 0) == mine
    with background.pool(1, nice=mine - 1) as workers:  # never raised above the caller's own
        assert workers.submit(os.getpriority, os.PRIO_PROCESS, 0).result() == mine
