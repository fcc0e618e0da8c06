"""Sustained load: clients that keep asking short queries get every answer, and the engine
keeps its shape (no restart; with the managed Oxigraph, no threads piling up).

With its own ``--timeout-s``, Oxigraph 0.5 keeps a sleeping thread per query for the whole
limit: 15 s of point lookups left 8,700 threads and 19 GB of address space, then failed queries
and a restart (``kg.engine.process.ManagedEngine``). The managed engine now runs without it by
default. ``CLUSTERKG_SOAK_S`` sets how long the clients ask (4 s here; ``make soak``: 60 s).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from conftest import serve

from kg.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

import loopclient

pytestmark = pytest.mark.engines

SOAK_S = float(os.environ.get("CLUSTERKG_SOAK_S", "4"))
CLIENTS = 8
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/clusterkg/id/cluster/biomed> ?p ?o }"


def engine_threads(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def ask_for(base: str, seconds: float) -> tuple[int, dict[str, int]]:
    """``CLIENTS`` threads, each on its own kept-alive connection, asking the lookup again and
    again for ``seconds``; how many 200s, and every other outcome counted by status or error."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    path = "/sparql?" + urllib.parse.urlencode({"query": LOOKUP})
    ok = [0] * CLIENTS
    other: dict[str, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        connection = loopclient.Connection(host, int(port), timeout_s=30)
        message = connection.prepare("GET", path, {"Accept": "application/sparql-results+json"})
        try:
            while time.monotonic() < stop:
                try:
                    answer = connection.exchange(message)
                    complete = answer.status == 200 and b'"bindings"' in answer.body
                    outcome = "200" if complete else str(answer.status)
                except (OSError, loopclient.MalformedAnswer) as exc:
                    outcome = type(exc).__name__
                if outcome == "200":
                    ok[i] += 1
                else:
                    with lock:
                        other[outcome] = other.get(outcome, 0) + 1
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return sum(ok), other


def test_sustained_point_lookups_are_all_answered(app_settings: Settings, engine: str) -> None:
    settings = app_settings.model_copy(update={"cache": False})  # every lookup reaches the engine
    with serve(settings) as base:
        health, target = loopclient.Connection.to(base + "/health")
        try:
            first = health.request("GET", target)
            assert first.status == 200
            pid = first.json()["engine_pid"]
            before = engine_threads(pid) if engine == "oxigraph" else 0

            answered, other = ask_for(base, SOAK_S)

            assert other == {}, f"{answered} answered, and besides: {other}"
            assert answered > CLIENTS * 10, answered
            after = health.request("GET", target).json()
        finally:
            health.close()
        assert after["engine_pid"] == pid and after["engine_restarts"] == 0, after
        if engine == "oxigraph":
            assert engine_threads(pid) < before + 64, (before, engine_threads(pid))
