"""The managed engine's process: its memory ceiling, its death with the API, a stale engine.

Real ``oxigraph serve`` processes over private copies of the built founding case. The memory
tests run the query that took the engine to 2.1 GB (ten nested CONCATs building a
10^9-character string, DESIGN.md) against a ceiling of 300 MiB; the cgroup v2 tests read fake
``/proc`` and cgroup trees, since this machine's memory controller is cgroup v1 (they check
the detection and set-up; the kernel's enforcement is not exercised here).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from api import create_app
from kg.engine import memory, pidfile
from kg.engine.process import ManagedEngine, oxigraph_binary
from kg.errors import StoreError
from kg.settings import Settings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

CEILING_MB = 300
BOUND_S = 30.0  # a bound on waiting for an event, not an assertion of speed


def concat_query(depth: int) -> str:
    """A SELECT whose BINDs build a string of 10^(depth+1) characters (550 bytes for depth 8)."""
    binds = ['BIND("xxxxxxxxxx" AS ?s0)']
    for k in range(1, depth + 1):
        binds.append(f"BIND(CONCAT({','.join([f'?s{k - 1}'] * 10)}) AS ?s{k})")
    return f"SELECT (STRLEN(?s{depth}) AS ?n) WHERE {{ {' '.join(binds)} }}"


HUGE = concat_query(8)  # 10^9 characters: 2.1 GB in the engine without a ceiling


def gone(pid: int) -> bool:
    return pidfile.gone(pid)


def wait_gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# --- The memory ceiling, through the app ----------------------------------------------------------


@pytest.fixture()
def ceiling_client(fresh_store: Path) -> Iterator[TestClient]:
    settings = Settings(store=fresh_store, engine_memory_mb=CEILING_MB, query_timeout_s=20)
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_query_past_the_memory_ceiling_is_a_503_and_light_queries_answer_after(
    ceiling_client: TestClient,
) -> None:
    before = ceiling_client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert before.status_code == 200
    count = before.json()["results"]["bindings"][0]["n"]["value"]
    engine = ceiling_client.app.state.runtime.engine  # type: ignore[attr-defined]
    assert engine.memory_guard in ("cgroup", "watch")
    pid = engine.pid

    started = time.monotonic()
    answer = ceiling_client.post(
        "/sparql", content=HUGE, headers={"Content-Type": "application/sparql-query"}
    )
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"] == "engine-unavailable"
    assert "memory ceiling of 300 MiB" in answer.json()["message"]
    assert time.monotonic() - started < BOUND_S
    assert gone(pid)

    after = ceiling_client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    assert after.status_code == 200
    assert after.json()["results"]["bindings"][0]["n"]["value"] == count
    assert ceiling_client.get("/health").json()["engine_restarts"] >= 1


def test_three_at_once_past_the_ceiling_all_get_503_and_the_engine_serves_on(
    ceiling_client: TestClient,
) -> None:
    def send() -> httpx.Response:
        return ceiling_client.post(
            "/sparql", content=HUGE, headers={"Content-Type": "application/sparql-query"}
        )

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: send(), range(3)))
    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert "memory ceiling" in answer.json()["message"]
    ask = ceiling_client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"})
    assert ask.status_code == 200 and ask.json()["boolean"] is True


# --- Each guard on its own ----------------------------------------------------------------------


@pytest.mark.parametrize("guard", ["watch-only", "rlimit"])
def test_each_guard_stops_the_engine_and_says_why(fresh_store: Path, guard: str) -> None:
    """The watch alone (RSS from /proc), and the address-space backstop alone (the engine's own
    allocation fails and it aborts): either way the engine stops, it is known why, and it is
    back to answer."""

    async def run() -> None:
        engine = ManagedEngine(fresh_store, timeout_s=20, memory_mb=CEILING_MB, guard=guard)
        await engine.start()
        try:
            assert engine.memory_guard == ("watch" if guard == "watch-only" else "rlimit")
            limits = Path(f"/proc/{engine.pid}/limits").read_text()
            address_space = next(line for line in limits.splitlines() if "address space" in line)
            assert ("unlimited" in address_space) == (guard == "watch-only")
            url = f"{engine.url}/query"
            async with httpx.AsyncClient(timeout=BOUND_S) as client:
                with pytest.raises(httpx.TransportError):
                    await client.post(url, content=HUGE, headers={"Content-Type": "application/sparql-query"})
                reason = await engine.lost(url, wait_s=5)
                assert reason is not None and f"memory ceiling of {CEILING_MB} MiB" in reason
                await engine.wait_ready(BOUND_S)
                assert engine.url is not None
                ask = await client.get(f"{engine.url}/query", params={"query": "ASK {}"})
                assert ask.status_code == 200
        finally:
            await engine.stop()

    asyncio.run(run())


def test_a_light_engine_is_left_alone_under_its_ceiling(fresh_store: Path) -> None:
    async def run() -> None:
        engine = ManagedEngine(fresh_store, timeout_s=20, memory_mb=CEILING_MB, guard="watch-only")
        await engine.start()
        try:
            pid = engine.pid
            async with httpx.AsyncClient(timeout=BOUND_S) as client:
                small = concat_query(5)  # 10^6 characters
                answer = await client.post(
                    f"{engine.url}/query", content=small, headers={"Content-Type": "application/sparql-query"}
                )
                assert answer.status_code == 200 and "1000000" in answer.text
            await asyncio.sleep(0.3)  # three rounds of the watch
            assert engine.pid == pid and engine.restarts == 0
        finally:
            await engine.stop()

    asyncio.run(run())


# --- Death with the API, and a stale engine -----------------------------------------------------

API_STANDIN = """
import asyncio, sys
from pathlib import Path
from kg.engine.process import ManagedEngine

async def main():
    engine = ManagedEngine(Path(sys.argv[1]), timeout_s=5)
    await engine.start()
    print(engine.pid, flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


def test_the_engine_dies_with_its_api_process(fresh_store: Path) -> None:
    engine = 0
    with subprocess.Popen(
        [sys.executable, "-c", API_STANDIN, str(fresh_store)], stdout=subprocess.PIPE, text=True
    ) as api:
        try:
            assert api.stdout is not None
            engine = int(api.stdout.readline())
            assert pidfile.serves(engine, fresh_store)
            assert pidfile.read(fresh_store) == (engine, api.pid)
            os.kill(api.pid, signal.SIGKILL)
            api.wait(timeout=10)
            assert wait_gone(engine, 5.0), "the engine outlived its API process"
        finally:
            api.kill()
            if engine and pidfile.serves(engine, fresh_store):
                os.kill(engine, signal.SIGKILL)  # an orphan left by a failure: not for the next test


def _oxigraph(store: Path) -> subprocess.Popen[bytes]:
    """An ``oxigraph serve`` over the store, as an engine left behind by a dead API would be."""
    proc = subprocess.Popen(
        [oxigraph_binary(), "serve", "--location", str(store), "--bind", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + BOUND_S
    while not (store / "LOCK").exists() or not pidfile.serves(proc.pid, store):
        assert time.monotonic() < deadline and proc.poll() is None, "oxigraph did not start"
        time.sleep(0.05)
    time.sleep(0.2)  # the store is open (and locked) by now
    return proc


def _dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_a_stale_engine_of_the_store_is_stopped_before_a_new_one_starts(fresh_store: Path) -> None:
    stale = _oxigraph(fresh_store)
    try:
        (fresh_store / pidfile.PIDFILE).write_text(f"{stale.pid} {_dead_pid()}\n")

        async def run() -> None:
            engine = ManagedEngine(fresh_store, timeout_s=5)
            await engine.start()
            try:
                assert stale.poll() is not None, "the stale engine still runs"
                assert pidfile.read(fresh_store) == (engine.pid, os.getpid())
                async with httpx.AsyncClient() as client:
                    ask = await client.get(f"{engine.url}/query", params={"query": "ASK { ?s ?p ?o }"})
                    assert ask.status_code == 200 and ask.json()["boolean"] is True
            finally:
                await engine.stop()
            assert not (fresh_store / pidfile.PIDFILE).exists()

        asyncio.run(run())
    finally:
        stale.kill()
        stale.wait(timeout=10)


def test_a_pid_file_naming_another_program_stops_nothing(fresh_store: Path) -> None:
    other = subprocess.Popen(["sleep", "30"])
    try:
        (fresh_store / pidfile.PIDFILE).write_text(f"{other.pid} {_dead_pid()}\n")
        assert pidfile.stop_stale(fresh_store) is None
        assert other.poll() is None, "a process that is not our engine was stopped"
        assert not (fresh_store / pidfile.PIDFILE).exists()
    finally:
        other.kill()
        other.wait(timeout=10)


def test_an_engine_of_another_running_api_is_refused_not_stopped(fresh_store: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", API_STANDIN, str(fresh_store)], stdout=subprocess.PIPE, text=True
    ) as api:
        try:
            assert api.stdout is not None
            engine = int(api.stdout.readline())
            with pytest.raises(StoreError, match="served by another running clusterkg process"):
                pidfile.stop_stale(fresh_store)
            assert not gone(engine)
        finally:
            api.kill()
    assert wait_gone(engine, 5.0)


# --- Detecting a cgroup v2 that we may divide (fake trees) ----------------------------------------


def fake_machine(
    tmp_path: Path, *, group: str, controllers: str, subtree: str, total_kb: int = 8_000_000
) -> Path:
    """A fake /proc whose process sits in cgroup v2 group ``group`` of a fake hierarchy."""
    proc, root = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "meminfo").write_text(f"MemTotal:       {total_kb} kB\nMemFree: 1 kB\n")
    (proc / "self" / "cgroup").write_text(f"0::{group}\n")
    (proc / "self" / "mountinfo").write_text(
        f"41 23 0:38 / {root} rw,relatime - cgroup2 cgroup2 rw\n"
        "42 23 0:39 / /proc rw,relatime - proc proc rw\n"
    )
    own = root / group.lstrip("/")
    own.mkdir(parents=True, exist_ok=True)
    (own / "cgroup.controllers").write_text(controllers + "\n")
    (own / "cgroup.subtree_control").write_text(subtree + "\n")
    return proc


def test_a_delegated_cgroup_gets_a_child_with_the_ceiling(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, group="/service", controllers="cpu memory pids", subtree="")
    group = memory.cgroup_v2_child("clusterkg-engine-7", 300 * memory.MIB, proc)
    own = tmp_path / "cgroup" / "service"
    assert group is not None and group.path == own / "clusterkg-engine-7"
    assert (own / "cgroup.subtree_control").read_text() == "+memory"
    assert (group.path / "memory.max").read_text() == str(300 * memory.MIB)
    assert (group.path / "memory.swap.max").read_text() == "0"
    (group.path / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert group.oom_kills() == 1


@pytest.mark.parametrize(
    ("group", "controllers", "subtree"),
    [
        ("/service", "cpu pids", ""),  # the memory controller is not offered (cgroup v1 holds it)
        ("/", "cpu memory pids", ""),  # the machine's top group: never changed by us
    ],
)
def test_no_cgroup_where_the_memory_controller_cannot_be_had(
    tmp_path: Path, group: str, controllers: str, subtree: str
) -> None:
    proc = fake_machine(tmp_path, group=group, controllers=controllers, subtree=subtree)
    assert memory.cgroup_v2_child("clusterkg-engine-7", 300 * memory.MIB, proc) is None
    own = tmp_path / "cgroup" / group.lstrip("/")
    assert (own / "cgroup.subtree_control").read_text() == subtree + "\n"
    assert not (own / "clusterkg-engine-7").exists()


@pytest.mark.parametrize("parent_passes_memory", [True, False])
def test_where_our_group_cannot_pass_memory_on_the_engine_goes_beside_it(
    tmp_path: Path, parent_passes_memory: bool
) -> None:
    """The kernel refuses to enable a controller below a group that holds processes: then the
    engine's group is made beside ours, under the parent that gives us ``memory``."""
    proc = fake_machine(tmp_path, group="/slice/service", controllers="memory", subtree="")
    own, parent = tmp_path / "cgroup" / "slice" / "service", tmp_path / "cgroup" / "slice"
    (own / "cgroup.subtree_control").unlink()
    (own / "cgroup.subtree_control").mkdir()  # writing it fails, as the kernel's EBUSY would
    (parent / "cgroup.subtree_control").write_text("memory pids\n" if parent_passes_memory else "pids\n")
    group = memory.cgroup_v2_child("clusterkg-engine-7", 300 * memory.MIB, proc)
    if parent_passes_memory:
        assert group is not None and group.path == parent / "clusterkg-engine-7"
        assert (group.path / "memory.max").read_text() == str(300 * memory.MIB)
    else:
        assert group is None
        assert not (parent / "clusterkg-engine-7").exists()


def test_groups_of_dead_api_processes_are_removed(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, group="/service", controllers="memory", subtree="memory")
    own = tmp_path / "cgroup" / "service"
    (own / "clusterkg-engine-999999").mkdir()  # no such process in the fake /proc
    (proc / "4242").mkdir()
    (own / "clusterkg-engine-4242").mkdir()  # a live one
    assert memory.cgroup_v2_child("clusterkg-engine-7", 300 * memory.MIB, proc) is not None
    assert not (own / "clusterkg-engine-999999").exists()
    assert (own / "clusterkg-engine-4242").exists()


def test_the_default_ceiling_is_a_quarter_of_the_memory_we_may_use(tmp_path: Path) -> None:
    proc = fake_machine(tmp_path, group="/service", controllers="memory", subtree="memory")
    assert memory.machine_memory_mb(proc) == 8_000_000 // 1024
    assert memory.default_ceiling_mb(proc) == 8_000_000 // 1024 // 4
    (tmp_path / "cgroup" / "service" / "memory.max").write_text(str(1024 * memory.MIB))
    assert memory.machine_memory_mb(proc) == 1024  # the group's limit is lower than the machine
    assert memory.default_ceiling_mb(proc) == 512  # a quarter, but never under 512 MiB


def test_on_a_machine_with_cgroup_v2_memory_the_engine_group_is_real(fresh_store: Path) -> None:
    """Where this machine lets us make a cgroup v2 group with the memory controller, the kernel
    takes the ceiling and the engine runs in the group (skipped elsewhere: here, cgroup v1)."""
    group = memory.cgroup_v2_child(f"clusterkg-engine-{os.getpid()}", 300 * memory.MIB)
    if group is None:
        pytest.skip("no cgroup v2 memory controller that this process may use here")
    group.remove()

    async def run() -> None:
        engine = ManagedEngine(fresh_store, timeout_s=5, memory_mb=CEILING_MB)
        await engine.start()
        try:
            assert engine.memory_guard == "cgroup"
            membership = Path(f"/proc/{engine.pid}/cgroup").read_text()
            assert f"clusterkg-engine-{os.getpid()}" in membership
        finally:
            await engine.stop()

    asyncio.run(run())
