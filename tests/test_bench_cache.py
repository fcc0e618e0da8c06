"""The bounded, untimed version of ``bench/bench_cache.py``: its parts against the real app
under uvicorn and a bare ``oxigraph serve`` on a copy of the same store, checking what they
check (equal answers, cache hits, 304s that never reach the engine), with a few requests each.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import serve

from kg.settings import Settings

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import bench_cache  # noqa: E402
import bench_serving  # noqa: E402


@pytest.fixture()
def bare(built_store: Path, tmp_path: Path) -> Iterator[str]:
    """A bare ``oxigraph serve`` on a copy of the built store: its query URL."""
    server = bench_serving.start_bare_copy(
        "bare", built_store, tmp_path / "bare-store", tmp_path / "bare.log", timeout_s=60
    )
    try:
        yield server.query_url
    finally:
        server.stop()


def test_the_cache_bench_parts_hold_on_a_small_store(fresh_store: Path, bare: str) -> None:
    query = bench_cache.HEAVY[2]
    with serve(Settings(store=fresh_store, query_timeout_s=30)) as root:
        ours, plain = bench_cache.Target.of(root + "/sparql", 60), bench_cache.Target.of(bare, 60)
        warm = bench_cache.warm(ours, plain, query, 3)  # raises unless hits equal bare's
        assert warm.count == 3 and warm.ours_ms > 0 and warm.bare_ms > 0
        iris = bench_cache.subjects(plain, 4)
        assert len(iris) == 4
        cold = bench_cache.cold(ours, plain, iris)  # raises on a differing answer
        assert cold.count == 4
        _, not_asked, sent = bench_cache.conditional(ours, query, 3)
        assert (not_asked, sent) == (3, 0)
        assert bench_cache.floor(ours, 3) > 0  # raises unless /context.jsonld answers 200
        assert ours.conn.opened == 1 and plain.conn.opened == 1  # every request on one kept connection
        ours.conn.close()
        plain.conn.close()
