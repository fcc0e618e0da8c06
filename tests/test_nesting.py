"""Deep nesting and long chains: where each construct crashes the engine we ship, our margin
below that, and the refusals through the real app.

The engine tests start a bare ``oxigraph serve`` (the binary the managed engine runs, with its
flags) on loopback. For each construct of :data:`tests.nesting_cases.CONSTRUCTS` they take the
deepest text our reading lets through and check that four times as deep still answers over a
copy of the founding case (over data the engine recurses through the whole tree for every
solution, and dies far shallower than on an empty store, and at random); then, on an empty
store, that the engine dies (SIGABRT) at the depth where it always dies while parsing, and
narrow that depth down with a few more probes (the full bisection, with repeated runs for the
random crashes over data, is ``bench/bench_nesting.py``). The corpus test sends the issue's reproductions and
variants (``tests/data/nesting/corpus.yaml``) through the real app with its managed engine and
checks that the engine's process is the same afterwards: the refused texts never reached it.
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from kg.errors import QueryError
from kg.settings import Settings
from kg.sparql_text import inspect
from kg.sparql_text.nesting import CHAIN_FACTOR, NESTING_LIMIT, chain_limit
from tests.conftest import TOKEN
from tests.nesting_cases import CONSTRUCTS, BareEngine, Construct, crash_depth, deepest_allowed

MARGIN = 4  # the engine must survive this many times the deepest text we let through
BISECT_PROBES = 1  # halves the range each crash depth is known in (the benchmark bisects it fully)
CORPUS = yaml.safe_load(
    (Path(__file__).parent / "data" / "nesting" / "corpus.yaml").read_text(encoding="utf-8")
)
ON_ENGINE = [c for c in CONSTRUCTS if c.engine and not c.slow]


def _name(construct: Construct) -> str:
    return construct.name


# --- our reading ------------------------------------------------------------------------------


def test_the_setting_defaults_to_the_limit_and_is_bounded() -> None:
    assert Settings().query_nesting_limit == NESTING_LIMIT
    assert chain_limit(NESTING_LIMIT) == NESTING_LIMIT * CHAIN_FACTOR
    for unsafe in (0, 201, 10_000):
        with pytest.raises(ValidationError):
            Settings(query_nesting_limit=unsafe)


@pytest.mark.parametrize("construct", CONSTRUCTS, ids=_name)
def test_refused_one_step_past_the_deepest_allowed(construct: Construct) -> None:
    deepest = deepest_allowed(construct, NESTING_LIMIT)
    # Ordinary text passes: every construct is allowed to at least half the limit.
    floor = chain_limit(NESTING_LIMIT) // 2 if construct.measure == "chain" else NESTING_LIMIT // 2 - 1
    assert deepest >= floor
    word = {"depth": " deep at ", "chain": " chains ", "both": " deep at | chains "}[construct.measure]
    with pytest.raises(QueryError, match=word):
        inspect(construct.make(deepest + 1))


@pytest.mark.parametrize(
    ("text", "depth", "chain"),
    [
        ("SELECT * { ?s ?p ?o }", 1, 0),
        ("SELECT * { ?s ?p '(((' . ?s ?p \"{{{\" . ?s ?p '''[[[''' } # ((((", 1, 2),
        ("SELECT * { ?s ?p <http://e/(((> }", 1, 0),
        ("ASK { FILTER(!!!BOUND(?x)) }", 6, 1),  # the '!' run nests BOUND's parentheses
        ("SELECT * { FILTER(?a = 1 || ?a = 2) }", 2, 4),  # FILTER in the group, 3 operators in it
        ("SELECT * { VALUES ?x { 1 2 3 4 5 6 7 8 } }", 2, 1),
        ("SELECT * { {} UNION {} UNION {} }", 2, 3),
        ("SELECT * { ?s <p>/<q>|<r>* ?o }", 1, 3),
        ("INSERT DATA { <a> <b> <c> . <a> <b> <d> . GRAPH <g> { <a> <b> <c> } }", 2, 0),
        ("CONSTRUCT { ?s ?p ?o . ?o ?p ?s } WHERE { ?s ?p ?o }", 1, 0),
    ],
)
def test_depth_and_chain_measures(text: str, depth: int, chain: int) -> None:
    found = inspect(text)
    assert (found.depth, found.chain) == (depth, chain)


def test_a_lower_limit_is_honoured() -> None:
    text = "SELECT * " + "{" * 9 + "}" * 9
    assert inspect(text, nesting_limit=9).depth == 9
    with pytest.raises(
        QueryError, match=r"^the query nests braces 9 deep at line 1, column 18; the limit is 8$"
    ):
        inspect(text, nesting_limit=8)


# --- the engine we ship -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine_over_data(built_store: Path) -> Iterator[BareEngine]:
    """The shipped engine over a copy of the founding case: the data the app serves."""
    with BareEngine(built_store) as bare:
        yield bare


@pytest.fixture(scope="module")
def empty_engine() -> Iterator[BareEngine]:
    """The shipped engine over an empty store: where it dies while parsing, fast to find."""
    with BareEngine() as bare:
        yield bare


@pytest.mark.parametrize("construct", ON_ENGINE, ids=_name)
def test_engine_over_data_answers_four_times_the_deepest_allowed(
    engine_over_data: BareEngine, construct: Construct
) -> None:
    deepest = deepest_allowed(construct, NESTING_LIMIT)
    outcome = engine_over_data.run(construct.make(MARGIN * deepest), update=construct.update)
    assert outcome == "answered", (
        f"{construct.name}: the engine {outcome} at {MARGIN}x the deepest we allow ({deepest})"
    )


@pytest.mark.parametrize("construct", [c for c in ON_ENGINE if c.crash is not None], ids=_name)
def test_engine_crash_depth(empty_engine: BareEngine, construct: Construct) -> None:
    assert construct.crash is not None
    deepest = deepest_allowed(construct, NESTING_LIMIT)
    outcome = empty_engine.run(construct.make(construct.crash), update=construct.update)
    assert outcome == "crashed", (
        f"{construct.name}: the engine no longer crashes at {construct.crash} ({outcome}); measure again"
        " with bench/bench_nesting.py and update tests/nesting_cases.py and kg/sparql_text/nesting.py"
    )
    assert empty_engine.crashes[-1] == -signal.SIGABRT
    answers, crashes = crash_depth(empty_engine, construct, MARGIN * deepest, construct.crash, BISECT_PROBES)
    margin = answers / deepest
    print(f"{construct.name}: allowed {deepest}, crash in ({answers}, {crashes}], margin > {margin:.1f}")
    assert answers >= MARGIN * deepest


# --- through the app --------------------------------------------------------------------------


def _text(entry: dict[str, Any]) -> str:
    return "".join(piece * (times[0] if times else 1) for piece, *times in entry["text"])


def _send(client: Any, via: str, text: str) -> Any:
    if via == "get":
        return client.get("/sparql", params={"query": text})
    if via == "form":
        return client.post("/sparql", data={"query": text})
    if via == "direct":
        return client.post("/sparql", content=text, headers={"Content-Type": "application/sparql-query"})
    auth = {"Authorization": f"Bearer {TOKEN}"}
    if via == "update-form":
        return client.post("/sparql", data={"update": text}, headers=auth)
    assert via == "update-direct"
    return client.post("/sparql", content=text, headers={**auth, "Content-Type": "application/sparql-update"})


def test_corpus_through_the_app_leaves_the_engine_up(client: Any) -> None:
    before = client.get("/health").json()
    failures = []
    for entry in CORPUS:
        answer = _send(client, entry["via"], _text(entry))
        if answer.status_code != entry["status"]:
            failures.append(f"{entry['name']}: {answer.status_code} {answer.text[:300]}")
        elif "message" in entry and not re.search(entry["message"], answer.json()["message"]):
            failures.append(f"{entry['name']}: {answer.json()['message']!r}")
    assert not failures, "\n".join(failures)
    after = client.get("/health").json()
    assert after["engine_pid"] == before["engine_pid"]
    assert after["engine_restarts"] == before["engine_restarts"] == 0
    normal = client.get("/sparql", params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    assert normal.status_code == 200
    assert int(normal.json()["results"]["bindings"][0]["n"]["value"]) > 0
