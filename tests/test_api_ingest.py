"""``POST /api/ingest``: the example as a workbook, a zip or CSV parts loads the same; the broken
example is a 422 with one entry per problem; writes need the token; a dry run writes nothing.

The real app over a real managed Oxigraph engine on a private copy of the built founding case
(the ``client`` fixture).
"""

from __future__ import annotations

import csv
import io
import json
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml

with warnings.catch_warnings():
    # starlette 1.x warns on import that it wants httpx2 (see tests/test_writes.py).
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "kg" / "data" / "cases" / "example"
BROKEN = ROOT / "kg" / "data" / "cases" / "broken-example"
BROKEN_EXPECTED = Path(__file__).resolve().parent / "data" / "ingest" / "broken-example.yaml"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SYN = "https://w3id.org/clusterkg/synthetic/"
CLUSTER = SYN + "id/cluster/example-cluster"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"

Part = tuple[str, tuple[str, bytes, str]]


def texts(folder: Path) -> list[Part]:
    """The source texts next to the sheets, as .txt parts (the quotes are checked against them)."""
    return [("file", (p.name, p.read_bytes(), "text/plain")) for p in sorted(folder.glob("*.txt"))]


def csv_parts(folder: Path) -> list[Part]:
    sheets = [("file", (p.name, p.read_bytes(), "text/csv")) for p in sorted(folder.glob("*.csv"))]
    return sheets + texts(folder)


def zipped(folder: Path, *, texts_inside: bool = True) -> list[Part]:
    """The sheets as a zip; the source texts inside it, or else as .txt parts beside it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted([*folder.glob("*.csv"), *(folder.glob("*.txt") if texts_inside else [])]):
            archive.write(path, f"{folder.name}/{path.name}")  # a folder inside, as zip tools make it
    parts: list[Part] = [("file", (f"{folder.name}.zip", buffer.getvalue(), "application/zip"))]
    return parts if texts_inside else parts + texts(folder)


def workbook(folder: Path, out: Path) -> list[Part]:
    """The CSV sheets as one workbook, whole numbers as numeric cells (as a spreadsheet keeps them)."""
    book = openpyxl.Workbook()
    for blank in book.worksheets:
        book.remove(blank)
    for path in sorted(folder.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        with path.open(encoding="utf-8", newline="") as stream:
            for row in csv.reader(stream):
                sheet.append([int(c) if c.isdigit() and not c.startswith("0") else c for c in row])
    book.save(out)
    return [("file", (out.name, out.read_bytes(), XLSX)), *texts(folder)]


def graph_counts(client: TestClient) -> dict[str, int]:
    answer = client.get(
        "/sparql", params={"query": GRAPH_COUNTS}, headers={"Accept": "application/sparql-results+json"}
    )
    assert answer.status_code == 200, answer.text
    return {b["g"]["value"]: int(b["n"]["value"]) for b in answer.json()["results"]["bindings"]}


def post(
    client: TestClient, files: list[Part], *, dry_run: bool = False, headers: dict[str, str] = AUTH
) -> dict[str, object]:
    answer = client.post(
        "/api/ingest", params={"dry_run": str(dry_run).lower()}, files=files, headers=headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert isinstance(body, dict)
    return body


def test_the_example_as_workbook_zip_or_csv_parts_gives_the_same_outcome(
    client: TestClient, tmp_path: Path
) -> None:
    forms = {
        "xlsx": workbook(EXAMPLE, tmp_path / "example.xlsx"),
        "zip": zipped(EXAMPLE),
        "zip and texts": zipped(EXAMPLE, texts_inside=False),
        "csv": csv_parts(EXAMPLE),
    }
    before = graph_counts(client)
    checked = {name: post(client, files, dry_run=True) for name, files in forms.items()}
    assert checked["xlsx"] == checked["zip"] == checked["zip and texts"] == checked["csv"]
    assert graph_counts(client) == before  # a dry run writes nothing

    loaded = post(client, forms["xlsx"])
    assert loaded == {**checked["csv"], "dry_run": False, "version": 2}  # the version it made
    assert loaded["case_graph"] == SYN + "graph/case/example" and loaded["claim_graphs"] == 7
    inserted = loaded["inserted"]
    assert isinstance(inserted, int) and inserted == loaded["quads"] and inserted > 200
    after = graph_counts(client)
    assert after[SYN + "graph/case/example"] > 0
    for files in (forms["zip"], forms["csv"]):  # the same case in another form: nothing changes
        again = post(client, files)
        assert (again["inserted"], again["deleted"], again["inferred_added"], again["inferred_removed"]) == (
            0,
            0,
            0,
            0,
        )
        assert again["version"] is None  # it made none
    assert graph_counts(client) == after

    members = client.get("/api/queries/cluster-participants", params={"cluster": CLUSTER})
    assert members.status_code == 200, members.text
    assert len(members.json()["rows"]) == 3


def test_the_broken_example_is_a_422_with_every_problem(client: TestClient) -> None:
    before = graph_counts(client)
    answer = client.post("/api/ingest", files=csv_parts(BROKEN), headers=AUTH)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["problems"]
    expected = yaml.safe_load(BROKEN_EXPECTED.read_text(encoding="utf-8"))
    assert len(problems) == len(expected) == 9
    for got, want in zip(problems, expected, strict=True):
        assert {k: got[k] for k in ("sheet", "row", "column", "value")} == {
            k: want[k] for k in ("sheet", "row", "column", "value")
        }
        assert want["expected"] in got["expected"]
        assert got["line"].startswith(f"{want['sheet']} row {want['row']}, column {want['column']}: ")
        assert got["line"].endswith(f"— expected {got['expected']}")
    assert graph_counts(client) == before


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="no-token"),
        pytest.param({"Authorization": "Bearer not-the-token"}, id="wrong-token"),
    ],
)
def test_ingest_needs_the_update_token(client: TestClient, headers: dict[str, str]) -> None:
    before = graph_counts(client)
    answer = client.post("/api/ingest", files=csv_parts(EXAMPLE), headers=headers)
    assert answer.status_code == 403, answer.text
    assert "token" in answer.json()["message"]
    assert graph_counts(client) == before


def test_ingest_wants_a_multipart_form(client: TestClient) -> None:
    body = (EXAMPLE / "case.csv").read_bytes()
    answer = client.post("/api/ingest", content=body, headers={**AUTH, "Content-Type": "text/csv"})
    assert answer.status_code == 415, answer.text
    assert "multipart/form-data" in answer.json()["message"]


@pytest.mark.parametrize("name", ["notes.pdf", "case sheet.csv", ".hidden.csv"])
def test_a_bad_file_name_is_a_400(client: TestClient, name: str) -> None:
    answer = client.post("/api/ingest", files=[("file", (name, b"key\nx\n", "text/csv"))], headers=AUTH)
    assert answer.status_code == 400, answer.text
    assert name in answer.json()["message"]


def test_source_texts_alone_are_not_a_template(client: TestClient) -> None:
    answer = client.post("/api/ingest", files=texts(EXAMPLE), headers=AUTH)
    assert answer.status_code == 400, answer.text
    assert "one .xlsx workbook" in answer.json()["message"]


def test_a_quote_missing_from_the_uploaded_source_text_is_a_problem(client: TestClient) -> None:
    text = b"SYNTHETIC REPORT - a different text, without the quotes.\n"
    parts = [p for p in csv_parts(EXAMPLE) if not p[1][0].endswith(".txt")]
    answer = client.post(
        "/api/ingest", files=[*parts, ("file", ("example-report.txt", text, "text/plain"))], headers=AUTH
    )
    assert answer.status_code == 422, answer.text
    problems = answer.json()["problems"]
    assert problems and all(p["sheet"] == "quotes" and p["column"] == "text" for p in problems)
    assert len(problems) == len((EXAMPLE / "quotes.csv").read_text(encoding="utf-8").splitlines()) - 1


def test_a_form_without_the_file_field_is_a_400(client: TestClient) -> None:
    answer = client.post(
        "/api/ingest", files=[("upload", ("case.csv", b"key\nx\n", "text/csv"))], headers=AUTH
    )
    assert answer.status_code == 400, answer.text
    assert "'file'" in json.dumps(answer.json())
