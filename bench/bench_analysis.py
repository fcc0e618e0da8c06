"""Benchmark: the cluster analyses and dashboards of issue 13 on the synthetic multi-cluster graph.

Generates the synthetic case (:mod:`kg.generate`, fixed seed) and builds the store with the
founding case plus it, as ``clusterkg generate --load`` does (:mod:`kg.generate.load`; the build
time is reported per step), serves it with ``clusterkg serve`` (a real process, as
``bench_serving.py`` starts it) and a copy with a bare ``oxigraph serve``, then times over HTTP,
for a sample of clusters (spread over the graph, plus BioMed), one request at a time:

- ``GET /api/clusters/{id}/network`` (target < 1 s);
- ``GET /api/clusters/{id}/tasks`` and each ``GET /api/queries/task-*?cluster=<iri>`` (< 2 s);
- ``GET /explore/cluster/{slug}`` and ``GET /explore/compare?clusters=a,b,c`` (< 2 s);
- ``GET /api/queries/indicator-series?subject=<iri>`` and ``members-on-date?cluster=<iri>&date=``
  (< 2 s).

It prints, per route, the median and 95th percentile latency over all requests (clusters x
repeats), the ratio of the p95 to the target (below 1 is met), and for the named queries the
median of the same SPARQL (the ``.rq`` file with the parameters bound as a ``VALUES`` block, as
our server binds them) sent to the bare Oxigraph server, with our/bare ratio. A route that
answers 404 (not there yet) is skipped with a line saying so.

    python bench/bench_analysis.py                      # 1M triples (the issue's size; long)
    python bench/bench_analysis.py --scale 20000        # quick, about a minute
    python bench/bench_analysis.py --store DIR          # an existing store: no generation, no build

With ``--store`` the store that an earlier run (or ``clusterkg generate --load``) built is served
as it is (the bare engine serves a copy in the work folder), so a rerun takes minutes.
"""

from __future__ import annotations

import argparse
import math
import shutil
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_serving import BIN, Server, bare_oxigraph, say, start, workdir  # noqa: E402
from kg import generate  # noqa: E402
from kg.engine.process import free_port  # noqa: E402

TASKS = (
    "task-niches", "task-rd-infrastructure", "task-priority-projects", "task-inter-cluster",
    "task-outsourcing", "task-shared-services", "task-open-innovation-training", "task-ip-joint-use",
)  # fmt: skip
BIOMED = "https://w3id.org/clusterkg/id/cluster/biomed"
CLUSTERS = (
    "PREFIX ckg: <https://w3id.org/clusterkg/ontology#> SELECT DISTINCT ?c { ?c a ckg:Cluster } ORDER BY ?c"
)
MIN_SCALE, MAX_SCALE = 1_000, 2_000_000
ON_DATE = "2020-06-30"


@dataclass
class Route:
    """One route to time: its name, target, and per cluster the path and query parameters."""

    name: str
    target_s: float
    named_query: str | None = None
    latencies: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    skipped: str | None = None


def bounded_scale(text: str) -> int:
    """``--scale``: a whole number of triples between 1k and 2M."""
    value = int(text)
    if not MIN_SCALE <= value <= MAX_SCALE:
        raise argparse.ArgumentTypeError(f"between {MIN_SCALE} and {MAX_SCALE}, not {value}")
    return value


def build(work: Path, scale: int, seed: int) -> Path:
    """Generate and build as ``clusterkg generate --load`` does; print the times."""
    from kg.generate.load import generate_and_build
    from kg.progress import Reporter
    from kg.settings import Settings

    settings = Settings(store=work / "store")
    t = time.perf_counter()
    loaded = generate_and_build(settings, scale, seed=seed, progress=Reporter())
    total = time.perf_counter() - t
    steps = ", ".join(f"{k} {v:.1f}" for k, v in loaded.build.seconds.items())
    print(
        f"=== {loaded.written.triples:,} synthetic triples + the founding case -> "
        f"{loaded.build.triples:,} quads ({loaded.build.inferred_triples:,} inferred); "
        f"SHACL: {loaded.shacl}; OWL DL: {'checked' if loaded.build.dl_checked else 'skipped'}"
    )
    print(f"    generate + build {total:.1f} s (build steps, s: {steps})", flush=True)
    return settings.store


def sample_clusters(store: Path, count: int) -> list[str]:
    """``count`` synthetic clusters spread over the graph, then BioMed."""
    result = ox.Store.read_only(str(store)).query(CLUSTERS, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    found = [s["c"].value for s in result if isinstance(s["c"], ox.NamedNode)]
    synthetic = [c for c in found if c.startswith(generate.SYN_ID)]
    step = max(1, len(synthetic) // max(1, count))
    chosen = synthetic[::step][:count]
    return [*chosen, *([BIOMED] if BIOMED in found else [])]


def bound_sparql(name: str, params: dict[str, str]) -> str | None:
    """The named query's SPARQL with the parameters bound as our server binds them, if the file exists."""
    import queries
    from kg.engine.binding import bind_values
    from kg.errors import KgError

    try:
        query = queries.get(name)
        terms = queries.bind(query, params)
    except KgError:
        return None
    values = {k.value: v for k, v in terms.items() if isinstance(v, ox.NamedNode | ox.Literal)}
    return bind_values(query.text, values)


def serve(store: Path, work: Path, timeout_s: float) -> tuple[Server, Server]:
    """Our server over the store, and a bare ``oxigraph serve`` over a copy."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    ours = start(
        "clusterkg", [str(BIN / "clusterkg"), "serve", "--store", str(store), "--port", str(port)],
        f"{base}/sparql", f"{base}/health", work / "clusterkg.log",
        env={"CLUSTERKG_QUERY_TIMEOUT_S": "120"}, timeout_s=timeout_s,
    )  # fmt: skip
    try:
        copy = work / "oxigraph-copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(store, copy)
        port = free_port()
        args = bare_oxigraph(copy, port)
        bare = start(
            "oxigraph", args, f"http://127.0.0.1:{port}/query", f"http://127.0.0.1:{port}/",
            work / "oxigraph.log", timeout_s=timeout_s,
        )  # fmt: skip
    except BaseException:
        ours.stop()
        raise
    return ours, bare


def slug(iri: str) -> str:
    """The last segment of a cluster's IRI, its id in the routes."""
    return iri.rstrip("/").rsplit("/", 1)[1]


def time_get(client: httpx.Client, url: str, params: dict[str, str], accept: str) -> tuple[float, int]:
    """One GET: seconds and status."""
    t = time.perf_counter()
    response = client.get(url, params=params, headers={"Accept": accept})
    return time.perf_counter() - t, response.status_code


def measure(
    route: Route, client: httpx.Client, url: str, params: dict[str, str], repeats: int, accept: str
) -> None:
    """One warm-up request (a 404 marks the route skipped), then ``repeats`` timed ones."""
    if route.skipped:
        return
    _, status = time_get(client, url, params, accept)
    if status == 404:
        route.skipped = f"404 at {url.split('127.0.0.1', 1)[-1]} (not there yet)"
        return
    if status != 200:
        route.skipped = f"HTTP {status} at {url}"
        return
    for _ in range(repeats):
        seconds, status = time_get(client, url, params, accept)
        if status == 200:
            route.latencies.append(seconds)


def measure_bare(route: Route, client: httpx.Client, bare: Server, sparql: str | None, repeats: int) -> None:
    """The same SPARQL on the bare engine."""
    if sparql is None or route.skipped:
        return
    accept = "application/sparql-results+json"
    for k in range(repeats + 1):
        seconds, status = time_get(client, bare.query_url, {"query": sparql}, accept)
        if k and status == 200:
            route.bare.append(seconds)


def run(ours: Server, bare: Server, clusters: list[str], repeats: int, timeout_s: float) -> list[Route]:
    """Time every route for every sampled cluster."""
    base = ours.query_url.rsplit("/sparql", 1)[0]
    routes = {r.name: r for r in (
        Route("network", 1.0), Route("tasks", 2.0),
        *(Route(t, 2.0, t) for t in TASKS),
        Route("dashboard", 2.0), Route("compare", 2.0),
        Route("indicator-series", 2.0, "indicator-series"), Route("members-on-date", 2.0, "members-on-date"),
    )}  # fmt: skip
    json, html = "application/json", "text/html"
    with httpx.Client(timeout=timeout_s) as client:
        for iri in clusters:
            s = slug(iri)
            say(f"  cluster {s} ...")
            measure(routes["network"], client, f"{base}/api/clusters/{s}/network", {}, repeats, json)
            measure(routes["tasks"], client, f"{base}/api/clusters/{s}/tasks", {}, repeats, json)
            named = {t: {"cluster": iri} for t in TASKS}
            named["indicator-series"] = {"subject": iri}
            named["members-on-date"] = {"cluster": iri, "date": ON_DATE}
            for name, params in named.items():
                measure(routes[name], client, f"{base}/api/queries/{name}", params, repeats, json)
                measure_bare(routes[name], client, bare, bound_sparql(name, params), repeats)
            measure(routes["dashboard"], client, f"{base}/explore/cluster/{s}", {}, repeats, html)
        trio = ",".join(slug(c) for c in clusters[:3])
        measure(routes["compare"], client, f"{base}/explore/compare", {"clusters": trio}, repeats, html)
    return list(routes.values())


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def report(routes: list[Route], clusters: list[str], repeats: int) -> None:
    """One line per route: median, p95, p95/target, bare Oxigraph median and ours/bare."""
    print(
        f"\n{len(clusters)} clusters ({', '.join(slug(c) for c in clusters)}), {repeats} timed requests each"
    )
    print(f"{'route':<32} {'n':>4} {'median ms':>10} {'p95 ms':>9} {'target':>7} {'p95/target':>10}"
          f" {'bare ms':>8} {'ours/bare':>9}")  # fmt: skip
    for r in routes:
        if r.skipped:
            print(f"{r.name:<32} skipped: {r.skipped}")
            continue
        if not r.latencies:
            print(f"{r.name:<32} no successful request")
            continue
        median, high = statistics.median(r.latencies) * 1000, p95(r.latencies) * 1000
        bare = statistics.median(r.bare) * 1000 if r.bare else math.nan
        ratio = high / (r.target_s * 1000)
        verdict = "met" if ratio < 1 else "MISSED"
        bare_ms = "-" if math.isnan(bare) else f"{bare:.1f}"
        ours_bare = "-" if math.isnan(bare) else f"{median / bare:.2f}x"
        print(
            f"{r.name:<32} {len(r.latencies):>4} {median:>10.1f} {high:>9.1f} {r.target_s:>6.0f}s"
            f" {ratio:>9.2f}x {bare_ms:>8} {ours_bare:>9}  {verdict}"
        )
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Build, serve, measure, report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scale", type=bounded_scale, default=1_000_000, help="triples (1k-2M; default 1M)")
    parser.add_argument("--clusters", type=int, default=5, help="synthetic clusters sampled (default 5)")
    parser.add_argument("--repeats", type=int, default=5, help="timed requests per route and cluster")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout per request, seconds")
    parser.add_argument(
        "--load-timeout", type=float, default=600.0, help="seconds a server may take to start"
    )
    parser.add_argument(
        "--store", type=Path, default=None, help="serve this built store: skip generation and build"
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep data, store and logs here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with workdir(args.workdir, args.keep) as work:
        if args.store is not None:
            if not (args.store / "CURRENT").is_file():
                parser.error(f"--store {args.store}: not a store directory (no CURRENT file)")
            store = args.store
            print(f"=== the store at {store} (no generation, no build)", flush=True)
        else:
            store = build(work, args.scale, args.seed)
        clusters = sample_clusters(store, args.clusters)
        ours, bare = serve(store, work, args.load_timeout)
        try:
            routes = run(ours, bare, clusters, args.repeats, args.timeout)
        finally:
            ours.stop()
            bare.stop()
        report(routes, clusters, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
