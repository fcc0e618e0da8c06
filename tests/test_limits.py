"""Limits of ``/sparql``: time (server maximum, per-request ``timeout``, the last-resort engine
restart), result rows and bytes, request body and query length, and an engine that dies.

One app over a private copy of the built founding case serves the module, with small limits:
3 s of query time, 1 s of grace, 100 rows, 200 kB of result, a 20 kB body and 10,000
characters of query. The engine's CPU time is read from ``/proc/<pid>/stat``. The only timed assertions
are the time limits themselves and the CPU going idle, with generous bounds; the rest waits
for events (an answer, the engine back) with a bounded wait.
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import serve

from api import create_app
from kg.engine import results
from kg.engine.runtime import Runtime
from kg.errors import EngineError, EngineUnavailable, QueryTimeout
from kg.settings import Settings

with warnings.catch_warnings():
    # starlette warns on import that it wants httpx2; pytest turns warnings into errors.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TIMEOUT_S = 3.0
GRACE_S = 1.0
ROWS = 100
BYTES = 200_000
BODY = 20_000
QUERY_LENGTH = 10_000
BACK_WITHIN_S = 30.0  # a bound on waiting for the engine to be back, not an assertion of speed
IDLE_CPU_S = 0.2  # CPU seconds an idle engine may use in one second of wall time

QUERY_TYPE = {"Content-Type": "application/sparql-query"}

# A cross join of every triple with every triple, twice: ~2,500^3 solutions to count.
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# A cross join made only of VALUES lists, with FILTER NOT EXISTS: Oxigraph's own timeout does
# not stop it (DESIGN.md), so only the restart can.
_VALUES = " ".join(str(i) for i in range(300))
VALUES_JOIN = (
    "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{k} {{ {_VALUES} }}" for k in range(5))
    + " FILTER NOT EXISTS { ?v0 ?v1 ?v2 } }"
)
# Rows that the engine could start to write at once, then a join that runs long: Oxigraph 0.5
# cancels it only after ~25 s, and then answers 200 with its error text after the rows written.
_NINETY = " ".join(str(i) for i in range(90))
STREAM_THEN_STALL = f"""SELECT ?a WHERE {{
  {{ VALUES ?i {{ {_NINETY} }} BIND(CONCAT(STR(?i), STRUUID(), STRUUID(), STRUUID()) AS ?a) }}
  UNION
  {{ ?x ?b ?c . ?d ?e ?f . ?g ?h ?k FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?k))) = 100000) }}
}}"""
# What Oxigraph 0.5.13 sent for STREAM_THEN_STALL straight from the engine (its --timeout-s 3):
# status 200 after 24 s, and this body.
ENGINE_CANCELLED_BODY = (
    b'{"head":{"vars":["a"]},"results":{"bindings":[The SPARQL operation has been cancelled'
)


def limited_app(built_store: Path, tmp_path_factory: pytest.TempPathFactory, **overrides: bool) -> TestClient:
    """The app with small limits over a private copy of the built founding case."""
    return TestClient(create_app(limited_settings(built_store, tmp_path_factory, **overrides)))


def limited_settings(
    built_store: Path, tmp_path_factory: pytest.TempPathFactory, **overrides: bool
) -> Settings:
    """Small limits over a private copy of the built founding case."""
    store = tmp_path_factory.mktemp("limits") / "store"
    shutil.copytree(built_store, store)
    return Settings(
        store=store,
        query_timeout_s=TIMEOUT_S,
        engine_grace_s=GRACE_S,
        result_limit_rows=ROWS,
        result_limit_bytes=BYTES,
        body_limit_bytes=BODY,
        query_length_limit=QUERY_LENGTH,
        **overrides,
    )


@pytest.fixture(scope="module")
def limited(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with small limits (the engine without a time limit of its own, the default)."""
    with limited_app(built_store, tmp_path_factory) as client:
        yield client


@pytest.fixture(scope="module")
def limited_own(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The same with ``engine_own_timeout``: Oxigraph's ``--timeout-s`` set to the maximum."""
    with limited_app(built_store, tmp_path_factory, engine_own_timeout=True) as client:
        yield client


def runtime(client: TestClient) -> Runtime:
    value: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return value


def engine_pid(client: TestClient) -> int:
    engine = runtime(client).engine
    assert engine is not None and engine.pid is not None
    return engine.pid


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (0 once it is gone: it uses none)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def engine_cpu(pids: set[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def wait_until_healthy(client: TestClient) -> dict[str, object]:
    """Poll /health until the engine answers (bounded); its JSON."""
    deadline = time.monotonic() + BACK_WITHIN_S
    while True:
        response = client.get("/health")
        if response.status_code == 200:
            health: dict[str, object] = response.json()
            return health
        assert time.monotonic() < deadline, f"the engine is not back: {response.text}"
        time.sleep(0.1)


def settle(client: TestClient) -> None:
    """Wait until no timed-out request is still watched (a restart it leads to is over), then
    until the engine answers: a restart would otherwise kill the next test's query."""
    deadline = time.monotonic() + BACK_WITHIN_S
    while runtime(client).client._watchers:  # the engine client's watch on timed-out requests
        assert time.monotonic() < deadline, "a timed-out request is still watched"
        time.sleep(0.05)
    wait_until_healthy(client)


class Running:
    """A request running in another thread; its response once done."""

    def __init__(self, client: TestClient, **kwargs: object) -> None:
        self.response: httpx.Response | None = None
        self.started = time.monotonic()
        self.finished = 0.0
        self.thread = threading.Thread(target=self._run, args=(client, kwargs), daemon=True)
        self.thread.start()

    def _run(self, client: TestClient, kwargs: dict[str, object]) -> None:
        self.response = client.get("/sparql", **kwargs)  # type: ignore[arg-type]
        self.finished = time.monotonic()

    def wait(self) -> httpx.Response:
        self.thread.join(TIMEOUT_S + GRACE_S + BACK_WITHIN_S)
        assert self.response is not None, "the request never returned"
        return self.response

    @property
    def seconds(self) -> float:
        return self.finished - self.started


def wait_for_cpu(pid: int, *, at_least: float) -> None:
    """Wait until the engine has used this much more CPU: the query is really running."""
    start = cpu_seconds(pid)
    deadline = time.monotonic() + TIMEOUT_S
    while cpu_seconds(pid) - start < at_least:
        assert time.monotonic() < deadline, "the engine did not start working"
        time.sleep(0.05)


# --- Time -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("own", "query", "timeout", "restart_needed"),
    [
        (True, CROSS_JOIN, None, False),  # the server maximum: Oxigraph's own timeout stops it
        (False, CROSS_JOIN, None, True),  # no timeout of the engine's own (the default): a restart
        (True, CROSS_JOIN, 1.5, True),  # a request's own, shorter limit: past it + grace, a restart
        (True, VALUES_JOIN, None, True),  # Oxigraph's own timeout does not stop it: the restart does
        (False, STREAM_THEN_STALL, None, True),  # neither in time: the restart does
    ],
    ids=[
        "cross-join-engine-timeout",
        "cross-join",
        "cross-join-request-timeout",
        "values-not-exists",
        "stream-then-stall",
    ],
)
def test_a_timeout_is_a_503_and_the_engine_goes_idle(
    request: pytest.FixtureRequest, own: bool, query: str, timeout: float | None, restart_needed: bool
) -> None:
    limited: TestClient = request.getfixturevalue("limited_own" if own else "limited")
    settle(limited)
    before = engine_pid(limited)
    restarts = runtime(limited).engine.restarts  # type: ignore[union-attr]
    params: dict[str, object] = {"query": query} | ({} if timeout is None else {"timeout": str(timeout)})
    running = Running(limited, params=params)
    wait_for_cpu(before, at_least=0.3)  # it burns CPU
    response = running.wait()
    limit = TIMEOUT_S if timeout is None else timeout

    assert response.status_code == 503, response.text
    assert response.json() == {
        "error": "query-timeout",
        "message": f"the query timed out after {limit} s and was stopped",
    }
    assert limit <= running.seconds < limit + GRACE_S, running.seconds  # answered at the limit

    # Within a second after the limit + grace, the engine (the old process, or the new one that
    # replaced it) is idle.
    idle_from = running.started + limit + GRACE_S + 1.0
    time.sleep(max(0.0, idle_from - time.monotonic()))
    pids = {before, engine_pid(limited)}
    used = engine_cpu(pids)
    time.sleep(1.0)
    assert engine_cpu(pids) - used < IDLE_CPU_S, "the engine is still busy after the timeout"
    if restart_needed:
        assert not alive(before)
        assert runtime(limited).engine.restarts == restarts + 1  # type: ignore[union-attr]
    health = wait_until_healthy(limited)
    assert health["status"] == "ok"
    assert health["engine_pid"] == engine_pid(limited)
    assert limited.get("/sparql", params={"query": "ASK {}"}).json() == {"head": {}, "boolean": True}


def test_reads_cut_off_by_a_restart_for_a_stuck_query_are_sent_again(
    built_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A stuck query restarts the engine; the other clients' queries that the old engine was
    answering are sent again to the new one: every one of them is answered (a 200), none gets
    the restart's 503."""
    settings = limited_settings(built_store, tmp_path_factory, cache=False)  # every query to the engine
    count = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?x ?q ?o }"}  # tens of ms each
    statuses: dict[int, int] = {}
    stop = threading.Event()
    with serve(settings) as base:

        def ask() -> None:
            with httpx.Client(base_url=base, timeout=30) as http:
                while not stop.is_set():
                    status = http.get("/sparql", params=count).status_code
                    statuses[status] = statuses.get(status, 0) + 1

        askers = [threading.Thread(target=ask, daemon=True) for _ in range(6)]
        for asker in askers:
            asker.start()
        stuck = httpx.get(f"{base}/sparql", params={"query": VALUES_JOIN, "timeout": "1"}, timeout=30)
        deadline = time.monotonic() + BACK_WITHIN_S
        while httpx.get(f"{base}/health").json()["engine_restarts"] < 1:
            assert time.monotonic() < deadline, "the stuck query did not restart the engine"
            time.sleep(0.05)
        time.sleep(1.0)  # the new engine answers the askers for a while
        stop.set()
        for asker in askers:
            asker.join(timeout=30)
        assert httpx.get(f"{base}/health").json()["engine_restarts"] == 1
    assert stuck.status_code == 503 and stuck.json()["error"] == "query-timeout"
    assert set(statuses) == {200}, statuses
    assert statuses[200] > 12, statuses  # (without the resend: 6 of them got 503, one per asker)


def test_queries_stuck_together_restart_the_engine_once(limited: TestClient) -> None:
    settle(limited)
    pid = engine_pid(limited)
    restarts = runtime(limited).engine.restarts  # type: ignore[union-attr]
    stuck = [Running(limited, params={"query": VALUES_JOIN, "timeout": "1"}) for _ in range(3)]
    assert [r.wait().status_code for r in stuck] == [503, 503, 503]
    settle(limited)
    assert runtime(limited).engine.restarts == restarts + 1  # type: ignore[union-attr]
    assert not alive(pid)


def test_a_timeout_answers_in_text_when_the_client_reads_text(limited: TestClient) -> None:
    response = limited.get(
        "/sparql",
        params={"query": CROSS_JOIN, "timeout": "1"},
        headers={"Accept": "text/csv, text/plain;q=0.5"},
    )
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == "query-timeout: the query timed out after 1.0 s and was stopped\n"
    settle(limited)


def test_the_request_timeout_is_capped_by_the_server_maximum(limited: TestClient) -> None:
    settle(limited)
    running = Running(limited, params={"query": CROSS_JOIN, "timeout": "3600"})
    response = running.wait()
    assert response.status_code == 503
    assert response.json()["message"] == f"the query timed out after {TIMEOUT_S} s and was stopped"
    assert TIMEOUT_S <= running.seconds < TIMEOUT_S + GRACE_S
    settle(limited)


def test_an_answer_cut_by_the_engine_is_never_a_200() -> None:
    """What the engine sends when its own timeout cuts an answer it began is read to its end and
    refused, never passed on as rows. (It is a 502 "incomplete answer" rather than a 503 timeout:
    Oxigraph says "cancelled", which kg.engine.results does not count among the timeout words.)"""
    with pytest.raises(EngineError) as caught:
        results.convert_results(ENGINE_CANCELLED_BODY, "json")
    assert type(caught.value) in (EngineError, EngineUnavailable, QueryTimeout)
    # The error's traceback holds the parser's results object in a reference cycle; pyoxigraph
    # objects must be freed on the thread that made them, not by a collection on the app's.
    del caught
    gc.collect()


def test_other_queries_are_served_while_a_slow_one_runs(limited: TestClient) -> None:
    settle(limited)
    pid = engine_pid(limited)
    slow = Running(limited, params={"query": CROSS_JOIN})
    wait_for_cpu(pid, at_least=0.3)
    for query in ("ASK {}", "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c }"):
        fast = limited.get("/sparql", params={"query": query})
        assert fast.status_code == 200, fast.text
        assert slow.response is None, "the fast query waited for the slow one"
    assert limited.get("/health").status_code == 200
    assert slow.wait().status_code == 503
    settle(limited)


def test_a_killed_engine_comes_back(limited: TestClient) -> None:
    settle(limited)
    pid = engine_pid(limited)
    restarts = runtime(limited).engine.restarts  # type: ignore[union-attr]
    # as a bulk load cut off by the engine's death leaves it: an index file not (yet) ingested
    abandoned = runtime(limited).settings.store / "bulk-1234567890.sst"
    abandoned.write_bytes(b"not part of the store")
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + BACK_WITHIN_S
    while True:
        response = limited.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
        if response.status_code == 200:
            break
        assert response.status_code == 503, response.text  # while it is down: a clean 503
        assert time.monotonic() < deadline, "queries are not answered again"
        time.sleep(0.1)
    assert response.json()["boolean"] is True
    health = wait_until_healthy(limited)
    assert health["engine_pid"] != pid
    assert health["engine_restarts"] == restarts + 1
    assert not alive(pid)
    assert not abandoned.exists()


# --- Result size ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_rows_over_the_limit_are_a_413_never_cut(limited: TestClient, fmt: str) -> None:
    at_limit = limited.get(
        "/sparql", params={"query": f"SELECT * {{ ?s ?p ?o }} LIMIT {ROWS}", "format": fmt}
    )
    assert at_limit.status_code == 200, at_limit.text
    over = limited.get(
        "/sparql", params={"query": f"SELECT * {{ ?s ?p ?o }} LIMIT {ROWS + 1}", "format": fmt}
    )
    assert over.status_code == 413
    assert over.json() == {
        "error": "result-too-large",
        "message": f"the result has more than {ROWS} rows, the server's limit; narrow the query or add LIMIT",
    }
    everything = limited.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": fmt})
    assert everything.status_code == 413


def test_the_row_limit_holds_for_graphs_too(limited: TestClient) -> None:
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(!isBlank(?s) && !isBlank(?o)) }"
    at_limit = limited.get("/sparql", params={"query": f"{construct} LIMIT {ROWS}", "format": "nt"})
    assert at_limit.status_code == 200
    assert at_limit.text.count("\n") == ROWS
    over = limited.get("/sparql", params={"query": f"{construct} LIMIT {ROWS + 1}"})
    assert over.status_code == 413
    assert f"more than {ROWS} triples" in over.json()["message"]


def _one_long_value(length: int) -> str:
    # 10,000 x 100 digits from a small query, cut to the length wanted.
    tens = " ".join(str(i) for i in range(10))
    return (
        f"SELECT (SUBSTR(GROUP_CONCAT(?d; separator=''), 1, {length}) AS ?x) WHERE {{ "
        + " ".join(f"VALUES ?i{k} {{ {tens} }}" for k in range(4))
        + ' BIND("0123456789012345678901234567890123456789012345678901234567890123456789'
        '012345678901234567890123456789" AS ?d) }'
    )


def test_bytes_over_the_limit_are_a_413_never_cut(limited: TestClient) -> None:
    # What the engine sends is read up to the limit, then refused.
    over = limited.get("/sparql", params={"query": _one_long_value(2 * BYTES)})
    assert over.status_code == 413
    assert over.json() == {
        "error": "result-too-large",
        "message": f"the result is larger than the limit of {BYTES} bytes; narrow the query or add LIMIT",
    }
    # What we send counts too: a value whose JSON fits but whose XML does not.
    overhead = {
        fmt: len(limited.get("/sparql", params={"query": _one_long_value(10), "format": fmt}).content) - 10
        for fmt in ("json", "xml")
    }
    assert overhead["xml"] > overhead["json"] + 10
    length = BYTES - overhead["json"] - 5
    as_json = limited.get("/sparql", params={"query": _one_long_value(length), "format": "json"})
    assert as_json.status_code == 200
    assert len(as_json.content) == BYTES - 5
    as_xml = limited.get("/sparql", params={"query": _one_long_value(length), "format": "xml"})
    assert as_xml.status_code == 413
    assert (
        f"larger than the limit of {BYTES} bytes in application/sparql-results+xml"
        in as_xml.json()["message"]
    )


# --- Request size ---------------------------------------------------------------------------------


def _padded(length: int) -> str:
    """A valid query of exactly this many characters (a comment fills it up)."""
    query = "ASK {}\n#"
    return query + "x" * (length - len(query))


def test_a_body_over_the_limit_is_a_413(limited: TestClient) -> None:
    big = _padded(BODY + 1).encode()
    for response in (
        limited.post("/sparql", content=big, headers=QUERY_TYPE),
        limited.post("/sparql", data={"query": big.decode()}),
        # Without a Content-Length (chunked), the body is counted as it arrives.
        limited.post("/sparql", content=iter([big[:10_000], big[10_000:]]), headers=QUERY_TYPE),
    ):
        assert response.status_code == 413
        assert response.json() == {
            "error": "too-large",
            "message": f"the request body is over the limit of {BODY} bytes",
        }


def test_a_query_over_the_length_limit_is_a_400(limited: TestClient) -> None:
    fits = limited.post("/sparql", content=_padded(QUERY_LENGTH).encode(), headers=QUERY_TYPE)
    assert fits.status_code == 200
    assert ox.parse_query_results(fits.content, format=ox.QueryResultsFormat.JSON)
    for response in (
        limited.post("/sparql", content=_padded(QUERY_LENGTH + 1).encode(), headers=QUERY_TYPE),
        limited.get("/sparql", params={"query": _padded(QUERY_LENGTH + 1)}),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "error": "request-error",
            "message": f"the query is longer than the limit of {QUERY_LENGTH} characters",
        }
