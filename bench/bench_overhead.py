"""Benchmark: what our layer adds to one cold request (no result cache), beside a bare
``oxigraph serve`` and a bare FastAPI route, in the same run.

Over one built store (``--store``, or one made here by ``clusterkg generate --scale N --load``)
it starts, each on a loopback port:

(a) ``clusterkg serve`` with the result cache off (``CLUSTERKG_CACHE=false``): every request
    goes through the whole layer to the managed engine;
(b) ``oxigraph serve --union-default-graph`` over a copy of the store;
(c) a bare FastAPI route under uvicorn with the same HTTP settings as ours (httptools, uvloop,
    no access log), answering the same bytes as the engine without asking anyone: the floor of
    any Python HTTP server;
(d) a bare proxy: a bare ASGI app under the same uvicorn that sends each query to a bare
    ``oxigraph serve`` of its own with our engine client and answers its bytes: the floor of
    any Python layer that asks an engine over HTTP;
(e) unless ``--no-engine-timeout``, a bare ``oxigraph serve --timeout-s 30`` (the engine's own
    time limit, which the managed engine no longer runs with by default): what it would cost.

Then one client (``bench/loopclient.py``: a raw-socket HTTP/1.1 client, requests encoded
beforehand: 0.07 ms of client CPU a request, where http.client took 0.18-0.21 ms and httpx
0.78 ms) sends the same point lookup (``--query``, by default every triple of one
cluster, ``bench/query_mix/lookup-subject.rq``) one request at a time, on one keep-alive
connection per target, in ``--rounds`` rounds of ``--requests`` requests per target, the
targets taking turns every ``--block`` requests, so that a noisy neighbour hits them alike.
It prints each target's median per round and over all rounds, the CPU time each target's
processes spent per request (user and system, from ``/proc``; ours counts the API process and
its engine, the bare proxy its engine too), and our overhead (our median less the bare
server's, and the ratio) per round and overall.

    python bench/bench_overhead.py --scale 100000             # the issue's point lookup at 100k
    python bench/bench_overhead.py --scale 100000 --new-texts # each request a text never seen
    python bench/bench_overhead.py --store /tmp/store-1m      # an existing store

The issue-15 target: our median at most 0.5 ms above the bare server's at 100k triples.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopclient  # noqa: E402
from bench_serving import BIN, Server, cpu_seconds, process_tree, say, start, start_bare_copy  # noqa: E402

from kg.engine.process import free_port  # noqa: E402

OURS, OXIGRAPH, FASTAPI = "clusterkg (ours)", "oxigraph serve (bare)", "bare FastAPI route"
PROXY = "bare proxy"
"""A bare ASGI app under uvicorn (our HTTP settings) that sends each request's query to a bare
``oxigraph serve`` of its own (over another copy of the store) with our engine client
(``kg.engine.http11``) and answers its bytes: no checks, headers, log or metrics. The floor of
any Python layer that asks an engine over HTTP. Its CPU line counts both processes."""
TIMED = "oxigraph --timeout-s"
"""A bare ``oxigraph serve`` with a per-query time limit (30 s, the default
``CLUSTERKG_QUERY_TIMEOUT_S``): Oxigraph starts a thread per query for it. Our managed engine
runs without it unless ``CLUSTERKG_ENGINE_OWN_TIMEOUT`` is on (the layer stops a query at its
limit itself); this target shows what the option would cost a point lookup."""
BASELINE = "clusterkg (baseline)"
RESULTS_JSON = "application/sparql-results+json"
WARM_UP = 20
"""Requests to each target before each round's timed ones."""

BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI, Response
body = open(sys.argv[2], 'rb').read()
app = FastAPI()
@app.get('/sparql')
async def sparql() -> Response:
    return Response(body, media_type='application/sparql-results+json')
uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', access_log=False,
            loop='auto', http='httptools', ws='none')
"""

PROXY_APP = """
import sys, uvicorn
from urllib.parse import parse_qsl
from kg.engine.http11 import LoopbackHTTP
http, engine = LoopbackHTTP(), sys.argv[2]
headers = {'Content-Type': 'application/sparql-query', 'Accept': 'application/sparql-results+json'}
async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    query = dict(parse_qsl(scope['query_string'].decode())).get('query', 'ASK {}').encode()
    status, _, body = await http.request('POST', engine, headers=headers, body=query, params=None,
                                         max_bytes=1 << 30, too_large=lambda: None)
    await send({'type': 'http.response.start', 'status': status, 'headers': [
        (b'content-type', b'application/sparql-results+json'), (b'content-length', b'%d' % len(body))]})
    await send({'type': 'http.response.body', 'body': body})
uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[1]), log_level='warning', access_log=False,
            loop='auto', http='httptools', ws='none')
"""


def get(port: int, path: str) -> tuple[int, bytes]:
    """One GET on a connection of its own (untimed), the body read whole."""
    with loopclient.Connection("127.0.0.1", port) as conn:
        answer = conn.request("GET", path, {"Accept": RESULTS_JSON})
    return answer.status, answer.body


def rows_of(body: bytes) -> list[str]:
    """A SPARQL JSON answer as sorted rows (to compare a target's answer with the bare server's)."""
    return sorted(json.dumps(b, sort_keys=True) for b in json.loads(body)["results"]["bindings"])


def fresh(path: str, i: int) -> str:
    """``path`` (``...?query=...``) with its query made new: a numbered comment at its end (the
    same work for the engine, a text no memo of the layer has seen)."""
    return path + urllib.parse.quote(f"\n# request {i}")


def timed(
    ports: dict[str, int], paths: dict[str, str], n: int, block: int = 1, *, new_texts: int | None = None
) -> dict[str, list[float]]:
    """``n`` GETs to each target, one at a time, the targets taking turns every ``block``
    requests (so that a noisy neighbour slows them alike), each target on its own kept-alive
    connection, after 20 unmeasured ones each; the latencies in ms (a request's send and the
    read of its answer, the request encoded beforehand).

    With ``block`` 1 every request finds its server idle since its previous one (the others
    answered meanwhile): a server of two processes (ours and its engine) wakes twice as many
    processes as a bare one, and each wake-up costs on this virtual machine. Larger blocks
    measure servers that are kept busy, as the issue's figures were taken.

    With ``new_texts`` (a number not used before), every request's query text is new
    (:func:`fresh`, numbered from it): nothing the layer keeps per distinct request helps."""
    conns = {name: loopclient.Connection("127.0.0.1", port) for name, port in ports.items()}

    def message(name: str, i: int) -> bytes:
        path = paths[name] if new_texts is None else fresh(paths[name], new_texts + i + WARM_UP)
        return conns[name].prepare("GET", path, {"Accept": RESULTS_JSON})

    messages = {name: [message(name, i) for i in range(-WARM_UP, n)] for name in conns}
    out: dict[str, list[float]] = {name: [] for name in ports}
    try:
        for conn in conns.values():
            conn.connect()
        for start in range(-WARM_UP, n, block):
            for name, conn in conns.items():
                for i in range(start, min(start + block, n)):
                    t = time.perf_counter()
                    answer = conn.exchange(messages[name][i + WARM_UP])
                    elapsed = (time.perf_counter() - t) * 1000
                    if answer.status != 200:
                        raise RuntimeError(f"GET {paths[name][:40]}... on {name} answered {answer.status}")
                    if i >= 0:
                        out[name].append(elapsed)
        return out
    finally:
        for conn in conns.values():
            conn.close()


def make_store(work: Path, scale: int) -> Path:
    """A store of the founding case and ``scale`` synthetic triples (`clusterkg generate --load`)."""
    store = work / f"store-{scale}"
    say(f"building a store of {scale} synthetic triples ...")
    subprocess.run(
        [str(BIN / "clusterkg"), "generate", "--scale", str(scale), "--load", "--store", str(store)],
        check=True,
        stdout=subprocess.DEVNULL,
        cwd=work,
    )
    return store


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--store", type=Path, help="a built store (else one is built with --scale)")
    parser.add_argument("--scale", type=int, default=100_000, help="synthetic triples when building (100k)")
    parser.add_argument("--query", type=Path, default=ROOT / "bench/query_mix/lookup-subject.rq")
    parser.add_argument("--requests", type=int, default=500, help="requests per target per round (500)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, targets interleaved (5)")
    parser.add_argument(
        "--block",
        type=int,
        default=1,
        help="requests in a row to one target before the next takes its turn (1: request by request)",
    )
    parser.add_argument(
        "--new-texts",
        action="store_true",
        help="every request's query text new (a numbered comment at its end): the layer's memos of "
        "distinct requests (parameters, plan, validators) never help",
    )
    parser.add_argument("--workdir", type=Path, help="keep the store copy and logs here")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for our server (repeatable)")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        help="a source tree of the project (e.g. `git archive <commit>` unpacked): also serve the store "
        "with that code (PYTHONPATH), over a copy, as a fourth target: before/after in one run",
    )
    parser.add_argument(
        "--no-engine-timeout",
        dest="engine_timeout",
        action="store_false",
        help="leave out the bare oxigraph serve with --timeout-s 30 (the managed engine's limit)",
    )
    args = parser.parse_args(argv)
    query = args.query.read_text(encoding="utf-8")
    path_ours = "/sparql?" + urllib.parse.urlencode({"query": query})
    path_bare = "/query?" + urllib.parse.urlencode({"query": query})
    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-overhead-"))
    work.mkdir(parents=True, exist_ok=True)
    store = args.store or make_store(work, args.scale)
    servers: dict[str, Server] = {}
    helpers: list[Server] = []  # not timed: the bare proxy's own engine
    ports: dict[str, int] = {}
    try:
        servers[OXIGRAPH] = start_bare_copy(OXIGRAPH, store, work / "oxigraph-copy", work / "oxigraph.log")
        if args.engine_timeout:
            servers[TIMED] = start_bare_copy(
                TIMED,
                store,
                work / "oxigraph-timed-copy",
                work / "oxigraph-timed.log",
                extra=("--timeout-s", "30"),
            )
        for name in (OXIGRAPH, TIMED):
            if name in servers:
                ports[name] = urllib.parse.urlsplit(servers[name].query_url).port or 80
        port = ports[OURS] = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {"CLUSTERKG_CACHE": "false", **dict(e.split("=", 1) for e in args.env)}
        servers[OURS] = start(
            OURS,
            [str(BIN / "clusterkg"), "serve", "--store", str(store), "--port", str(port)],
            f"{base}/sparql",
            f"{base}/health",
            work / "clusterkg.log",
            env=env,
            timeout_s=600,
        )
        if args.baseline_src is not None:
            copy2 = work / "baseline-copy"
            shutil.rmtree(copy2, ignore_errors=True)
            shutil.copytree(store, copy2)
            port = ports[BASELINE] = free_port()
            base = f"http://127.0.0.1:{port}"
            servers[BASELINE] = start(
                BASELINE,
                [str(BIN / "clusterkg"), "serve", "--store", str(copy2), "--port", str(port)],
                f"{base}/sparql",
                f"{base}/health",
                work / "baseline.log",
                env={**env, "PYTHONPATH": str(args.baseline_src.resolve())},
                timeout_s=600,
            )
        status, answer = get(ports[OXIGRAPH], path_bare)
        if status != 200:
            raise RuntimeError(f"the bare server answered {status}")
        expected = rows_of(answer)
        (work / "answer.json").write_bytes(answer)
        port = ports[FASTAPI] = free_port()
        base = f"http://127.0.0.1:{port}"
        servers[FASTAPI] = start(
            FASTAPI,
            [sys.executable, "-c", BARE_APP, str(port), str(work / "answer.json")],
            f"{base}/sparql",
            f"{base}/sparql",
            work / "fastapi.log",
            timeout_s=60,
        )
        behind = start_bare_copy(
            "the bare proxy's engine", store, work / "proxy-engine-copy", work / "proxy-engine.log"
        )
        helpers.append(behind)
        port = ports[PROXY] = free_port()
        base = f"http://127.0.0.1:{port}"
        servers[PROXY] = start(
            PROXY,
            [sys.executable, "-c", PROXY_APP, str(port), behind.query_url],
            f"{base}/sparql",
            f"{base}/sparql",
            work / "proxy.log",
            env={"PYTHONPATH": str(ROOT)},
            timeout_s=60,
        )
        paths = {
            OURS: path_ours,
            PROXY: path_ours,
            OXIGRAPH: path_bare,
            FASTAPI: path_ours,
            BASELINE: path_ours,
            TIMED: path_bare,
        }
        for name in servers:  # every target answers the bare server's rows (checked once, untimed)
            status, body = get(ports[name], paths[name])
            if status != 200 or rows_of(body) != expected:
                raise RuntimeError(f"{name} answered {status}, not the bare server's rows")
        rows: dict[str, list[float]] = {name: [] for name in servers}
        trees = {name: process_tree(server.process.pid) for name, server in servers.items()}
        trees[PROXY] += [pid for helper in helpers for pid in process_tree(helper.process.pid)]
        cpu_before = {name: cpu_seconds(pids) for name, pids in trees.items()}
        load = os.getloadavg()[0]
        print(
            f"=== {args.query.name} on {store} ({len(answer)} bytes of JSON); {args.rounds} rounds x "
            f"{args.requests} requests per target, one at a time, targets in turn every {args.block}; "
            f"load {load:.1f}"
        )
        print(f"client: {loopclient.DESCRIPTION}")
        if args.new_texts:
            print("every request's query text is new (--new-texts): no memo of distinct requests helps")
        print(
            f"{'round':<6}"
            + "".join(f"{name:>24}" for name in servers)
            + f"{'ours - bare':>14}{'ours/bare':>11}"
        )
        for r in range(args.rounds):
            first = r * (args.requests + WARM_UP) if args.new_texts else None
            latencies = timed(ports, paths, args.requests, args.block, new_texts=first)
            medians = {}
            for name in servers:
                rows[name] += latencies[name]
                medians[name] = statistics.median(latencies[name])
            diff = medians[OURS] - medians[OXIGRAPH]
            print(
                f"{r + 1:<6}"
                + "".join(f"{medians[n]:>21.3f} ms" for n in servers)
                + f"{diff:>11.3f} ms{medians[OURS] / medians[OXIGRAPH]:>10.2f}x",
                flush=True,
            )
        sent = args.rounds * (args.requests + WARM_UP)
        cpu = {name: (cpu_seconds(trees[name]) - cpu_before[name]) * 1000 / sent for name in servers}
        per_target = "".join(f"{cpu[n]:>21.3f} ms" for n in servers)
        print(f"{'CPU':<6}{per_target}   a request, the target's processes")
        overall = {name: statistics.median(v) for name, v in rows.items()}
        diff = overall[OURS] - overall[OXIGRAPH]
        print(
            f"{'all':<6}"
            + "".join(f"{overall[n]:>21.3f} ms" for n in servers)
            + f"{diff:>11.3f} ms{overall[OURS] / overall[OXIGRAPH]:>10.2f}x"
        )
        print(
            f"our overhead over the bare server: {diff:.3f} ms at the median (target: at most 0.5 ms); "
            f"load average after: {os.getloadavg()[0]:.1f}"
        )
        if TIMED in overall:
            print(
                "the engine's own per-query time limit (--timeout-s, a thread per query in Oxigraph; "
                "off in our managed engine unless CLUSTERKG_ENGINE_OWN_TIMEOUT) would add "
                f"{overall[TIMED] - overall[OXIGRAPH]:.3f} ms"
            )
    finally:
        for server in [*servers.values(), *helpers]:
            server.stop()
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
