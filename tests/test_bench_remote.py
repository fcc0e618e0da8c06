"""The bounded, untimed version of ``bench/bench_remote.py``: the whole script at 2,000 generated
triples, a few requests per query, with its own Virtuoso (started and bulk-loaded by
``scripts/virtuoso/start``), beside the managed and a bare Oxigraph: it runs to its report, no
request fails, our answers agree with bare Oxigraph's through both engines, and Virtuoso alone
answers the whole mix as Oxigraph does (at this scale; at 1M one query differs)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from engines import require_virtuoso

ROOT = Path(__file__).resolve().parent.parent


def test_the_remote_bench_runs_to_its_report(tmp_path: Path) -> None:
    require_virtuoso()
    args = ["--scale", "2000", "--requests", "3", "--budget", "10", "--concurrency", "2"]
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_remote.py"), *args, "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = done.stdout
    tables = re.findall(r"^(\S+)\s+[\d.]+\s+[\d.]+\s+\d+\*?\s.*\s(yes|no)$", report, re.MULTILINE)
    assert len(tables) == 4 * 9, report  # four targets, nine queries each
    assert {agree for _, agree in tables} == {"yes"}, report
    assert "errors=0" in done.stderr and not re.search(r"errors=[1-9]", done.stderr), done.stderr[-3000:]
    assert "the remote engine's answers equal bare Oxigraph's on 9 of 9 queries" in report, report
    assert re.search(r"ours in remote mode vs the remote engine alone .*latency [\d.]+x", report), report
    assert not list(tmp_path.glob("virtuoso-*/db/virtuoso.lck")), "Virtuoso was left running"
