"""Faults: the engine or the API killed (SIGKILL) in the middle of work.

- The engine killed during a bulk load (an additions-only upload through ``POST /store``):
  the upload is a 503, all or nothing of it is in the store, and the same upload then succeeds.
  The test feeds the engine the load's document in pieces over about a second, so that the
  kill lands while the engine reads it (half sent) or right after it has read it all.
- The engine killed during a burst of queries: every answer is complete and right, or a 503;
  never a cut 200.
- The API (a real ``clusterkg serve``) killed during an upload: its engine dies with it, and
  ``serve`` again is healthy within 10 s with what was written before, and all or nothing of
  the upload.

Real app, real engines, private copies of the built founding case; every wait is bounded.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import httpx
import pyoxigraph as ox
import pytest

from kg import generate
from kg.engine import pidfile
from kg.engine.client import EngineResponse
from kg.engine.runtime import Runtime
from kg.settings import Settings
from tests import served as real
from tests.conftest import TOKEN, serve

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

AUTH = {"Authorization": f"Bearer {TOKEN}"}
NQUADS = {**AUTH, "Content-Type": "application/n-quads"}
INFERRED = "https://w3id.org/clusterkg/graph/inferred"
UPLOAD_TRIPLES = 600
BOUND_S = 30.0  # a bound on waiting for an event, not an assertion of speed


def upload(tag: str, triples: int = UPLOAD_TRIPLES) -> tuple[bytes, str, int]:
    """Generated N-Quads in one new synthetic graph: the body, the graph, its number of triples."""
    graph = f"{generate.SYN_GRAPH}fault-{tag}"
    body = io.BytesIO()
    generate.write(generate.units(triples, seed=11, tag=f"{tag}-", graph=graph), body, "nquads")
    store = ox.Store()
    store.load(body.getvalue(), format=ox.RdfFormat.N_QUADS)
    return body.getvalue(), graph, len(store)


def count(get: Callable[..., httpx.Response], graph: str) -> int:
    answer = get(
        "/sparql",
        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["results"]["bindings"][0]["n"]["value"])


def wait_healthy(get: Callable[..., httpx.Response]) -> None:
    deadline = time.monotonic() + BOUND_S
    while (answer := get("/health")).status_code != 200:
        assert time.monotonic() < deadline, answer.text
        time.sleep(0.1)


# --- The engine killed during a bulk load ----------------------------------------------------------


def kill_engine_during_load(runtime: Runtime, at_fraction: float, over_s: float = 1.0) -> dict[str, int]:
    """Have the next bulk load feed the engine its document in pieces over ``over_s`` and kill
    the engine (SIGKILL) once ``at_fraction`` of it is sent; returns {"killed": pid} once done."""
    original = runtime.client.load_dataset
    killed: dict[str, int] = {}

    async def loading(body: bytes | IO[bytes], *, timeout_s: float | None) -> EngineResponse:
        data = body if isinstance(body, bytes) else body.read()
        engine = runtime.engine
        assert engine is not None and engine.pid is not None
        pid = engine.pid
        step = max(1, len(data) // 50)
        pieces = [data[i : i + step] for i in range(0, len(data), step)]

        async def feed() -> AsyncIterator[bytes]:
            sent = 0
            for piece in pieces:
                yield piece
                sent += len(piece)
                if sent >= at_fraction * len(data) and not killed:
                    killed["killed"] = pid
                    os.kill(pid, signal.SIGKILL)
                await asyncio.sleep(over_s / len(pieces))

        runtime.client.load_dataset = original  # type: ignore[method-assign]
        return await original(feed(), timeout_s=timeout_s)  # type: ignore[arg-type]

    runtime.client.load_dataset = loading  # type: ignore[method-assign]
    return killed


@pytest.mark.parametrize("at_fraction", [0.5, 1.0], ids=["half-sent", "all-sent"])
def test_an_engine_killed_during_a_bulk_load_leaves_all_or_nothing(
    client: TestClient, at_fraction: float
) -> None:
    body, graph, triples = upload(f"load{int(at_fraction * 100)}")
    inferred_before = count(client.get, INFERRED)
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    killed = kill_engine_during_load(runtime, at_fraction)

    answer = client.post("/store", content=body, headers=NQUADS)
    assert killed, "the upload did not reach the bulk load"
    assert pidfile.gone(killed["killed"])
    if at_fraction < 1.0:
        assert answer.status_code == 503, answer.text
    if answer.status_code != 204:  # the kill came before the engine's answer
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"] == "engine-unavailable"
        assert "stopped during the graph store load" in answer.json()["message"]

    wait_healthy(client.get)
    stored = count(client.get, graph)
    assert stored in (0, triples), f"{stored} of {triples} triples were loaded"
    assert (count(client.get, INFERRED) > inferred_before) == (stored == triples)
    assert (stored == triples) == (answer.status_code == 204)

    again = client.post("/store", content=body, headers=NQUADS)
    assert again.status_code == 204, again.text
    assert count(client.get, graph) == triples


# --- The engine killed during a burst of queries ---------------------------------------------------

QUERIES = {
    "dump": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "join": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d a ?e }",
}


def test_an_engine_killed_during_a_query_burst_gives_503s_never_a_cut_200(app_settings: Settings) -> None:
    uncached = app_settings.model_copy(update={"cache": False})  # every repeat must reach the engine
    with serve(uncached) as url, httpx.Client(base_url=url, timeout=BOUND_S) as http:
        accept = {"Accept": "application/sparql-results+json"}
        expected = {}
        for name, query in QUERIES.items():
            answer = http.get("/sparql", params={"query": query}, headers=accept)
            assert answer.status_code == 200
            expected[name] = answer.json()
        pid = http.get("/health").json()["engine_pid"]
        stop = threading.Event()

        def burst(name: str) -> list[tuple[int, bytes]]:
            seen = []
            with httpx.Client(base_url=url, timeout=BOUND_S) as own:
                while not stop.is_set():
                    answer = own.get("/sparql", params={"query": QUERIES[name]}, headers=accept)
                    seen.append((answer.status_code, answer.content))
            return seen

        with ThreadPoolExecutor(8) as pool:
            runs = [(name, pool.submit(burst, name)) for name in list(QUERIES) * 4]
            time.sleep(0.8)
            os.kill(pid, signal.SIGKILL)
            time.sleep(1.5)
            stop.set()
            answers = [(name, status, content) for name, run in runs for status, content in run.result()]

        statuses = [status for _, status, _ in answers]
        assert 503 in statuses, f"no request was in flight when the engine was killed: {statuses}"
        assert set(statuses) <= {200, 503}
        for name, status, content in answers:
            parsed = json.loads(content)  # a cut body would not parse
            if status == 200:
                assert parsed == expected[name]
            else:
                assert parsed["error"] == "engine-unavailable"
        wait_healthy(http.get)
        assert (
            http.get("/sparql", params={"query": QUERIES["join"]}, headers=accept).json() == expected["join"]
        )
        assert http.get("/health").json()["engine_pid"] != pid


# --- The API killed during an upload, then served again --------------------------------------------


def read_chars(pid: int) -> int:
    """How many bytes a process has read (``rchar``: its sockets included)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def test_the_api_killed_during_an_upload_then_served_again(fresh_store: Path, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    first = real.start(fresh_store, log)
    engine = 0
    try:
        earlier, earlier_graph, earlier_triples = upload("before", 80)
        assert (
            httpx.post(f"{first.url}/store", content=earlier, headers=NQUADS, timeout=BOUND_S).status_code
            == 204
        )
        body, graph, triples = upload("cut")
        engine = first.engine_pid()
        read_before = read_chars(engine)
        outcome: dict[str, object] = {}

        def send() -> None:
            try:
                outcome["answer"] = httpx.post(f"{first.url}/store", content=body, headers=NQUADS, timeout=60)
            except httpx.TransportError as exc:
                outcome["error"] = exc

        sender = threading.Thread(target=send)
        sender.start()
        # the API is well into the upload once it has sent the engine half as much as the document
        deadline = time.monotonic() + 60
        while read_chars(engine) - read_before < len(body) // 2:
            assert sender.is_alive() and time.monotonic() < deadline, "the upload ended before the kill"
            time.sleep(0.002)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(timeout=10)
        sender.join(timeout=BOUND_S)
        assert "error" in outcome, f"the upload was answered: {outcome}"
        deadline = time.monotonic() + 5
        while not pidfile.gone(engine):
            assert time.monotonic() < deadline, "the engine outlived the API"
            time.sleep(0.02)
    finally:
        real.stop(first.process)
        if pidfile.serves(engine, fresh_store):
            os.kill(engine, signal.SIGKILL)  # an orphan left by a failure: not for the next test

    with real.serving(fresh_store, log) as second:
        assert second.started_in_s < 10, f"healthy after {second.started_in_s:.1f} s"

        def get(path: str, **kwargs: object) -> httpx.Response:
            return httpx.get(f"{second.url}{path}", timeout=BOUND_S, **kwargs)  # type: ignore[arg-type]

        assert count(get, earlier_graph) == earlier_triples
        assert count(get, graph) in (0, triples)
