"""``clusterkg ingest`` and ``clusterkg template``, run as the real command in a child process.

Into a store directory (a private copy of the built founding case), and through a live server
(``tests.conftest.serve``). The child never probes a server of the developer's: every run either
names ``--server`` or points ``CLUSTERKG_PORT`` at a loopback port that is bound but not
listening (connections are refused), and no ``CLUSTERKG_*`` variable of the test's environment
reaches it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import openpyxl
import pytest
from pydantic import SecretStr

from kg.ingest import read_template
from kg.settings import Settings
from tests.conftest import TOKEN, serve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "kg" / "data" / "cases" / "example"
BROKEN = ROOT / "kg" / "data" / "cases" / "broken-example"
CLUSTER = "https://w3id.org/clusterkg/synthetic/id/cluster/example-cluster"


@pytest.fixture()
def closed_port() -> Iterator[int]:
    """A loopback port nobody listens on for the test's time (bound here, never listening)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def clusterkg(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process, with only the given CLUSTERKG_* settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLUSTERKG_")}
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        env={**clean, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def broken_lines() -> list[str]:
    text = (BROKEN / "README.md").read_text(encoding="utf-8")
    return text.split("```text\n", 1)[1].split("```", 1)[0].splitlines()


def test_the_broken_example_exits_1_with_one_line_per_problem(
    fresh_store: Path, tmp_path: Path, closed_port: int
) -> None:
    env = {"CLUSTERKG_PORT": str(closed_port)}
    result = clusterkg("ingest", str(BROKEN), "--store", str(fresh_store), cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    err = [line.strip() for line in result.stderr.splitlines()]
    assert f"error: {BROKEN}: 9 problem(s); nothing was loaded" in err
    for line in broken_lines():
        assert err.count(line) == 1, line
    again = clusterkg("ingest", str(EXAMPLE), "--store", str(fresh_store), "--dry-run", cwd=tmp_path, env=env)
    # The refused case left the store as it was: the whole example is still to insert.
    assert "would load 236 quads in 7 claim graphs (+236 -0 quads" in again.stdout


def test_the_example_loads_and_a_second_run_inserts_nothing(
    fresh_store: Path, tmp_path: Path, closed_port: int
) -> None:
    env = {"CLUSTERKG_PORT": str(closed_port)}
    first = clusterkg("ingest", str(EXAMPLE), "--store", str(fresh_store), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert f"into the store {fresh_store}" in first.stdout
    summary = first.stdout.splitlines()[-1]
    assert summary.startswith("case example: loaded 236 quads in 7 claim graphs (+236 -0 quads, +")
    assert summary.endswith("into https://w3id.org/clusterkg/synthetic/graph/case/example; dataset version 2")

    second = clusterkg("ingest", str(EXAMPLE), "--store", str(fresh_store), cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert "loaded 236 quads in 7 claim graphs (+0 -0 quads, +0 -0 inferred)" in second.stdout
    assert second.stdout.rstrip().endswith("graph/case/example")  # changed nothing: made no version


def test_template_writes_an_empty_workbook(tmp_path: Path, closed_port: int) -> None:
    out = tmp_path / "out.xlsx"
    result = clusterkg("template", str(out), cwd=tmp_path, env={"CLUSTERKG_PORT": str(closed_port)})
    assert result.returncode == 0, result.stderr
    assert f"wrote an empty case template to {out}" in result.stdout
    book = openpyxl.load_workbook(out)
    assert {"README", "lists", "case", "memberships", "ip_holders"} <= set(book.sheetnames)
    header = [c.value for c in book["memberships"][1]]
    assert header == ["key", "member", "cluster", "role", "from", "to", "quote"]
    template = read_template(out)
    assert template.row_count() == 0 and "README" not in template.sheets


def test_ingest_goes_through_a_live_server_with_the_token(fresh_store: Path, tmp_path: Path) -> None:
    settings = Settings(store=fresh_store, update_token=SecretStr(TOKEN), query_timeout_s=10)
    with serve(settings) as base:
        refused = clusterkg("ingest", str(EXAMPLE), "--server", base, cwd=tmp_path, env={})
        assert refused.returncode == 1
        assert f"a clusterkg server runs at {base}: set CLUSTERKG_UPDATE_TOKEN" in refused.stderr
        members = httpx.get(f"{base}/api/queries/cluster-participants", params={"cluster": CLUSTER})
        assert members.status_code == 422  # the cluster is not in the graph: nothing was loaded

        env = {"CLUSTERKG_UPDATE_TOKEN": TOKEN}
        result = clusterkg("ingest", str(EXAMPLE), "--server", base, cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert f"Sending {EXAMPLE} to the server at {base}" in result.stdout
        assert "case example: loaded 236 quads in 7 claim graphs (+236 -0 quads" in result.stdout
        members = httpx.get(f"{base}/api/queries/cluster-participants", params={"cluster": CLUSTER})
        assert members.status_code == 200, members.text
        assert len(members.json()["rows"]) == 3

        broken = clusterkg("ingest", str(BROKEN), "--server", base, cwd=tmp_path, env=env)
        assert broken.returncode == 1
        assert all(line in broken.stderr for line in broken_lines())
