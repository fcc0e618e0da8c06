"""The bounded, untimed version of ``bench/bench_overhead.py``: the whole script over the founding
case with a few requests, every target started, checked to answer the bare server's rows, timed
and accounted for (medians and CPU a request), and stopped afterwards."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import bench_overhead  # noqa: E402
import bench_serving  # noqa: E402

TARGETS = (
    bench_overhead.OXIGRAPH,
    bench_overhead.TIMED,
    bench_overhead.OURS,
    bench_overhead.FASTAPI,
    bench_overhead.PROXY,
)


def test_the_overhead_bench_runs_every_target_and_stops_them(
    built_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = set(bench_serving.process_tree(os.getpid()))
    argv = ["--store", str(built_store), "--rounds", "2", "--requests", "40", "--block", "10"]
    assert bench_overhead.main([*argv, "--workdir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("round"))
    assert all(name in header for name in TARGETS)
    for label in ("1", "2", "all", "CPU"):
        line = next(line for line in out.splitlines() if line.split()[:1] == [label])
        numbers = [float(n) for n in re.findall(r"(-?\d+\.\d+) ms", line)]
        assert len(numbers) >= len(TARGETS), line
        assert all(n >= 0 for n in numbers[: len(TARGETS)]), line
    cpu = next(line for line in out.splitlines() if line.startswith("CPU"))
    ours = [float(n) for n in re.findall(r"(\d+\.\d+) ms", cpu)][TARGETS.index(bench_overhead.OURS)]
    assert ours > 0  # the API process and its engine did work for 120 requests
    assert "our overhead over the bare server:" in out
    assert (tmp_path / "proxy-engine.log").exists()  # the bare proxy asked an engine of its own
    assert set(bench_serving.process_tree(os.getpid())) <= before  # every server stopped
