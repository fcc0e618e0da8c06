"""Benchmark: what the layer costs in remote mode over Virtuoso, beside bare Virtuoso and bare Oxigraph.

The same run and data as ``bench_serving.py`` (it imports that script's data preparation, query
mix, measurement and report), with a Virtuoso of its own: it generates and builds the store,
starts Virtuoso Open Source (``scripts/virtuoso/start``: its own ini and database, loopback
ports) and bulk-loads the store's N-Quads dump into it, then serves the same data from

(a) ``clusterkg serve`` over its managed Oxigraph,
(b) a bare ``oxigraph serve --union-default-graph`` over a copy of the store,
(c) ``clusterkg serve`` in remote mode over the Virtuoso (``CLUSTERKG_ENGINE_URL``,
    ``CLUSTERKG_ENGINE_KIND=virtuoso``),
(d) the Virtuoso's ``/sparql`` directly (SPARQL Protocol GET, as for every target),

runs the query mix with concurrent clients and prints ``bench_serving``'s tables: the ratio of
(c) to (d) is what the layer costs over Virtuoso. No upload is made (``--upload`` belongs to
``bench_serving.py``). With ``--workdir`` the generated store and the loaded Virtuoso database
are kept there and reused by the next run of the same scale.

    python bench/bench_remote.py --scale 20000                       # quick, a few minutes
    python bench/bench_remote.py --scale 1000000 --workdir /tmp/br   # 1M triples
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_serving as bs

VIRTUOSO = bs.ROOT / "scripts" / "virtuoso"
PASSWORD = "bench-remote-dba"


def prepared(work: Path, scale: int, seed: int, build_max: int) -> bs.Prepared:
    """The generated store and its dump: reused from ``work`` when an earlier run left them."""
    store, dump = work / f"store-{scale}", work / f"dump-{scale}.nq"
    if store.is_dir() and dump.is_file():
        quads = len(ox.Store.read_only(str(store)))
        bs.say(f"reusing {store} ({quads} quads) and {dump}")
        return bs.Prepared(scale, scale, store, dump, quads, "an earlier run (reused)", {})
    return bs.prepare(work, scale, seed, build_max)


def start_virtuoso(folder: Path, dump: Path, memory: str, max_seconds: int) -> tuple[str, float]:
    """Start Virtuoso over ``folder`` (bulk-loading ``dump`` into a new database); its /sparql
    URL and the seconds the start (and load) took."""
    fresh = not (folder / "db" / "virtuoso.db").exists()
    args = [str(VIRTUOSO / "start"), str(folder), "--password", PASSWORD, "--memory", memory]
    args += ["--http-port", str(bs.free_port()), "--sql-port", str(bs.free_port())] if fresh else []
    args += ["--max-seconds", str(max_seconds)]
    args += ["--load", str(dump)] if fresh else []
    bs.say(f"starting Virtuoso over {folder}" + (f", bulk-loading {dump} ..." if fresh else " ..."))
    t = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/virtuoso/start failed: {done.stdout} {done.stderr}")
    return done.stdout.strip().splitlines()[-1], time.perf_counter() - t


def stop_virtuoso(folder: Path) -> None:
    """Stop it (``scripts/virtuoso/stop``)."""
    subprocess.run([str(VIRTUOSO / "stop"), str(folder), "--password", PASSWORD], timeout=300, check=False)


def virtuoso_rss(folder: Path) -> int:
    """The resident memory of the Virtuoso over ``folder`` (its pid from the lock file)."""
    try:
        found = re.search(r"\d+", (folder / "db" / "virtuoso.lck").read_text(encoding="ascii"))
    except OSError:
        return 0
    return bs.rss([int(found[0])]) if found else 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser, add = bs.arguments(__doc__, scale=1_000_000, requests=200)
    add("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    add("--budget", type=float, default=60.0, help="seconds per query and target (default 60)")
    add("--build-max", type=int, default=100_000, help="largest scale built with `clusterkg build`")
    add("--timeout", type=float, default=300.0, help="client timeout per request, seconds")
    add("--memory", default="2G", help="Virtuoso's buffer memory (scripts/virtuoso/start --memory)")
    add("--virtuoso-timeout", type=int, default=300, help="Virtuoso's MaxQueryExecutionTime, s")
    add("--no-oxigraph", action="store_true", help="skip the managed and bare Oxigraph targets")
    add("--workdir", type=Path, default=None, help="keep (and reuse) data, stores and Virtuoso here")
    add("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    # What bench_serving's run_round and report read of its own options.
    args.rdflib_requests, args.rdflib_budget = 0, 0.0
    mix = bs.load_mix()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with bs.workdir(args.workdir, args.keep) as work:
        prep = prepared(work, args.scale, args.seed, args.build_max)
        folder = work / f"virtuoso-{args.scale}"
        try:
            dump = bs.dumped(prep)  # Virtuoso bulk-loads N-Quads
            args.engine_url, seconds = start_virtuoso(folder, dump, args.memory, args.virtuoso_timeout)
            bs.say(f"Virtuoso answers at {args.engine_url} after {seconds:.0f} s")
            os.environ["CLUSTERKG_ENGINE_KIND"] = "virtuoso"  # passed on to clusterkg serve
            names = [] if args.no_oxigraph else [bs.OURS, bs.OXIGRAPH]
            shutil.rmtree(work / f"oxigraph-copy-{args.scale}", ignore_errors=True)  # an earlier run's
            before = virtuoso_rss(folder)
            bs.run_round(
                prep,
                work,
                [*names, bs.OURS_REMOTE, bs.REMOTE],
                mix,
                args,
                skipped_rdflib="not run (bench_remote.py)",
            )
            print(
                f"memory: Virtuoso ({args.memory} of buffers): RSS {before / bs.MiB:.0f} MiB before "
                f"the mix, {virtuoso_rss(folder) / bs.MiB:.0f} MiB after; load average "
                f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
            )
        finally:
            stop_virtuoso(folder)
            if args.workdir is None:
                shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
