"""The build pipeline and the CLI, as a user runs them: real files, real processes, real store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.build import build
from kg.engine.local_store import MANIFEST, open_store, select_rows
from kg.errors import SourceError, ValidationFailed
from kg.settings import Settings

DATA = Path(__file__).resolve().parent / "data" / "build"
COUNT_28 = """
PREFIX ckg: <https://w3id.org/clusterkg/ontology#>
SELECT ?v WHERE { ?s ckg:indicator ckg:participantCount ; ckg:value ?v }
"""


def clusterkg(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_built_store_answers_with_the_founding_case(built_store: Path) -> None:
    manifest = json.loads((built_store / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["claims"] == 45
    assert manifest["quotes_verified"] == 45
    assert manifest["inferred_triples"] > 0
    # The profile said honestly: what the OWL 2 reasoners leave to SHACL.
    assert (
        "range xsd:gYear of ckg:productionLaunchYear, ckg:registrationYear, ckg:startYear ignored by HermiT"
        in (manifest["reasoner_ignores"])
    )
    assert "1 literal(s) of xsd:gYearMonth read as opaque values" in manifest["reasoner_ignores"]
    assert manifest["qc_warnings"] == {}
    store = open_store(built_store)
    assert [row["v"].value for row in select_rows(store, COUNT_28)] == ["28"]


def test_a_syntax_error_names_file_and_line_and_keeps_the_store(fresh_store: Path) -> None:
    before = sorted(p.name for p in fresh_store.iterdir())
    with pytest.raises(SourceError) as err:
        build(Settings(store=fresh_store, skip_dl=True), extra=[DATA / "broken-syntax.trig"])
    assert err.value.path == DATA / "broken-syntax.trig"
    assert err.value.line == 7
    assert sorted(p.name for p in fresh_store.iterdir()) == before
    assert [r["v"].value for r in select_rows(open_store(fresh_store), COUNT_28)] == ["28"]
    leftovers = [p.name for p in fresh_store.parent.iterdir() if p.name.startswith(".store.building-")]
    assert leftovers == []


def test_a_shacl_violation_names_the_focus_node_and_file(fresh_store: Path) -> None:
    with pytest.raises(ValidationFailed) as err:
        build(Settings(store=fresh_store, skip_dl=True), extra=[DATA / "violating-membership.trig"])
    focus = "https://w3id.org/clusterkg/synthetic/id/membership-x"
    failing = [v for v in err.value.violations if v.severity == "Violation"]
    assert [(v.focus_node, v.path, v.source_file) for v in failing] == [
        (focus, "https://w3id.org/clusterkg/ontology#clusterRole", "violating-membership.trig")
    ]
    assert [r["v"].value for r in select_rows(open_store(fresh_store), COUNT_28)] == ["28"]


def test_cli_build_refuses_broken_data_with_a_readable_report(fresh_store: Path, tmp_path: Path) -> None:
    result = clusterkg(
        "build",
        "--store",
        str(fresh_store),
        "--skip-dl",
        "--data",
        str(DATA / "violating-membership.trig"),
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "violating-membership.trig" in result.stderr
    assert "https://w3id.org/clusterkg/synthetic/id/membership-x" in result.stderr
    query = clusterkg("query", COUNT_28, "--store", str(fresh_store), "--format", "csv", cwd=tmp_path)
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines() == ["v", "28"]


@pytest.mark.reasoner
def test_cli_build_with_hermit_refuses_an_inconsistent_graph(fresh_store: Path, tmp_path: Path) -> None:
    result = clusterkg(
        "build", "--store", str(fresh_store), "--data", str(DATA / "inconsistent.trig"), cwd=tmp_path
    )
    assert result.returncode == 1
    assert "inconsistent" in result.stderr
    assert "https://w3id.org/clusterkg/synthetic/id/right-x" in result.stderr
    query = clusterkg("query", COUNT_28, "--store", str(fresh_store), "--format", "tsv", cwd=tmp_path)
    assert query.stdout.splitlines() == ["?v", "28"]


@pytest.mark.reasoner
def test_cli_full_build_prints_a_summary(tmp_path: Path) -> None:
    store = tmp_path / "var" / "store"
    result = clusterkg("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (store / MANIFEST).is_file()
    assert "45 claims, 45 quotes verified verbatim" in result.stdout
    assert "OWL DL check: passed" in result.stdout
    manifest = json.loads((store / MANIFEST).read_text(encoding="utf-8"))
    assert (
        "https://w3id.org/clusterkg/ontology#ClusterParticipant"
        in manifest["classification"]["https://w3id.org/clusterkg/ontology#AnchorEnterprise"]
    )
    stats = clusterkg("stats", cwd=tmp_path)
    assert stats.returncode == 0
    assert "https://w3id.org/clusterkg/graph/inferred" in stats.stdout


def test_cli_query_formats(built_store: Path, tmp_path: Path) -> None:
    ask = clusterkg(
        "query", "ASK { ?s ?p ?o }", "--store", str(built_store), "--format", "json", cwd=tmp_path
    )
    assert json.loads(ask.stdout) == {"head": {}, "boolean": True}
    table = clusterkg("query", COUNT_28, "--store", str(built_store), cwd=tmp_path)
    assert "28" in table.stdout and "1 row(s)" in table.stdout
    bad = clusterkg("query", "SELECT WHERE {", "--store", str(built_store), cwd=tmp_path)
    assert bad.returncode == 1
    assert "malformed SPARQL query" in bad.stderr
    missing = clusterkg("query", COUNT_28, "--store", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert missing.returncode == 1
    assert "no built store" in missing.stderr


def test_cli_validate_reports_json(tmp_path: Path) -> None:
    result = clusterkg("validate", str(DATA / "violating-membership.trig"), "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert {(r["focus_node"], r["path"]) for r in report if r["severity"] == "Violation"} == {
        (
            "https://w3id.org/clusterkg/synthetic/id/membership-x",
            "https://w3id.org/clusterkg/ontology#clusterRole",
        )
    }
