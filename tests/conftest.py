"""Shared fixtures: the founding case loaded into an in-memory Oxigraph store, with inferences."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest

from kg.engine.local_store import load_dataset, load_graph
from kg.namespaces import ONTOLOGY_GRAPH
from kg.sources import SourceSet, founding_case_files, load_sources

if TYPE_CHECKING:
    from engines import Virtuoso
    from fastapi.testclient import TestClient

    from kg.settings import Settings

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"


def make_store(sources: SourceSet, *, materialise: bool = True) -> ox.Store:
    """An in-memory store holding the ontology and the dataset, with OWL 2 RL inferences."""
    from kg.reasoning import rl

    store = ox.Store()
    load_graph(store, sources.ontology, str(ONTOLOGY_GRAPH))
    load_dataset(store, sources.dataset)
    if materialise:
        rl.materialise(store)
    return store


@pytest.fixture(scope="session")
def biomed_sources() -> SourceSet:
    """The founding case's sources (ontology + kg/data/biomed)."""
    return load_sources(founding_case_files())


@pytest.fixture(scope="session")
def biomed_store(biomed_sources: SourceSet) -> ox.Store:
    """The founding case in an in-memory Oxigraph store, inferences materialised."""
    return make_store(biomed_sources)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The founding case built once by the real pipeline (HermiT skipped: tested on its own)."""
    from kg.build import build
    from kg.settings import Settings

    path = tmp_path_factory.mktemp("built") / "store"
    build(Settings(store=path, skip_dl=True))
    return path


@pytest.fixture()
def fresh_store(built_store: Path, tmp_path: Path) -> Path:
    """A private copy of the built store, for tests that write or break it."""
    import shutil

    copy = tmp_path / "store"
    shutil.copytree(built_store, copy)
    return copy


TOKEN = "test-token-0123456789"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "engines: run the module's tests against every engine of tests/engines.py (the managed "
        "Oxigraph, and Virtuoso through the remote mode), by the `engine` fixture",
    )
    config.addinivalue_line(
        "markers",
        "managed_only(reason): a guarantee only the managed engine gives (kill and restart, memory "
        "ceiling, the store directory); not run against remote engines",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests of a module marked ``engines`` run once per engine (``engine`` fixture), unless
    marked ``managed_only``."""
    from engines import ENGINES

    if "engine" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("engines") is None:
        return
    if metafunc.definition.get_closest_marker("managed_only") is not None:
        return
    metafunc.parametrize("engine", ENGINES, indirect=True, scope="module")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The known differences of Virtuoso (tests/engines.py, by the test's full name with its
    parameters) run as strict xfails, with their reason: a fix shows as a failure (XPASS)."""
    from engines import VIRTUOSO_DIFFERENCES

    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("engine") != "virtuoso":
            continue
        reason = VIRTUOSO_DIFFERENCES.get(item.name)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


@pytest.fixture(scope="module")
def engine(request: pytest.FixtureRequest) -> str:
    """The engine behind ``app_settings``: ``oxigraph`` (managed) unless parametrised."""
    return str(getattr(request, "param", "oxigraph"))


@pytest.fixture(scope="session")
def virtuoso(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """Virtuoso over the built store's dump (tests/engines.py); skipped when not installed
    (failed in CI)."""
    import atexit

    from engines import (
        dump_store,
        record_daemon,
        require_virtuoso,
        start_virtuoso,
        stop_stale_daemons,
        stop_virtuoso,
    )

    require_virtuoso()
    base = tmp_path_factory.getbasetemp().parent  # pytest-of-<user>: shared by the sessions
    stop_stale_daemons(base)  # left by an aborted session (killed: neither teardown nor atexit ran)
    folder = tmp_path_factory.mktemp("virtuoso")
    dump = dump_store(built_store, folder / "clusterkg.nq.gz")
    record_daemon(base, folder / "server")
    running = start_virtuoso(folder / "server", dump)
    atexit.register(stop_virtuoso, running)  # an interrupted session that skips the teardown
    try:
        yield running
    finally:
        stop_virtuoso(running)
        atexit.unregister(stop_virtuoso)


@pytest.fixture()
def app_settings(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for an app over a private store copy, with writes on (token ``TOKEN``); with
    the ``virtuoso`` engine, over Virtuoso put back to the built store's dump."""
    from kg.settings import Settings

    if engine == "virtuoso":
        return virtuoso_settings(request.getfixturevalue("virtuoso"), tmp_path / "no-store")
    fresh: Path = request.getfixturevalue("fresh_store")
    return Settings(store=fresh, update_token=TOKEN, query_timeout_s=10)


def virtuoso_settings(server: Virtuoso, store: Path, *, load: bool = True, **overrides: object) -> Settings:
    """Settings for an app in front of the test Virtuoso, put back to the dump first (emptied,
    without ``load``)."""
    from engines import PASSWORD

    from kg.settings import Settings

    server.reset(load=load)
    given: dict[str, object] = {
        "store": store,
        "engine_url": server.url,
        "engine_kind": "virtuoso",
        "engine_user": "dba",
        "engine_password": PASSWORD,
        "update_token": TOKEN,
        "query_timeout_s": 10,
    }
    return Settings.model_validate({**given, **overrides})


def module_settings(
    engine: str, request: pytest.FixtureRequest, built_store: Path, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    """Settings for a module-scoped app: over a private copy of the built store (managed), or
    over the test Virtuoso put back to the dump."""
    import shutil

    from kg.settings import Settings

    folder = tmp_path_factory.mktemp("module")
    if engine == "virtuoso":
        return virtuoso_settings(request.getfixturevalue("virtuoso"), folder / "no-store")
    store = folder / "store"
    shutil.copytree(built_store, store)
    return Settings(store=store, update_token=TOKEN, query_timeout_s=10)


@pytest.fixture()
def client(app_settings: Settings) -> Iterator[TestClient]:
    """A TestClient over the real app and a real managed Oxigraph engine (lifespan runs)."""
    from fastapi.testclient import TestClient

    from api import create_app

    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Run the app with uvicorn in a thread on a free loopback port; yield its base URL (no final slash)."""
    from api import create_app

    with serve_asgi(create_app(settings), lifespan="on") as url:
        yield url


@contextmanager
def serve_asgi(app: Any, **config: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn (``config``: more of ``uvicorn.Config``'s options) in a thread
    on a free loopback port; yield its base URL (no final slash)."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", **config))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                pytest.fail("the app did not start under uvicorn")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
