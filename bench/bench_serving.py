"""Benchmark: serving the same data from our endpoint, a bare ``oxigraph serve`` and rdflib-endpoint.

Generates synthetic data (:mod:`kg.generate`, fixed seed), builds a store from it with our
pipeline, and serves that same data, in the same run, from

(a) ``clusterkg serve`` (FastAPI policy layer + managed Oxigraph engine), as a real process
    with an update token,
(b) ``oxigraph serve --union-default-graph`` over a copy of the store,
(c) rdflib-endpoint (rdflib's SPARQL engine behind FastAPI) over a dump of the store,

then runs the query mix ``bench/query_mix/*.rq`` (lookups, joins, aggregates, property paths,
CONSTRUCT) with concurrent clients on loopback (threads, each with its own keep-alive connection
of ``bench/loopclient.py``: raw-socket HTTP/1.1, the request encoded once: 0.07 ms of client CPU
a request, where httpx took 0.78 ms of a core the servers share), checks that every
target's answer equals the bare Oxigraph server's, and prints one table per target: median
latency and throughput per query, with ratios. Then it measures the resident memory of our
service (API process and engine together) while serving, and its rise during an authenticated
upload of 100k triples to ``/store?graph=<synthetic graph>``.

    python bench/bench_serving.py --scale 20000                 # quick check, about 2 minutes
    python bench/bench_serving.py                               # 1M triples (long)
    python bench/bench_serving.py --scale 1000000 --skip-rdflib

Stores: up to ``--build-max`` triples (default 100k) the store is made by ``clusterkg build
--skip-dl --data <generated>``; above it the build's SHACL validation is too slow (it grows
faster than linearly: 14 s at 10k, 141 s at 40k on this machine), so the store is loaded
directly (the build's load, OWL 2 RL materialisation and QC checks, without SHACL). The
header says which. See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopclient  # noqa: E402

from kg import generate  # noqa: E402
from kg.engine.process import free_port, oxigraph_binary  # noqa: E402

QUERY_DIR = Path(__file__).resolve().parent / "query_mix"
BIN = Path(sys.executable).parent
TOKEN = "bench-serving-token-0123456789"
UPLOAD_GRAPH = generate.SYN_GRAPH + "upload-benchmark"
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "nonNegativeInteger")}
MiB = 1024 * 1024

OURS, OXIGRAPH, RDFLIB = "clusterkg (ours)", "oxigraph serve (bare)", "rdflib-endpoint"
OURS_REMOTE, REMOTE = "clusterkg -> remote engine", "remote engine (bare)"


def say(message: str) -> None:
    """Progress on standard error, so that standard output holds only the report."""
    print(message, file=sys.stderr, flush=True)


# --- processes and memory ---------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    """A process and all its descendants."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo += tree.get(p, [])
    return found


def rss(pids: list[int]) -> int:
    """The summed resident set size (VmRSS) of the processes, in bytes."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def cpu_seconds(pids: list[int]) -> float:
    """The CPU time (user and system) the processes have used so far, summed, in seconds."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / os.sysconf("SC_CLK_TCK")


class RssSampler:
    """Samples the RSS of a process tree in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.1, *, log_every: float | None = None) -> None:
        self.pid, self.interval, self.log_every = pid, interval, log_every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pids, refreshed = process_tree(self.pid), time.monotonic()
        started = logged = refreshed
        while not self._stop.is_set():
            now = time.monotonic()
            if now - refreshed > 1.0:
                pids, refreshed = process_tree(self.pid), now
            current = rss(pids)
            self.peak = max(self.peak, current)
            if self.log_every is not None and now - logged >= self.log_every:
                say(f"  ... {now - started:.0f} s: RSS {current / MiB:.0f} MiB, peak {self.peak / MiB:.0f}")
                logged = now
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self.peak = rss(process_tree(self.pid))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss(process_tree(self.pid)))


@dataclass
class Server:
    """A server process we started, and where it answers queries."""

    name: str
    process: subprocess.Popen[bytes] | None  # None: a remote endpoint we did not start
    query_url: str
    log: Path
    pids: list[int] = field(default_factory=list)

    def stop(self) -> None:
        """SIGTERM to the process group we started, then SIGKILL; also any child left over."""
        if self.process is None:
            return
        pids = process_tree(self.process.pid)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in pids[1:]:  # e.g. the managed engine, which runs in a session of its own
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def bare_oxigraph(location: Path, port: int) -> list[str]:
    """The command line of a bare ``oxigraph serve`` on a store, its default graph the union."""
    return [
        oxigraph_binary(), "serve", "--location", str(location), "--union-default-graph",
        "--bind", f"127.0.0.1:{port}",
    ]  # fmt: skip


def start(
    name: str,
    args: list[str],
    query_url: str,
    ready_url: str,
    log: Path,
    *,
    env: dict[str, str] | None = None,
    timeout_s: float,
) -> Server:
    """Start a server process in a session of its own and wait until ``ready_url`` answers 200."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    server = Server(name, process, query_url, log)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; see {log}")
            try:
                if client.get(ready_url, headers={"Accept": "text/turtle"}).status_code == 200:
                    server.pids = process_tree(process.pid)
                    return server
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer within {timeout_s:.0f} s; see {log}")


def start_bare_copy(
    name: str, store: Path, copy: Path, log: Path, *, extra: tuple[str, ...] = (), timeout_s: float = 600
) -> Server:
    """A bare ``oxigraph serve`` (with ``extra`` options) over a fresh copy of ``store`` at ``copy``
    (a bare server must not share a store directory with another process)."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store, copy)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    return start(
        name, [*bare_oxigraph(copy, port), *extra], f"{base}/query", f"{base}/", log, timeout_s=timeout_s
    )


# --- data and stores --------------------------------------------------------------------------


@dataclass
class Prepared:
    """The generated data, the store made from it, and a dump of that store."""

    scale: int
    generated: int
    store: Path
    dump: Path
    quads: int
    loader: str
    seconds: dict[str, float]


def build_store(data: Path, store: Path, *, direct: bool) -> str:
    """Make the store: ``clusterkg build``, or the build of the founding case and the bulk path."""
    if not direct:
        cmd = [str(BIN / "clusterkg"), "build", "--skip-dl", "--store", str(store), "--data", str(data)]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        return "clusterkg build --skip-dl"
    # The bulk path (kg/bulk.py): a build of the founding case, then `clusterkg load` of the data.
    cmd = [str(BIN / "clusterkg"), "build", "--skip-dl", "--store", str(store)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    cmd = [str(BIN / "clusterkg"), "load", str(data), "--store", str(store)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return "clusterkg build --skip-dl (founding case) + clusterkg load (bulk path: SHACL on a sample)"


def existing(store: Path) -> Prepared:
    """A store made before (``--store``): served as it is; dumped only if rdflib-endpoint runs."""
    st = ox.Store.read_only(str(store))
    quads = len(st)
    del st
    say(f"using the store {store}: {quads} quads")
    return Prepared(0, 0, store, store.parent / f"{store.name}-dump.nq", quads, f"made before ({store})", {})


def dumped(prep: Prepared) -> Path:
    """The store's N-Quads dump (for rdflib-endpoint, which has no store format), made if missing."""
    if not prep.dump.exists():
        st = ox.Store.read_only(str(prep.store))
        st.dump(output=str(prep.dump), format=ox.RdfFormat.N_QUADS)
    return prep.dump


def prepare(work: Path, scale: int, seed: int, build_max: int) -> Prepared:
    """Generate, build, and dump the store (for rdflib-endpoint, which has no store format)."""
    seconds: dict[str, float] = {}
    data = work / f"synthetic-{scale}.nq"
    t = time.perf_counter()
    written = generate.generate_file(data, scale, seed=seed)
    seconds["generate"] = time.perf_counter() - t
    say(f"generated {written.triples} triples into {data}")
    store = work / f"store-{scale}"
    t = time.perf_counter()
    direct = scale > build_max
    say(f"making the store ({'direct load' if direct else 'clusterkg build'}) ...")
    loader = build_store(data, store, direct=direct)
    seconds["store"] = time.perf_counter() - t
    dump = work / f"dump-{scale}.nq"
    st = ox.Store.read_only(str(store))
    quads = len(st)
    del st
    say(f"store ready in {seconds['store']:.0f} s: {quads} quads (data, ontology, inferences)")
    return Prepared(scale, written.triples, store, dump, quads, loader, seconds)


# --- queries, clients, answers ----------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One query of the mix."""

    name: str
    text: str

    @property
    def graph(self) -> bool:
        """CONSTRUCT/DESCRIBE: the answer is RDF."""
        body = "\n".join(line for line in self.text.splitlines() if not line.lstrip().startswith("#"))
        return any(word in body.upper().split() for word in ("CONSTRUCT", "DESCRIBE"))


def load_mix() -> list[Query]:
    """The query mix, in file order (files starting with ``_`` are not part of it)."""
    files = sorted(p for p in QUERY_DIR.glob("*.rq") if not p.name.startswith("_"))
    return [Query(p.stem, p.read_text(encoding="utf-8")) for p in files]


def connection(server: Server, timeout_s: float) -> loopclient.Connection:
    """A keep-alive connection to a server's endpoint (opened on first use)."""
    return loopclient.Connection.to(server.query_url, timeout_s=timeout_s)[0]


def message(conn: loopclient.Connection, server: Server, query: Query) -> bytes:
    """The bytes of one SPARQL Protocol GET of the query (encoded once, sent by every request)."""
    accept = NTRIPLES if query.graph else RESULTS_JSON
    target = loopclient.Connection.to(server.query_url)[1]
    target += ("&" if "?" in target else "?") + urlencode({"query": query.text}, quote_via=quote)
    return conn.prepare("GET", target, {"Accept": accept})


def _number(value: str) -> str:
    try:
        return str(Decimal(value).quantize(Decimal("0.000001")).normalize())
    except InvalidOperation:
        return value


def answer_of(query: Query, answer: loopclient.Answer) -> object:
    """A comparable form of an answer: a sorted list of rows, or a set of triples.

    Numbers are compared by value (to 6 decimals: engines write averages with different
    digits), plain literals as xsd:string.
    """
    if answer.status != 200:
        return ("HTTP", answer.status)
    if query.graph:
        return frozenset(str(t) for t in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES))
    data = answer.json()
    if "boolean" in data:
        return bool(data["boolean"])
    rows = []
    for binding in data["results"]["bindings"]:
        row = []
        for var, term in sorted(binding.items()):
            kind, value = term["type"], term["value"]
            if kind in ("literal", "typed-literal"):
                datatype = term.get("datatype", "" if "xml:lang" in term else XSD + "string")
                value = _number(value) if datatype in NUMERIC else value
                row.append((var, "literal", value, datatype, term.get("xml:lang", "")))
            else:
                row.append((var, kind, value, "", ""))
        rows.append(tuple(row))
    return sorted(rows)


def describe_answer(answer: object) -> str:
    """A short description of an answer (its size)."""
    if isinstance(answer, list):
        return f"{len(answer)} rows"
    if isinstance(answer, frozenset):
        return f"{len(answer)} triples"
    return str(answer)


@dataclass
class Measured:
    """Latencies and throughput of one query on one target."""

    latencies: list[float]
    seconds: float
    errors: int
    answer: object
    budget_hit: bool

    @property
    def median_ms(self) -> float:
        """Median latency in milliseconds."""
        return statistics.median(self.latencies) * 1000 if self.latencies else math.nan

    @property
    def throughput(self) -> float:
        """Completed requests per second, all clients together."""
        return len(self.latencies) / self.seconds if self.seconds > 0 else math.nan


def measure(
    clients: list[loopclient.Connection],
    server: Server,
    query: Query,
    *,
    requests: int,
    budget_s: float,
) -> Measured:
    """One warm-up request (its answer is kept), then ``requests`` requests from the clients
    at once, each client a thread with its own keep-alive connection, opened beforehand so that
    its set-up is not timed; the request is encoded once, so that what is timed is its send and
    the read of its answer. No new request starts after ``budget_s``. When the warm-up request
    alone took longer than the budget, it is the only measurement (n = 1). A request times out
    after the connections' ``timeout_s``."""
    request = message(clients[0], server, query)
    t = time.perf_counter()
    try:
        first: loopclient.Answer | None = clients[0].exchange(request)
    except TimeoutError:
        first = None
    warm_up = time.perf_counter() - t
    answer = answer_of(query, first) if first is not None else ("timeout", clients[0].timeout_s)
    if warm_up > budget_s or first is None or first.status != 200:
        ok = first is not None and first.status == 200
        return Measured([warm_up] if ok else [], warm_up, 0 if ok else 1, answer, budget_hit=True)
    latencies: list[float] = []
    errors = 0
    issued = 0
    lock = threading.Lock()
    ready = threading.Barrier(len(clients) + 1)
    deadline = math.inf

    def worker(client: loopclient.Connection) -> None:
        nonlocal issued, errors
        with suppress(OSError):  # a failure here is counted by the first request
            client.connect()
        ready.wait()
        while True:
            with lock:
                if issued >= requests or time.perf_counter() > deadline:
                    return
                issued += 1
            t = time.perf_counter()
            try:
                ok = client.exchange(request).status == 200
            except (OSError, loopclient.MalformedAnswer, RuntimeError):  # RuntimeError: the run is stopping
                ok = False
            elapsed = time.perf_counter() - t
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    errors += 1

    threads = [threading.Thread(target=worker, args=(client,), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    deadline = start + budget_s
    ready.wait()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - start
    return Measured(latencies, seconds, errors, answer, budget_hit=issued < requests)


# --- the run ----------------------------------------------------------------------------------


@dataclass
class Round:
    """The measurements of one scale: per target, per query."""

    prepared: Prepared
    results: dict[str, dict[str, Measured]]
    rss_serving: dict[str, int] = field(default_factory=dict)


def serve_ours(
    name: str, store: Path, log: Path, timeout_s: float, *, cache: bool, engine_url: str | None = None
) -> Server:
    """``clusterkg serve`` over the store on a free port (in remote mode with ``engine_url``)."""
    port = free_port()
    args = [str(BIN / "clusterkg"), "serve", "--store", str(store), "--port", str(port)]
    env = {
        "CLUSTERKG_UPDATE_TOKEN": TOKEN,
        "CLUSTERKG_QUERY_TIMEOUT_S": "120",
        "CLUSTERKG_CACHE": str(cache).lower(),
    }
    if engine_url is not None:
        env["CLUSTERKG_ENGINE_URL"] = engine_url
    base = f"http://127.0.0.1:{port}"
    return start(name, args, f"{base}/sparql", f"{base}/health", log, env=env, timeout_s=timeout_s)


def start_targets(
    prep: Prepared,
    work: Path,
    names: list[str],
    load_timeout_s: float,
    engine_url: str | None = None,
    *,
    cache: bool = True,
) -> dict[str, Server]:
    """Start the targets over the prepared data (each on a free loopback port); with ``engine_url``,
    also our layer in remote mode over that endpoint, and the endpoint itself; ``cache``: our
    result cache on (the server's default) or off."""
    servers: dict[str, Server] = {}
    try:
        if OXIGRAPH in names:
            copy = work / f"oxigraph-copy-{prep.scale}"
            shutil.copytree(prep.store, copy)
            port = free_port()
            args = bare_oxigraph(copy, port)
            base = f"http://127.0.0.1:{port}"
            servers[OXIGRAPH] = start(
                OXIGRAPH, args, f"{base}/query", f"{base}/", work / "oxigraph.log", timeout_s=load_timeout_s
            )
        if OURS in names:
            servers[OURS] = serve_ours(OURS, prep.store, work / "clusterkg.log", load_timeout_s, cache=cache)
        if REMOTE in names:
            servers[REMOTE] = Server(REMOTE, None, str(engine_url), work / "remote.log")
        if OURS_REMOTE in names:
            log = work / "clusterkg-remote.log"
            servers[OURS_REMOTE] = serve_ours(
                OURS_REMOTE, prep.store, log, load_timeout_s, cache=cache, engine_url=engine_url
            )
        if RDFLIB in names:
            port = free_port()
            args = [
                sys.executable,
                "-m",
                "rdflib_endpoint",
                "serve",
                str(dumped(prep)),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            base = f"http://127.0.0.1:{port}"
            say(f"rdflib-endpoint is loading {prep.quads} quads ...")
            t = time.perf_counter()
            servers[RDFLIB] = start(
                RDFLIB, args, f"{base}/", f"{base}/", work / "rdflib-endpoint.log", timeout_s=load_timeout_s
            )
            say(f"rdflib-endpoint ready after {time.perf_counter() - t:.0f} s")
    except BaseException:
        for server in servers.values():
            server.stop()
        raise
    return servers


def run_round(
    prep: Prepared,
    work: Path,
    names: list[str],
    mix: list[Query],
    args: argparse.Namespace,
    *,
    skipped_rdflib: str | None = None,
    upload_size: int = 0,
) -> Round:
    """Serve the prepared data from the targets, run the mix on each (interleaved per query) and
    print the report; then, with ``upload_size``, upload to our endpoint and print the outcome."""
    servers = start_targets(prep, work, names, args.load_timeout, args.engine_url, cache=args.cache)
    result = Round(prep, {name: {} for name in servers})
    try:
        with ExitStack() as stack:
            samplers = {
                name: stack.enter_context(RssSampler(s.process.pid))
                for name, s in servers.items()
                if s.process is not None
            }
            clients = {
                name: [stack.enter_context(connection(s, args.timeout)) for _ in range(args.concurrency)]
                for name, s in servers.items()
            }
            for query in mix:
                for name, server in servers.items():
                    slow = name == RDFLIB
                    m = measure(
                        clients[name],
                        server,
                        query,
                        requests=args.rdflib_requests if slow else args.requests,
                        budget_s=args.rdflib_budget if slow else args.budget,
                    )
                    result.results[name][query.name] = m
                    say(
                        f"  {query.name:<24} {name:<22} {m.median_ms:9.1f} ms {m.throughput:9.1f} req/s"
                        f"  n={len(m.latencies)} errors={m.errors}  {describe_answer(m.answer)}"
                    )
        result.rss_serving = {name: sampler.peak for name, sampler in samplers.items()}
        report(result, mix, args, skipped_rdflib)
        if OURS in servers and upload_size > 0:
            for line in upload(servers[OURS], upload_size, args.seed, args.upload_timeout):
                print(line, flush=True)
    finally:
        for server in servers.values():
            server.stop()
    return result


def upload(server: Server, size: int, seed: int, timeout_s: float) -> list[str]:
    """POST ``size`` synthetic triples (Turtle) to /store?graph=..., with the token; the RSS rise."""
    body = io.BytesIO()
    written = generate.write(
        generate.units(size, seed=seed + 1, tag="upload-", graph=UPLOAD_GRAPH), body, "turtle"
    )
    base = server.query_url.rsplit("/sparql", 1)[0]
    assert server.process is not None  # our own server
    pid = server.process.pid
    before = rss(process_tree(pid))
    say(f"uploading {written.triples} triples ({len(body.getvalue()) / MiB:.1f} MiB of Turtle) to /store ...")
    t = time.perf_counter()
    with RssSampler(pid, interval=0.05, log_every=60) as sampler:
        try:
            response = httpx.post(
                f"{base}/store",
                params={"graph": UPLOAD_GRAPH},
                content=body.getvalue(),
                timeout=timeout_s,
                headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {TOKEN}"},
            )
        except httpx.TimeoutException:
            return [
                f"upload: no answer within {timeout_s:.0f} s (RSS before {before / MiB:.0f} MiB, "
                f"peak {sampler.peak / MiB:.0f} MiB)"
            ]
    seconds = time.perf_counter() - t
    after = rss(process_tree(pid))
    if response.status_code in (404, 405):
        return ["upload: /store not available"]
    inserted = response.headers.get("X-Clusterkg-Inserted", "?")
    lines = [
        f"upload: {written.triples} triples -> HTTP {response.status_code} in {seconds:.1f} s, "
        f"inserted {inserted}, inferred added {response.headers.get('X-Clusterkg-Inferred-Added', '?')}",
        f"upload: RSS before {before / MiB:.0f} MiB, peak during {sampler.peak / MiB:.0f} MiB "
        f"(+{(sampler.peak - before) / MiB:.0f} MiB; target <= +300), after {after / MiB:.0f} MiB",
    ]
    if response.status_code >= 400:
        lines.append(f"upload: refused: {response.text[:500]}")
        return lines
    read = httpx.get(
        f"{base}/store", params={"graph": UPLOAD_GRAPH}, headers={"Accept": NTRIPLES}, timeout=600
    )
    stored = sum(1 for line in read.text.splitlines() if line.strip())
    lines.append(f"upload: the graph now holds {stored} triples (GET /store: HTTP {read.status_code})")
    return lines


# --- the report -------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    if not b or math.isnan(a) or math.isnan(b):
        return "-"
    r = a / b
    if r >= 100:
        return f"{r:.0f}x"
    return f"{r:.2f}x" if r >= 0.01 else f"{r:.2g}x"


def _geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0 and not math.isnan(v)]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else math.nan


def report(rnd: Round, mix: list[Query], args: argparse.Namespace, skipped_rdflib: str | None) -> None:
    """Print one table per target, the summary against the targets, and the memory."""
    p = rnd.prepared
    print(
        f"\n=== {p.generated:,} generated triples ({p.quads:,} quads served: data + ontology + inferences); "
        f"store by {p.loader}; our result cache {'on' if args.cache else 'off'}"
    )
    print(
        f"    {args.concurrency} concurrent clients; {args.requests} requests per query "
        f"({args.rdflib_requests} for rdflib-endpoint, or until {args.rdflib_budget:.0f} s); loopback; "
        f"{os.cpu_count()} CPUs"
    )
    print(f"    client: {loopclient.DESCRIPTION}, one per concurrent client")
    if skipped_rdflib:
        print(f"    rdflib-endpoint: {skipped_rdflib}")
    ref = rnd.results.get(OXIGRAPH, {})
    slow = rnd.results.get(RDFLIB, {})
    for name, per_query in rnd.results.items():
        print(f"\n{name}")
        head = f"{'query':<24} {'median ms':>10} {'req/s':>9} {'n':>5}"
        head += (
            f" {'lat/oxigraph':>12} {'tput/oxigraph':>13} {'rdflib lat/this':>15} {'tput/rdflib':>11}  agree"
        )
        print(head)
        for query in mix:
            m = per_query[query.name]
            o, r = ref.get(query.name), slow.get(query.name)
            agree = "yes" if o is None or m.answer == o.answer else "NO"
            cut = "*" if m.budget_hit else " "
            print(
                f"{query.name:<24} {m.median_ms:>10.1f} {m.throughput:>9.1f} {len(m.latencies):>4}{cut}"
                f" {_ratio(m.median_ms, o.median_ms) if o else '-':>12}"
                f" {_ratio(m.throughput, o.throughput) if o else '-':>13}"
                f" {_ratio(r.median_ms, m.median_ms) if r else '-':>15}"
                f" {_ratio(m.throughput, r.throughput) if r else '-':>11}  {agree}"
                + (f" ({m.errors} errors)" if m.errors else "")
            )
    print("\n(* = stopped by the time budget before all requests were sent)")
    ours = rnd.results.get(OURS)
    if ours and ref:
        lat = _geomean([ours[q.name].median_ms / ref[q.name].median_ms for q in mix])
        tput = _geomean([ours[q.name].throughput / ref[q.name].throughput for q in mix])
        worst = max(mix, key=lambda q: ours[q.name].median_ms / ref[q.name].median_ms)
        worst_lat = ours[worst.name].median_ms / ref[worst.name].median_ms
        print(
            f"ours vs bare Oxigraph: latency {lat:.2f}x (geometric mean; worst {worst_lat:.2f}x "
            f"on {worst.name}; target <= 1.2x), throughput {tput:.2f}x (target >= 0.9x)"
        )
    ours_remote, remote = rnd.results.get(OURS_REMOTE), rnd.results.get(REMOTE)
    if ours_remote and remote:
        lat = _geomean([ours_remote[q.name].median_ms / remote[q.name].median_ms for q in mix])
        tput = _geomean([ours_remote[q.name].throughput / remote[q.name].throughput for q in mix])
        if ref:
            agree = sum(1 for q in mix if remote[q.name].answer == ref[q.name].answer)
            compared = f"the remote engine's answers equal bare Oxigraph's on {agree} of {len(mix)} queries"
        else:
            compared = "its answers were not compared with bare Oxigraph's (not run)"
        print(
            f"ours in remote mode vs the remote engine alone ({args.engine_url}): latency {lat:.2f}x "
            f"(geometric mean), throughput {tput:.2f}x: what the layer costs there; {compared}"
        )
    elif not args.engine_url:
        print("remote engine: skipped (no --engine-url given)")
    if ours and slow:
        speed = _geomean([slow[q.name].median_ms / ours[q.name].median_ms for q in mix])
        least = min(mix, key=lambda q: slow[q.name].median_ms / ours[q.name].median_ms)
        least_speed = slow[least.name].median_ms / ours[least.name].median_ms
        print(
            f"ours vs rdflib-endpoint: {speed:.1f}x faster (geometric mean of median latencies; "
            f"least {least_speed:.1f}x on {least.name}; target >= 20x)"
        )
    if ref and slow:
        bare = _geomean([slow[q.name].median_ms / ref[q.name].median_ms for q in mix])
        print(
            f"bare Oxigraph vs rdflib-endpoint: {bare:.1f}x faster (geometric mean of median "
            "latencies: what the engine alone, with no layer in front, gains on this mix)"
        )
    for name, peak in rnd.rss_serving.items():
        what = "API process + engine" if name == OURS else "process tree"
        target = "; target < 500 MiB" if name == OURS else ""
        print(f"memory: {name}: peak RSS while serving the mix {peak / MiB:.0f} MiB ({what}{target})")
    sys.stdout.flush()


@contextmanager
def workdir(given: Path | None, keep: bool) -> Iterator[Path]:
    """The folder for data, stores and logs (a temporary one unless given or kept)."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    path = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    try:
        yield path
    finally:
        if keep:
            say(f"kept {path}")
        else:
            shutil.rmtree(path, ignore_errors=True)


def arguments(
    doc: str | None, *, scale: int, requests: int, per: str = "query and target"
) -> tuple[argparse.ArgumentParser, Callable[..., object]]:
    """A benchmark's parser with the options the serving benchmarks share (``--scale``,
    ``--requests``, ``--load-timeout``, ``--seed``, ``--cache``), and its ``add_argument`` for
    the others."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    add: Callable[..., object] = parser.add_argument
    add("--scale", type=int, default=scale, help=f"triples to generate (default {scale:,})")
    add("--requests", type=int, default=requests, help=f"requests per {per} (default {requests})")
    add("--load-timeout", type=float, default=1800.0, help="seconds a server may take to start and load")
    add("--seed", type=int, default=generate.DEFAULT_SEED, help="seed of the data generator")
    add(
        "--cache",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="our result cache (default off: every request of the mix repeats its query, so with the "
        "cache on ours answers from memory and the ratios show the cache, not the layer's cost)",
    )
    return parser, add


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the report."""
    parser, add = arguments(__doc__, scale=1_000_000, requests=200)
    add("--concurrency", type=int, default=8, help="concurrent clients (default 8)")
    add(
        "--budget",
        type=float,
        default=120.0,
        help="seconds per query and target before no new request starts",
    )
    add("--skip-rdflib", action="store_true", help="do not run rdflib-endpoint")
    add(
        "--rdflib-scale",
        type=int,
        default=None,
        help="run rdflib-endpoint on this smaller scale, in a round "
        "of its own with all three targets (default: the same scale)",
    )
    add("--rdflib-requests", type=int, default=40, help="requests per query for rdflib-endpoint (default 40)")
    add(
        "--rdflib-budget", type=float, default=60.0, help="seconds per query for rdflib-endpoint (default 60)"
    )
    add(
        "--build-max",
        type=int,
        default=100_000,
        help="largest scale built with `clusterkg build` (default 100k)",
    )
    add(
        "--upload", type=int, default=100_000, help="triples to upload to /store (0: no upload; default 100k)"
    )
    add("--upload-timeout", type=float, default=3600.0, help="seconds to wait for the upload (default 3600)")
    add("--timeout", type=float, default=300.0, help="client timeout per request, seconds")
    add(
        "--engine-url",
        default=None,
        help="a SPARQL endpoint loaded with the same data (e.g. Virtuoso's /sparql): the mix also runs "
        "through `clusterkg serve` in remote mode (CLUSTERKG_ENGINE_URL) over it, and on it directly; "
        "CLUSTERKG_ENGINE_* settings in the environment (kind, user, password) are passed on",
    )
    add("--store", type=Path, default=None, help="serve this store (made before) instead of generating one")
    add("--workdir", type=Path, default=None, help="keep data, stores and logs here (default: a temp folder)")
    add("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    mix = load_mix()
    small = args.rdflib_scale if args.rdflib_scale is not None and args.rdflib_scale < args.scale else None
    # A SIGTERM ends the run through the finally blocks, which stop the servers it started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    remote = [OURS_REMOTE, REMOTE] if args.engine_url else []
    with workdir(args.workdir, args.keep) as work:
        prep = existing(args.store) if args.store else prepare(work, args.scale, args.seed, args.build_max)
        if args.skip_rdflib or small:
            if args.skip_rdflib:
                note = "skipped (--skip-rdflib)"
            else:
                note = f"run on {small:,} triples instead (--rdflib-scale): see the next table"
            run_round(
                prep, work, [OURS, OXIGRAPH, *remote], mix, args, skipped_rdflib=note, upload_size=args.upload
            )
        else:
            run_round(prep, work, [OURS, OXIGRAPH, *remote, RDFLIB], mix, args, upload_size=args.upload)
        if small and not args.skip_rdflib:
            small_prep = prepare(work, small, args.seed, args.build_max)
            run_round(small_prep, work, [OURS, OXIGRAPH, RDFLIB], mix, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
