"""Benchmark: ``clusterkg load`` of a large generated file beside a bare ``oxigraph load`` of it.

Generates the synthetic case (:mod:`kg.generate`, fixed seed) as N-Quads, builds a base store
with ``clusterkg build --skip-dl`` (the founding case), then in the same run and on the same
file:

(a) ``clusterkg load FILE --store <copy of the base>``: chunks checked (provenance, QC checks,
    pySHACL on a sample), reasoned over (OWL 2 RL), the file bulk-loaded into a copy of the store
    and every triple of the copy validated by the SHACL shapes compiled into SPARQL
    (:mod:`kg.validation.compiled`), then committed;
(b) ``oxigraph load --location <empty dir> --file FILE``: the engine's bulk loader alone.

Each runs as a child process; its wall time and peak resident memory (``wait4``'s
``ru_maxrss``, the figure ``/usr/bin/time -v`` prints, and the peak of its process tree's summed
RSS sampled every 0.1 s: the pySHACL sample is validated in a process of its own) are printed
with the ratio of (a) to (b), and the seconds of each pass of (a) (from its manifest: context,
stream, validate, commit). Targets (issue 14): 10M triples in under 10 minutes and under 4 GiB.

    python bench/bench_load.py --scale 1000000            # about 5 minutes
    python bench/bench_load.py                            # 10M triples (the issue's size)
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving import RssSampler  # noqa: E402

from kg import generate  # noqa: E402
from kg.engine.process import oxigraph_binary  # noqa: E402

BIN = Path(sys.executable).parent
GiB = 1024**3


def say(message: str) -> None:
    """Progress on standard error, so that standard output holds only the report."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Run:
    """One child process: its wall time, peak RSS (its own, and its process tree's) and exit status."""

    seconds: float
    peak_rss: int
    peak_tree: int
    status: int


def timed(args: list[str], log: Path) -> Run:
    """Run a command to completion: wall time, peak RSS from ``wait4`` (the process, or its
    largest reaped descendant) and the peak of the tree's summed RSS, sampled every 0.1 s."""
    start = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=ROOT
        )
        with RssSampler(process.pid) as tree:
            _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Run(time.perf_counter() - start, usage.ru_maxrss * 1024, tree.peak, process.returncode)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=int, default=10_000_000, help="triples to generate (default 10M)")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--shacl-sample", type=int, default=None, help="passed to clusterkg load")
    parser.add_argument("--workdir", type=Path, default=None, help="keep data, stores and logs here")
    args = parser.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-load-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        data = work / f"synthetic-{args.scale}.nq"
        if not data.exists():
            say(f"generating {args.scale} triples ...")
            generate.generate_file(data, args.scale, seed=args.seed)
        triples = sum(1 for _ in data.open("rb"))
        base = work / "base"
        if not base.exists():
            say("building the base store (founding case) ...")
            build = [str(BIN / "clusterkg"), "build", "--skip-dl", "--store", str(base)]
            subprocess.run(build, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        ours_store, bare_store = work / "ours", work / "bare"
        for path in (ours_store, bare_store):
            shutil.rmtree(path, ignore_errors=True)
        shutil.copytree(base, ours_store)
        load = [str(BIN / "clusterkg"), "load", str(data), "--store", str(ours_store)]
        if args.shacl_sample is not None:
            load += ["--shacl-sample", str(args.shacl_sample)]
        load_before = os.getloadavg()[0]
        say(f"clusterkg load of {triples} triples ...")
        ours = timed(load, work / "clusterkg-load.log")
        say(f"oxigraph load of {triples} triples ...")
        bare = timed(
            [oxigraph_binary(), "load", "--location", str(bare_store), "--file", str(data)],
            work / "oxigraph-load.log",
        )
        loaded = (
            (work / "clusterkg-load.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        )
        print(
            f"=== {triples:,} generated triples ({data.stat().st_size / 1e9:.2f} GB of N-Quads); "
            f"{os.cpu_count()} CPUs, {platform.machine()}; {time.strftime('%Y-%m-%d %H:%M')}; "
            f"load average before: {load_before:.1f}, after: {os.getloadavg()[0]:.1f}"
        )
        print(f"{'':<22} {'seconds':>9} {'peak RSS':>12} {'tree peak':>12} {'exit':>5}")
        for name, run in (("clusterkg load", ours), ("oxigraph load (bare)", bare)):
            print(
                f"{name:<22} {run.seconds:>9.1f} {run.peak_rss / GiB:>8.2f} GiB "
                f"{run.peak_tree / GiB:>8.2f} GiB {run.status:>5}"
            )
        peak, bare_peak = max(ours.peak_rss, ours.peak_tree), max(bare.peak_rss, bare.peak_tree, 1)
        print(
            f"ratio clusterkg / bare: time {ours.seconds / bare.seconds:.1f}x, "
            f"peak RSS {peak / bare_peak:.1f}x"
        )
        if ours.status != 0:
            print("clusterkg load FAILED: see its last line below")
        print(
            f"targets: under 600 s ({'met' if ours.seconds < 600 and ours.status == 0 else 'MISSED'}), "
            f"under 4 GiB ({'met' if peak < 4 * GiB else 'MISSED'})"
        )
        print("clusterkg load said: " + (loaded[-1] if loaded else "(nothing)"))
        passes = [line.strip() for line in loaded if line.lstrip().startswith(("done", "FAILED"))]
        notes = [line.strip() for line in loaded[:-1] if "conform" in line or "checks done" in line]
        for line in dict.fromkeys(passes + notes):
            print(f"  {line}")
        return 0 if ours.status == 0 and bare.status == 0 else 1
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
