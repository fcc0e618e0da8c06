"""Deep and long SPARQL constructs, and a bare Oxigraph server to find the depth where each crashes it.

Shared by ``tests/test_nesting.py`` (a bounded probe per construct) and
``bench/bench_nesting.py`` (a full bisection of the crash depth of each).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from kg.engine.process import free_port, oxigraph_binary
from kg.errors import QueryError
from kg.sparql_text import inspect

CLOSED = "<http://127.0.0.1:9/sparql>"  # a loopback port nothing listens on: SERVICE fails at once


@dataclass(frozen=True)
class Construct:
    """A construct repeated ``n`` times: nested (``measure="depth"``), chained (``"chain"``) or both.

    ``crash`` is a depth at which it aborts Oxigraph 0.5.13 every time (it dies while parsing),
    about 1.3 times the measured crash depth; None where none was found in 100 KB, or where the
    crash comes in evaluation, over data, and at random (the ``*-over-data`` constructs: a depth
    crashes one run in three and not the next). ``engine`` is False for constructs whose cost
    on the engine is CPU, not stack (a probe would take seconds): only our refusal is tested.
    ``slow`` ones are probed by the benchmark only (a probe takes over five seconds).
    """

    name: str
    make: Callable[[int], str]
    measure: Literal["depth", "chain", "both"]
    crash: int | None
    update: bool = False
    engine: bool = True
    slow: bool = False


def _repeat(head: str, opener: str, inner: str, closer: str, tail: str) -> Callable[[int], str]:
    return lambda n: head + opener * n + inner + closer * n + tail


CONSTRUCTS = [
    # Nesting (the reproductions of the issue first).
    Construct("filter-exists", _repeat("ASK { ", "FILTER EXISTS { ", "", "}", " }"), "depth", 1100),
    Construct("parentheses", _repeat("SELECT * { FILTER(", "(", "1", ")", ") }"), "depth", 6000),
    Construct("braces", _repeat("SELECT * ", "{", "", "}", ""), "depth", 2800),
    Construct("bangs", _repeat("SELECT * { FILTER(", "!", "true", "", ") }"), "depth", 12000),
    Construct("optional", _repeat("SELECT * { ", "OPTIONAL { ", "", "}", " }"), "depth", 3800),
    Construct("path-parentheses", _repeat("SELECT * { ?s ", "(", "<p>", ")", " ?o }"), "depth", None),
    Construct("not-exists-call", _repeat("ASK { ", "FILTER(NOT EXISTS { ", "", "})", " }"), "depth", 900),
    Construct(
        "function-calls", _repeat("SELECT * { BIND(", "IF(true, 1, ", "1", ")", " AS ?x) }"), "depth", 1200
    ),
    Construct("bang-parentheses", _repeat("SELECT * { FILTER(", "!(", "true", ")", ") }"), "depth", 5000),
    Construct("union", _repeat("SELECT * ", "{ {} UNION ", "{}", " }", ""), "depth", 2800),
    Construct("minus", _repeat("SELECT * { ", "MINUS { ", "", "}", " }"), "depth", 3400),
    Construct("graph", _repeat("SELECT * { ", "GRAPH ?g { ", "", "}", " }"), "depth", 3800),
    Construct(
        "service", _repeat("SELECT * { ", f"SERVICE SILENT {CLOSED} {{ ", "", "}", " }"), "depth", 3800
    ),
    Construct("subquery", _repeat("SELECT * ", "{ SELECT * WHERE ", "{}", " }", ""), "depth", 3400),
    Construct(
        "template-brackets",
        _repeat("CONSTRUCT { ?s <p> ", "[ <p> ", "<o>", " ]", " } WHERE {}"),
        "depth",
        4700,
    ),
    Construct(
        "update-optional",
        _repeat("DELETE { ?s ?p ?o } WHERE { ", "OPTIONAL { ", "", "}", " }"),
        "depth",
        3800,
        update=True,
    ),
    Construct(
        "pattern-brackets",
        _repeat("SELECT * { ?s <p> ", "[ <p> ", "<o>", " ]", " }"),
        "depth",
        None,
        engine=False,
    ),
    Construct(
        "path-sequences", _repeat("SELECT * { ?s ", "(<p>/", "<p>", ")", " ?o }"), "depth", None, engine=False
    ),
    # Both at once: deep nesting with a long chain at its bottom (the stack costs add up).
    Construct(
        "exists-with-binds",
        lambda n: _deep_and_long(n, "FILTER EXISTS { ", "BIND(1 AS ?b{i})"),
        "both",
        None,
    ),
    Construct("optional-with-minus", lambda n: _deep_and_long(n, "OPTIONAL { ", "MINUS {{}}"), "both", None),
    Construct(
        "calls-with-plus",
        lambda n: "SELECT * { BIND(" + "IF(true, 1, " * n + "+".join(["1"] * 4 * n) + ")" * n + " AS ?x) }",
        "both",
        None,
    ),
    # Over data (the founding case): every solution runs through the whole tree; the shallowest
    # crashes measured, at random (see kg/sparql_text/nesting.py).
    Construct(
        "exists-over-data", _repeat("SELECT * { ", "?s ?p ?o FILTER EXISTS { ", "", "}", " }"), "depth", None
    ),
    Construct(
        "calls-over-data",
        _repeat("SELECT * { ?s ?p ?o BIND(", "IF(BOUND(?o), ?o, ", "1", ")", " AS ?x) }"),
        "depth",
        None,
    ),
    Construct(
        "subquery-over-data",
        _repeat("SELECT * ", "{ SELECT * WHERE { ?s ?p ?o ", "", "} }", ""),
        "depth",
        None,
    ),
    Construct(
        "bind-chain-over-data",
        lambda n: "SELECT * { ?s ?p ?o " + "".join(f"BIND(1 AS ?b{i})" for i in range(n)) + "}",
        "chain",
        None,
    ),
    Construct(
        "union-chain-over-data",
        lambda n: "SELECT * {" + " UNION ".join(["{ ?s ?p ?o }"] * n) + "}",
        "chain",
        None,
        slow=True,
    ),
    Construct(
        "plus-over-data",
        lambda n: "SELECT * { ?s ?p ?o FILTER(" + "+".join(["STRLEN(STR(?o))"] * n) + " > 0) }",
        "chain",
        None,
    ),
    # Chains: flat in the text, a left-deep tree in the engine.
    Construct("plus", lambda n: "SELECT * { FILTER(" + "+".join(["1"] * n) + " > 0) }", "chain", 7500),
    Construct("or", lambda n: "SELECT * { FILTER(" + "||".join(["false"] * n) + ") }", "chain", 12000),
    Construct("union-chain", lambda n: "SELECT * {" + " UNION ".join(["{}"] * n) + "}", "chain", 7500),
    Construct("minus-chain", lambda n: "SELECT * {" + "MINUS{}" * n + "}", "chain", 3400),
    Construct(
        "bind-chain",
        lambda n: "SELECT * {" + "".join(f"BIND(1 AS ?b{i})" for i in range(n)) + "}",
        "chain",
        3400,
    ),
    Construct("filter-chain", lambda n: "SELECT * {" + "FILTER(true)" * n + "}", "chain", 10000),
    Construct(
        "path-alternatives", lambda n: "SELECT * { ?s " + "|".join(["<p>"] * n) + " ?o }", "chain", 14000
    ),
    Construct(
        "triple-patterns",
        lambda n: "SELECT * {" + "".join(f"?v{i} <p> ?v{i + 1} ." for i in range(n)) + "}",
        "chain",
        None,
        engine=False,
    ),
    Construct(
        "values-chain", lambda n: "SELECT * {" + "VALUES ?x {1}" * n + "}", "chain", None, engine=False
    ),
    Construct("collection", lambda n: "SELECT * { ?s <p> (" + " 1" * n + ") }", "chain", None, engine=False),
]


def _deep_and_long(n: int, opener: str, element: str) -> str:
    """``n`` nested ``opener`` groups holding ``4 n`` chained ``element`` (formatted with ``i``)."""
    chain = "".join(element.format(i=i) for i in range(4 * n))
    return "ASK { " + opener * n + chain + "}" * n + " }"


def deepest_allowed(construct: Construct, limit: int) -> int:
    """The largest repeat count of the construct that our reading lets through with this limit."""
    ok, refused = 0, 1
    while _allowed(construct.make(refused), limit):
        ok, refused = refused, refused * 2
    while refused - ok > 1:
        mid = (ok + refused) // 2
        ok, refused = (mid, refused) if _allowed(construct.make(mid), limit) else (ok, mid)
    return ok


def _allowed(text: str, limit: int) -> bool:
    try:
        inspect(text, nesting_limit=limit)
    except QueryError as exc:
        if " deep at " not in str(exc) and " chains " not in str(exc):
            raise  # refused for something else: the construct is malformed
        return False
    return True


Outcome = Literal["answered", "crashed", "refused", "slow"]


ANSWER_BYTES = 8 * 1024 * 1024
"""How much of an answer a probe reads: enough to see the engine answer, not a whole cross product."""


class BareEngine:
    """``oxigraph serve`` on loopback over a copy of a store (or an empty one), started as the managed
    engine is.

    :meth:`run` sends one request and says whether the engine answered, refused the text (a 4xx,
    e.g. a syntax error), took too long or died; after a death it starts a new engine.
    """

    def __init__(self, store: Path | None = None, *, read_timeout_s: float = 20.0) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="clusterkg-nesting-"))
        if store is not None:  # a private copy: the engine locks its store
            shutil.rmtree(self.folder)
            shutil.copytree(store, self.folder)
        self.read_timeout_s = read_timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.crashes: list[int] = []  # exit codes

    def __enter__(self) -> BareEngine:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def start(self) -> None:
        """Start the engine and wait until it answers."""
        self.port = free_port()
        args = ["serve", "--location", str(self.folder), "--bind", f"127.0.0.1:{self.port}"]
        args += ["--union-default-graph", "--timeout-s", "10"]
        self.process = subprocess.Popen(
            [oxigraph_binary(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/query", params={"query": "ASK {}"}, timeout=1)
                return
            except httpx.HTTPError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError("the bare Oxigraph server did not start")

    def stop(self) -> None:
        """Stop the engine."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def run(self, text: str, *, update: bool = False) -> Outcome:
        """Send one query or update; restart the engine if it died (or hangs)."""
        assert self.process is not None
        path, media = (
            ("update", "application/sparql-update") if update else ("query", "application/sparql-query")
        )
        headers = {"content-type": media, "accept": "application/sparql-results+json, application/n-triples"}
        status: int | None = None
        try:
            # Read the answer within a time and size budget: a deep query over data may stream a
            # huge result, and only whether the engine answers (and stays up) matters here.
            with httpx.stream(
                "POST",
                f"http://127.0.0.1:{self.port}/{path}",
                content=text.encode(),
                headers=headers,
                timeout=httpx.Timeout(5, read=self.read_timeout_s),
            ) as answer:
                deadline = time.monotonic() + self.read_timeout_s
                received = 0
                for chunk in answer.iter_raw():
                    received += len(chunk)
                    if received > ANSWER_BYTES or time.monotonic() > deadline:
                        break
                status = answer.status_code
        except httpx.HTTPError:
            status = None
        if status is not None and self.process.poll() is None:  # answered, and still up
            return "answered" if status < 400 else "refused"
        try:
            died = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:  # alive, still busy: stop it
            self.stop()
            self.start()
            return "slow"
        self.crashes.append(died)
        self.start()
        return "crashed"


def probe(engine: BareEngine, construct: Construct, n: int, runs: int = 1) -> Outcome:
    """Run the construct at count ``n`` up to ``runs`` times: "crashed" if any run crashed."""
    outcome: Outcome = "answered"
    for _ in range(runs):
        outcome = engine.run(construct.make(n), update=construct.update)
        if outcome != "answered":
            break
    return outcome


def crash_depth(
    engine: BareEngine, construct: Construct, low: int, high: int, probes: int, runs: int = 1
) -> tuple[int, int]:
    """Bisect the crash depth between a count that answers and one that crashes, in ``probes`` steps.

    Each count is run ``runs`` times (the crashes over data come at random). Returns the deepest
    count seen to answer and the shallowest seen to crash.
    """
    for _ in range(probes):
        if high - low <= 1:
            break
        mid = (low + high) // 2
        outcome = probe(engine, construct, mid, runs)
        if outcome == "crashed":
            high = mid
        elif outcome == "answered":
            low = mid
        else:
            raise AssertionError(f"{construct.name} at {mid}: the engine {outcome}")
    return low, high
