"""Benchmark: the depth at which each deep or long SPARQL construct crashes the engine we ship.

For every construct of ``tests/nesting_cases.py`` (nested groups, parentheses, function calls,
runs of ``!``, chains of operators and pattern elements, both at once, and the same over data)
it starts a bare ``oxigraph serve`` on loopback (as the managed engine runs it) over a copy of
the founding case (built into a temporary folder) or an empty store, takes the deepest text our
reading lets through at the nesting limit, and bisects the depth at which the engine aborts,
restarting it after each crash. Over data the crashes come at random, so each depth is run
``--runs`` times and counts as a crash if any run crashed. One row per construct:

| column | meaning |
|---|---|
| `construct` | its name in tests/nesting_cases.py |
| `allowed` | the deepest repeat count our reading lets through |
| `answers` | the deepest count seen to answer (every run) |
| `crashes` | the shallowest count seen to crash the engine (`-` if none up to the cap) |
| `margin` | `answers / allowed`: how many times deeper than we allow the engine still answers |

    python bench/bench_nesting.py                       # every construct, over data, about 10 minutes
    python bench/bench_nesting.py --empty --runs 1      # on an empty store (crashes while parsing)
    python bench/bench_nesting.py --only braces plus    # some constructs
    python bench/bench_nesting.py --limit 48            # margins with another nesting limit

Constructs whose cost on the engine is CPU rather than stack (long basic graph patterns,
VALUES blocks, collections: seconds of planning at a few hundred elements) are skipped unless
named with ``--only``; the query timeout and the engine restart bound them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.build import build  # noqa: E402
from kg.settings import Settings  # noqa: E402
from kg.sparql_text import NESTING_LIMIT  # noqa: E402
from tests.nesting_cases import CONSTRUCTS, BareEngine, Construct, crash_depth, deepest_allowed, probe  # noqa: E402

MAX_TEXT = 4_000_000  # characters: stop looking for a crash beyond this


def measure(
    engine: BareEngine, construct: Construct, limit: int, probes: int, runs: int
) -> tuple[int, int, int | None]:
    """The deepest count allowed, the deepest seen to answer, the shallowest seen to crash (or None)."""
    allowed = deepest_allowed(construct, limit)
    answers = allowed
    crashes = construct.crash or 4 * allowed
    while True:
        outcome = probe(engine, construct, crashes, runs)
        if outcome == "crashed":
            break
        if outcome != "answered":
            print(f"  {construct.name} at {crashes}: {outcome}", file=sys.stderr)
            return allowed, answers, None
        answers = crashes
        crashes *= 2
        if len(construct.make(crashes)) > MAX_TEXT:
            return allowed, answers, None
    answers, crashes = crash_depth(engine, construct, answers, crashes, probes, runs)
    return allowed, answers, crashes


def main() -> None:
    """Bisect the crash depth of each construct and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--limit", type=int, default=NESTING_LIMIT, help="the nesting limit (default: ours)")
    parser.add_argument("--probes", type=int, default=10, help="bisection probes per construct")
    parser.add_argument(
        "--runs", type=int, default=5, help="runs of each depth (the crashes over data are random)"
    )
    parser.add_argument("--empty", action="store_true", help="an empty store instead of the founding case")
    parser.add_argument("--only", nargs="*", default=None, help="construct names")
    args = parser.parse_args()
    chosen = [c for c in CONSTRUCTS if (c.name in args.only if args.only else c.engine)]
    with tempfile.TemporaryDirectory() as folder:
        store = None
        if not args.empty:
            store = Path(folder) / "store"
            build(Settings(store=store, skip_dl=True))
        where = "an empty store" if store is None else "the founding case"
        print(f"nesting limit {args.limit}; Oxigraph over {where}; {args.runs} runs a depth\n")
        print("| construct | allowed | answers | crashes | margin |")
        print("|---|---:|---:|---:|---:|")
        started = time.perf_counter()
        with BareEngine(store, read_timeout_s=60) as engine:
            for construct in chosen:
                row = _row(construct, measure(engine, construct, args.limit, args.probes, args.runs))
                print(row, flush=True)
        print(f"\n{time.perf_counter() - started:.0f} s")


def _row(construct: Construct, measured: tuple[int, int, int | None]) -> str:
    allowed, answers, crashes = measured
    shown = "-" if crashes is None else str(crashes)
    return f"| {construct.name} | {allowed} | {answers} | {shown} | {answers / allowed:.1f} |"


if __name__ == "__main__":
    main()
