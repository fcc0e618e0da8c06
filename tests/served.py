"""A real ``clusterkg serve`` process on a free loopback port, for tests that kill it or need
what only the command sets up (uvicorn's connection limits and header guard)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import TOKEN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``clusterkg serve``: its process, base URL and log file."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path
    started_in_s: float

    def engine_pid(self) -> int:
        pid = httpx.get(f"{self.url}/health", timeout=10).json()["engine_pid"]
        assert isinstance(pid, int)
        return pid


def start(store: Path, log: Path, *, within_s: float = 60.0, **settings: object) -> Served:
    """Start ``clusterkg serve`` over a store (writes on, with ``TOKEN``); return once /health
    answers 200, within ``within_s``. ``settings`` become ``CLUSTERKG_*`` variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERKG_")}
    env["CLUSTERKG_UPDATE_TOKEN"] = TOKEN
    env.update({f"CLUSTERKG_{name.upper()}": str(value) for name, value in settings.items()})
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    began = time.monotonic()
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "kg.cli", "serve", "--store", str(store), "--port", str(port)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return Served(process, url, log, time.monotonic() - began)
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() - began > within_s:
            stop(process)
            raise AssertionError(f"clusterkg serve did not come up: {log.read_text()[-3000:]}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server (SIGTERM, then SIGKILL) and reap it."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(timeout=20)


@contextmanager
def serving(store: Path, log: Path, **settings: object) -> Iterator[Served]:
    """:func:`start`, then :func:`stop` on the way out."""
    served = start(store, log, **settings)
    try:
        yield served
    finally:
        stop(served.process)
