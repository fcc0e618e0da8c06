"""Benchmark: our HTTP caching and result cache beside a bare ``oxigraph serve`` on the same data.

Makes the store as ``bench/bench_serving.py`` does (generated data, fixed seed; its
:func:`~bench_serving.prepare` and :func:`~bench_serving.start_targets`), starts ``clusterkg
serve`` and a bare ``oxigraph serve`` on a copy, then in one run, with one sequential keep-alive
client per target on loopback (``bench/loopclient.py``: raw-socket HTTP/1.1, each request encoded
before its clock starts: 0.07 ms of client CPU a request, httpx 0.78 ms):

(a) **warm**: a query that takes the bare server 5 ms or more (the first of the candidates that
    does), asked again and again: our median (answered from the result cache) against the bare
    server's median, and the ratio (target: at least 10x faster);
(b) **cold**: point lookups of distinct subjects (every one a cache miss and a new text), ours
    and bare interleaved: the medians and our overhead (target: at most 0.5 ms at 100k);
(c) **If-None-Match**: the warm query with the ``ETag`` of its answer: every answer must be a
    304 that did not reach the engine (``clusterkg_not_modified_total{engine="not asked"}``
    counts them; the engine's query count in ``clusterkg_sparql_requests_total`` does not move).

Every answer of ours is checked against the bare server's. Prints one table with the ratios,
and (d) the median of a static route of ours, our HTTP floor.

    python bench/bench_cache.py                 # 100k triples
    python bench/bench_cache.py --scale 20000   # quicker
"""

from __future__ import annotations

import json
import re
import signal
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopclient
from bench_serving import OURS, OXIGRAPH, arguments, existing, prepare, say, start_targets, workdir

JSON = "application/sparql-results+json"
MIX = Path(__file__).resolve().parent / "query_mix"
HEAVY = [
    # the query mix's aggregates, then heavier ones, in the order tried (see pick_heavy)
    (MIX / "aggregate-technologies.rq").read_text(encoding="utf-8"),
    (MIX / "aggregate-regions.rq").read_text(encoding="utf-8"),
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n)",
]
BLOCK = 25
SUBJECTS = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) } ORDER BY ?s LIMIT %d"
LOOKUP = "SELECT ?p ?o WHERE { <%s> ?p ?o }"


@dataclass
class Timing:
    """Medians in milliseconds of ours and the bare server's, for one part."""

    ours_ms: float
    bare_ms: float
    count: int


@dataclass
class Target:
    """A server's SPARQL endpoint: one keep-alive connection to it and the endpoint's path."""

    conn: loopclient.Connection
    path: str

    @classmethod
    def of(cls, url: str, timeout_s: float = 120.0) -> Target:
        """The target of an endpoint's ``http://`` URL (the connection opens on first use)."""
        conn, path = loopclient.Connection.to(url, timeout_s=timeout_s)
        return cls(conn, path)

    def message(self, query: str, **headers: str) -> bytes:
        """The bytes of a SPARQL Protocol GET of ``query``, answers in SPARQL Results JSON."""
        target = f"{self.path}?{urlencode({'query': query}, quote_via=quote)}"
        return self.conn.prepare("GET", target, {"Accept": JSON, **headers})

    def get(self, path: str) -> loopclient.Answer:
        """A plain GET of another path of the same server (untimed: metrics, set-up)."""
        return self.conn.request("GET", path)


def rows(answer: loopclient.Answer) -> list[str]:
    """A SPARQL JSON answer as sorted rows (to compare ours with the bare server's)."""
    if answer.status != 200:
        raise RuntimeError(f"HTTP {answer.status}: {answer.text[:300]}")
    data = answer.json()
    return sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])


def ask(target: Target, query: str, **headers: str) -> tuple[loopclient.Answer, float]:
    """One GET query; the answer and its wall time in ms (its send and the read of the answer:
    the request is encoded before the clock starts)."""
    message = target.message(query, **headers)
    start = time.perf_counter()
    answer = target.conn.exchange(message)
    return answer, (time.perf_counter() - start) * 1000


def median_of(target: Target, query: str, n: int, check: Callable[[loopclient.Answer], None]) -> float:
    times = []
    for _ in range(n):
        answer, ms = ask(target, query)
        check(answer)
        times.append(ms)
    return statistics.median(times)


def pick_heavy(bare: Target, n: int, floor_ms: float = 5.0) -> tuple[str, float]:
    """The first candidate whose median on the bare server is ``floor_ms`` or more (else the
    slowest). The bench takes the first at 5 ms (the issue's bar) and the first at 25 ms (so that
    the ratio is not only our HTTP floor's on a loaded machine)."""
    best = ("", -1.0)
    for query in HEAVY:
        ms = median_of(bare, query, n, lambda r: rows(r) and None)
        if ms >= floor_ms:
            return query, ms
        best = max(best, (query, ms), key=lambda item: item[1])
    return best


def warm(ours: Target, bare: Target, query: str, n: int) -> Timing:
    """(a) The same query again and again: ours from the result cache, bare computing it each time."""
    expected = rows(ask(bare, query)[0])
    first = ask(ours, query)[0]
    if rows(first) != expected:
        raise RuntimeError("our answer differs from the bare server's")

    ours_times: list[float] = []
    bare_times: list[float] = []
    # In blocks of BLOCK requests, ours and bare in turn: both see the load of a shared machine
    # alike, and neither pays for waking up after every request of the other.
    for block in range(0, n, BLOCK):
        size = min(BLOCK, n - block)
        pair = [(ours, ours_times), (bare, bare_times)]
        for target, times in pair if (block // BLOCK) % 2 == 0 else reversed(pair):
            for _ in range(size):
                answer, ms = ask(target, query)
                times.append(ms)
                if target is ours and (
                    rows(answer) != expected or answer.headers.get("clusterkg-cache") != "hit"
                ):
                    raise RuntimeError("a warm answer was not the cached, equal one")
    return Timing(statistics.median(ours_times), statistics.median(bare_times), n)


def subjects(bare: Target, n: int) -> list[str]:
    """``n`` subjects of the store, for distinct point lookups."""
    answer = ask(bare, SUBJECTS % n)[0]
    return [json.loads(row)["s"]["value"] for row in rows(answer)]


def cold(ours: Target, bare: Target, iris: Sequence[str]) -> Timing:
    """(b) A point lookup of a new subject each time, ours and bare interleaved (a miss every time)."""
    ours_times, bare_times = [], []
    for i, iri in enumerate(iris):
        query = LOOKUP % iri
        pair = [(ours, ours_times), (bare, bare_times)]
        answers = []
        for target, times in pair if i % 2 == 0 else reversed(pair):
            answer, ms = ask(target, query)
            times.append(ms)
            answers.append(rows(answer))
        if answers[0] != answers[1]:
            raise RuntimeError(f"the answers for <{iri}> differ")
    return Timing(statistics.median(ours_times), statistics.median(bare_times), len(iris))


def metric(ours: Target, name: str) -> float:
    """One sample of our /metrics (0 when absent)."""
    text = ours.get("/metrics").text
    found = re.search(r"^" + re.escape(name) + r" ([0-9.e+]+)$", text, re.M)
    return float(found[1]) if found else 0.0


def conditional(ours: Target, query: str, n: int) -> tuple[float, int, float]:
    """(c) The query with its own ETag, ``n`` times: the median ms, how many 304s did not reach
    the engine (by our metrics), and how many queries the layer sent on meanwhile."""
    tag = ask(ours, query)[0].headers["etag"]
    asked = 'clusterkg_not_modified_total{engine="not asked"}'
    queries = 'clusterkg_sparql_requests_total{kind="query",outcome="ok"}'
    before, sent_before = metric(ours, asked), metric(ours, queries)
    times = []
    for _ in range(n):
        answer, ms = ask(ours, query, **{"If-None-Match": tag})
        if answer.status != 304 or answer.body:
            raise RuntimeError(f"If-None-Match got {answer.status}, not 304")
        times.append(ms)
    not_asked = int(metric(ours, asked) - before)
    return statistics.median(times), not_asked, metric(ours, queries) - sent_before


def floor(ours: Target, n: int) -> float:
    """The median of a static route through the same stack (``/context.jsonld``): the HTTP floor
    below which no answer of ours can go on this machine now."""
    message = ours.conn.prepare("GET", "/context.jsonld")
    times = []
    for _ in range(n):
        start = time.perf_counter()
        answer = ours.conn.exchange(message)
        times.append((time.perf_counter() - start) * 1000)
        if answer.status != 200:
            raise RuntimeError(f"/context.jsonld answered {answer.status}")
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser, add = arguments(__doc__, scale=100_000, requests=300, per="part and target")
    add("--lookups", type=int, default=1000, help="distinct point lookups (default 1000)")
    add("--build-max", type=int, default=20_000, help="largest scale made by `clusterkg build`")
    add("--store", type=Path, default=None, help="use this store (made before) instead of generating one")
    add("--workdir", type=Path, default=None, help="keep data, stores and logs here")
    add("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    with workdir(args.workdir, args.keep) as work:
        if args.store is not None:
            prep = existing(args.store.resolve())
        else:
            prep = prepare(work, args.scale, args.seed, args.build_max)
        servers = start_targets(prep, work, [OURS, OXIGRAPH], args.load_timeout)
        ours, bare = Target.of(servers[OURS].query_url), Target.of(servers[OXIGRAPH].query_url)
        try:
            query, heavy_ms = pick_heavy(bare, 15)
            say(f"warm query: bare median {heavy_ms:.1f} ms")
            a = warm(ours, bare, query, args.requests)
            heavier, heavier_ms = pick_heavy(bare, 15, 25.0)
            say(f"heavier warm query: bare median {heavier_ms:.1f} ms")
            a2 = warm(ours, bare, heavier, max(args.requests // 3, 3))
            iris = subjects(bare, args.lookups)
            say(f"cold lookups of {len(iris)} subjects ...")
            ask(ours, LOOKUP % "urn:warm-up")  # the first request's own costs
            ask(bare, LOOKUP % "urn:warm-up")
            b = cold(ours, bare, iris)
            c_ms, not_asked, sent = conditional(ours, query, args.requests)
            floor_ms = floor(ours, args.requests)
        finally:
            ours.conn.close()
            bare.conn.close()
            for server in servers.values():
                server.stop()
    print(f"# bench_cache: {prep.quads:,} quads ({prep.loader}); one sequential client per target")
    print(f"client: {loopclient.DESCRIPTION}")
    print(f"{'part':<44} {'ours ms':>9} {'bare ms':>9}  result")
    print(
        f"{'(a) warm repeated query (cache hit)':<44} {a.ours_ms:9.3f} {a.bare_ms:9.3f}  "
        f"{a.bare_ms / a.ours_ms:.1f}x faster than bare (target >= 10x; bare >= 5 ms: "
        f"{'yes' if a.bare_ms >= 5 else 'NO'})"
    )
    print(
        f"{'(a) the same, a query of bare >= 25 ms':<44} {a2.ours_ms:9.3f} {a2.bare_ms:9.3f}  "
        f"{a2.bare_ms / a2.ours_ms:.1f}x faster than bare"
    )
    print(
        f"{'(b) cold point lookup (distinct subjects)':<44} {b.ours_ms:9.3f} {b.bare_ms:9.3f}  "
        f"overhead {b.ours_ms - b.bare_ms:+.3f} ms (target <= 0.5 ms), ratio {b.ours_ms / b.bare_ms:.2f}"
    )
    print(
        f"{'(c) If-None-Match on the warm query':<44} {c_ms:9.3f} {a.bare_ms:9.3f}  "
        f"{not_asked}/{args.requests} 304s without the engine; queries sent meanwhile: {sent:.0f}; "
        f"{a.bare_ms / c_ms:.1f}x faster than bare"
    )
    print(f"{'floor: a static route of ours (/context.jsonld)':<44} {floor_ms:9.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
