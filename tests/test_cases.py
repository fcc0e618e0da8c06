"""Ingesting cases (kg.ingest.cases): the example loads, again changes nothing, a corrected copy replaces
it, the broken example and a SHACL violation are refused with located problems and nothing
written, and the named queries find what was loaded.

The ingest tests run :func:`kg.ingest.cases.ingest` with a real :class:`~kg.engine.runtime.Runtime` (a managed
Oxigraph engine) over a private copy of the built founding case; the store is read back from
its directory once the engine has stopped.
"""

from __future__ import annotations

import asyncio
import csv
import re
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import pyoxigraph as ox
import pytest
import yaml

import queries
from kg.engine.local_store import open_store
from kg.engine.runtime import Runtime
from kg.errors import CaseRefused
from kg.ingest import MappedCase, load_mapping, map_case, read_template
from kg.ingest.cases import IngestOutcome, ingest
from kg.ingest.problems import Problem
from kg.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "kg" / "data" / "cases"
EXAMPLE = TEMPLATES / "example"
BROKEN = TEMPLATES / "broken-example"
BROKEN_EXPECTED = Path(__file__).resolve().parent / "data" / "ingest" / "broken-example.yaml"

BASE = "https://w3id.org/clusterkg/"
SYN = BASE + "synthetic/"
LOG = BASE + "graph/versions"
SYN_ID = SYN + "id/"
CKG = BASE + "ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
CASE_GRAPH = SYN + "graph/case/example"
CLUSTER = SYN_ID + "cluster/example-cluster"
PROJECT = SYN_ID + "project/example-p"
ANCHOR, SUPPLIER_B, SUPPLIER_C = (
    SYN_ID + f"organization/example-{k}" for k in ("anchor-a", "supplier-b", "supplier-c")
)

T = TypeVar("T")
Snapshot = dict[str, set[ox.Quad]]


def run(store: Path, body: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run ``body`` with a started runtime over the store; the engine is stopped afterwards."""

    async def main() -> T:
        runtime = Runtime(Settings(store=store, query_timeout_s=20))
        await runtime.start()
        try:
            return await body(runtime)
        finally:
            await runtime.stop()

    return asyncio.run(main())


def ingest_into(store: Path, path: Path, *, dry_run: bool = False) -> IngestOutcome:
    return run(store, lambda runtime: ingest(runtime, path, dry_run=dry_run, timeout_s=20))


def refusal(store: Path, path: Path) -> CaseRefused:
    with pytest.raises(CaseRefused) as caught:
        ingest_into(store, path)
    return caught.value


def snapshot(store: Path) -> Snapshot:
    """Every quad of the store directory, by graph (read with the engine stopped)."""
    graphs: Snapshot = {}
    for quad in open_store(store):
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else str(quad.graph_name)
        graphs.setdefault(name, set()).add(quad)
    return graphs


def counts(snap: Snapshot) -> dict[str, int]:
    return {graph: len(quads) for graph, quads in snap.items()}


def mentions(snap: Snapshot, iri: str) -> list[ox.Quad]:
    """The quads that name ``iri``, but the version log's (history names what changed)."""
    node = ox.NamedNode(iri)
    data = (quads for graph, quads in snap.items() if graph != LOG)
    return [q for quads in data for q in quads if node in (q.subject, q.object, q.graph_name)]


def edit(folder: Path, sheet: str, change: Callable[[dict[str, str]], dict[str, str] | None]) -> None:
    """Rewrite one CSV sheet row by row: ``change`` returns the new row, or None to drop it."""
    path = folder / f"{sheet}.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        headers = list(reader.fieldnames or [])
        rows = [new for row in reader if (new := change(dict(row))) is not None]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, headers, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def copy_example(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLE, target)
    return target


def corrected_copy(tmp_path: Path) -> Path:
    """The example with anchor A renamed and supplier C (with its rows and the licence) removed."""
    folder = copy_example(tmp_path, "corrected")

    def rename(row: dict[str, str]) -> dict[str, str] | None:
        if row["key"] == "example-supplier-c":
            return None
        if row["key"] == "example-anchor-a":
            row["label_en"] = "synthetic anchor enterprise A, renamed"
        return row

    def without_c(column: str) -> Callable[[dict[str, str]], dict[str, str] | None]:
        def change(row: dict[str, str]) -> dict[str, str] | None:
            if row[column] == "example-supplier-c":
                return None
            row[column] = " | ".join(v.strip() for v in row[column].split("|") if "supplier-c" not in v)
            return row

        return change

    edit(folder, "organisations", rename)
    edit(folder, "memberships", without_c("member"))
    edit(folder, "participants", without_c("participant"))
    edit(folder, "stages", lambda row: {**row, "actors": row["actors"].replace("example-supplier-c", "")})
    edit(folder, "licences", lambda row: None)
    edit(folder, "quotes", lambda row: None if row["key"] == "example-licence" else row)
    return folder


def mapped(path: Path) -> MappedCase:
    return map_case(read_template(path), load_mapping(), known=lambda iris: set())


# --- The example as data (no store) ----------------------------------------------------------


def test_the_example_is_the_small_case_of_the_issue() -> None:
    case = mapped(EXAMPLE)
    assert [p.line() for p in case.problems] == []
    assert case.synthetic and case.case_graph == ox.NamedNode(CASE_GRAPH)
    typed: dict[str, set[str]] = {}
    for quad in case.quads:
        subject, cls = quad.subject, quad.object
        if quad.predicate == RDF_TYPE and isinstance(subject, ox.NamedNode) and isinstance(cls, ox.NamedNode):
            typed.setdefault(cls.value.removeprefix(CKG), set()).add(subject.value)
    assert typed["Cluster"] == {CLUSTER}
    assert typed["Enterprise"] == {ANCHOR, SUPPLIER_B, SUPPLIER_C}
    assert typed["CooperationProject"] == {PROJECT}
    assert len(typed["ProductionStage"]) == 2 and len(typed["ClusterMembership"]) == 3
    assert typed["Patent"] == {SYN_ID + "ip-right/example-patent"}
    assert len(typed["IPHolding"]) == 2 and len(typed["Licence"]) == 1 and len(typed["Statistic"]) == 1
    assert len(case.claim_graphs) == 7


def test_the_example_is_synthetic_through_and_through() -> None:
    case = mapped(EXAMPLE)
    for quad in case.quads:
        for term in (quad.subject, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode) and term.value.startswith(BASE):
                assert term.value.startswith((SYN, CKG)), quad
    flagged = {q.subject for q in case.quads if q.predicate.value == CKG + "synthetic"}
    assert {q.subject for q in case.quads if q.predicate == RDF_TYPE} <= flagged
    labels = [q.object for q in case.quads if q.predicate == LABEL]
    assert len(labels) > 20
    for label in labels:
        assert isinstance(label, ox.Literal)
        word = {"en": "synthetic", "ru": "синтетическ"}[label.language or ""]
        assert word in label.value.lower(), label


def _broken_expected() -> list[Problem]:
    data = yaml.safe_load(BROKEN_EXPECTED.read_text(encoding="utf-8"))
    return [Problem(p["sheet"], p["row"], p["column"], p["value"], p["expected"]) for p in data]


def _readme_lines() -> list[str]:
    text = (BROKEN / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n(.*?)```", text, re.DOTALL)
    assert block is not None
    return block.group(1).splitlines()


def assert_broken_problems(problems: list[Problem]) -> None:
    """Exactly the expected problems, in order, each at its sheet, row, column and value."""
    expected = _broken_expected()
    assert [(p.sheet, p.row, p.column, p.value) for p in problems] == [
        (p.sheet, p.row, p.column, p.value) for p in expected
    ]
    for got, want in zip(problems, expected, strict=True):
        assert want.expected in got.expected, got.line()


def test_the_broken_examples_readme_shows_the_lines_the_mapper_reports() -> None:
    case = mapped(BROKEN)
    assert_broken_problems(list(case.problems))
    assert [p.line() for p in case.problems] == _readme_lines()


# --- Ingest into a store ----------------------------------------------------------------------


def test_the_example_ingests_and_again_changes_nothing(fresh_store: Path) -> None:
    before = snapshot(fresh_store)
    first = ingest_into(fresh_store, EXAMPLE)
    assert (first.case, first.case_graph, first.claim_graphs, first.dry_run) == (
        "example",
        CASE_GRAPH,
        7,
        False,
    )
    assert first.inserted == first.quads == len(mapped(EXAMPLE).quads) and first.deleted == 0
    assert first.inferred_added > 0
    loaded = snapshot(fresh_store)
    new_graphs = set(loaded) - set(before) - {LOG}
    assert CASE_GRAPH in new_graphs and all(g.startswith(SYN + "graph/") for g in new_graphs)
    assert all(loaded[g] == before[g] for g in before if g not in (BASE + "graph/inferred", LOG))
    assert len(loaded[LOG]) > len(before.get(LOG, ()))  # the ingest is a version

    again = ingest_into(fresh_store, EXAMPLE)
    assert (again.inserted, again.deleted, again.inferred_added, again.inferred_removed) == (0, 0, 0, 0)
    assert again.quads == first.quads
    after = snapshot(fresh_store)
    assert counts(after) == counts(loaded)
    assert after == loaded


def test_a_dry_run_counts_the_case_and_writes_nothing(fresh_store: Path) -> None:
    before = snapshot(fresh_store)
    outcome = ingest_into(fresh_store, EXAMPLE, dry_run=True)
    assert outcome.dry_run and outcome.inserted == outcome.quads > 200 and outcome.inferred_added > 0
    assert snapshot(fresh_store) == before


def test_a_corrected_copy_replaces_the_cases_graphs(
    fresh_store: Path, built_store: Path, tmp_path: Path
) -> None:
    corrected = corrected_copy(tmp_path)
    ingest_into(fresh_store, EXAMPLE)
    old = snapshot(fresh_store)
    outcome = ingest_into(fresh_store, corrected)
    assert outcome.deleted > 0 and outcome.inserted > 0 and outcome.claim_graphs == 6
    new = snapshot(fresh_store)

    # Nothing of the old version is left, in any graph (claims, provenance, case, inferred).
    old_label = ox.Literal("synthetic anchor enterprise A", language="en")
    assert [q for quads in new.values() for q in quads if q.object == old_label] == []
    assert any(q.object == old_label for quads in old.values() for q in quads)
    for gone in (
        SUPPLIER_C,
        SYN_ID + "licence/example-licence",
        SYN + "graph/claim/example-licence",
        SYN_ID + "quote/example-licence",
        SYN_ID + "membership/example-supplier-c-membership",
    ):
        assert mentions(old, gone) and mentions(new, gone) == [], gone

    # The store is exactly what loading the corrected copy alone gives (but its history).
    direct = tmp_path / "direct"
    shutil.copytree(built_store, direct)
    ingest_into(direct, corrected)
    alone = snapshot(direct)
    assert {g: q for g, q in new.items() if g != LOG} == {g: q for g, q in alone.items() if g != LOG}
    assert len(new[LOG]) > len(alone[LOG])  # two ingests against one


def test_the_broken_example_is_refused_and_nothing_is_written(fresh_store: Path) -> None:
    before = snapshot(fresh_store)
    refused = refusal(fresh_store, BROKEN)
    assert_broken_problems([p for p in refused.problems if isinstance(p, Problem)])
    assert str(refused).splitlines() == [
        f"{BROKEN}: 9 problem(s); nothing was loaded",
        *(f"  {line}" for line in _readme_lines()),
    ]
    assert snapshot(fresh_store) == before


def _starts_after_launch(folder: Path) -> None:
    edit(folder, "projects", lambda row: {**row, "start_year": "2021", "launch_year": "2019"})


def _plain_technology(folder: Path) -> None:
    edit(folder, "technologies", lambda row: {**row, "type": "Technology"})


@pytest.mark.parametrize(
    ("change", "column", "value", "message"),
    [
        pytest.param(
            _starts_after_launch,
            "start_year",
            '"2021"^^xsd:gYear',
            "a project cannot start (2021) after its products were launched into production (2019)",
            id="start-after-launch",
        ),
        pytest.param(
            _plain_technology,
            "through_technology",
            SYN_ID + "technology/example-laser-welding",
            "the through-technology of a project (ckg:throughTechnology) is a ckg:ThroughTechnology",
            id="not-a-through-technology",
        ),
    ],
)
def test_a_shacl_violation_the_mapper_cannot_see_is_reported_at_its_row(
    fresh_store: Path,
    tmp_path: Path,
    change: Callable[[Path], None],
    column: str,
    value: str,
    message: str,
) -> None:
    folder = copy_example(tmp_path, "violating")
    change(folder)
    assert mapped(folder).problems == ()  # the mapping accepts it: only the shapes refuse it
    before = snapshot(fresh_store)
    [problem] = refusal(fresh_store, folder).problems
    assert isinstance(problem, Problem)
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("projects", 2, column, value)
    assert message in problem.expected and problem.expected.endswith("(SHACL)")
    assert snapshot(fresh_store) == before


# --- The named queries find the example -------------------------------------------------------


def _ask(store: ox.Store, name: str, params: dict[str, str]) -> list[dict[str, str]]:
    query = queries.get(name)
    substitutions = dict(queries.bind(query, params))
    result = store.query(query.text, substitutions=substitutions, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return [{n: term.value for n in names if (term := row[n]) is not None} for row in result]


def test_the_named_queries_find_the_ingested_example(fresh_store: Path) -> None:
    ingest_into(fresh_store, EXAMPLE)
    store = open_store(fresh_store)

    members = _ask(store, "cluster-participants", {"cluster": CLUSTER})
    assert sorted((r["participant"], r["role"].removeprefix(CKG)) for r in members) == [
        (ANCHOR, "anchorRole"),
        (SUPPLIER_B, "componentSupplierRole"),
        (SUPPLIER_C, "materialSupplierRole"),
    ]
    assert {r["clusterLabelEn"] for r in members} == {"synthetic Example cluster"}

    stages = _ask(store, "project-stages", {"project": PROJECT})
    assert [(r["stageOrder"], r["stageLabelEn"], r["actor"]) for r in stages] == [
        ("1", "synthetic stage 1: materials", SUPPLIER_C),
        ("2", "synthetic stage 2: components", SUPPLIER_B),
    ]
    assert {(r["finisher"], r["stageCount"]) for r in stages} == {(ANCHOR, "2")}
    assert stages[0]["nextStage"] == stages[1]["stage"]

    rights = _ask(store, "ip-rights", {"project": PROJECT})
    assert {r["rightType"] for r in rights} == {CKG + "Patent"}
    assert {(r["registrationNumber"], r["registrationYear"]) for r in rights} == {("SYN-0000042", "2021")}
    assert sorted((r["relation"], r["party"], r.get("sharePercent", r.get("action"))) for r in rights) == [
        ("holder", ANCHOR, "60"),
        ("holder", SUPPLIER_B, "40"),
        ("licensee", SUPPLIER_C, "http://www.w3.org/ns/odrl/2/use"),
    ]
