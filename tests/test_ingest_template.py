"""Reading templates (a workbook or a folder of CSV files) and writing empty ones."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.ingest import (
    IngestFileError,
    Mapping,
    load_mapping,
    read_template,
    write_template,
)
from kg.namespaces import CKG
from kg.sources import load_ontology


@pytest.fixture(scope="module")
def mapping() -> Mapping:
    return load_mapping()


def write_csv(folder: Path, name: str, rows: list[list[str]], encoding: str = "utf-8") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as stream:
        csv.writer(stream).writerows(rows)


ORGANISATIONS = [
    ["key", "type", "label_ru", "group_size", "quote"],
    ["  medinzh ", "Enterprise", "«МедИнж»", "", "q1"],
    ["", "", "", "", ""],
    ["grp:rd", "OrganisationGroup", "11 компаний\nкластера", "11", "q1"],
]


def test_csv_folder_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path: Path) -> None:
    write_csv(tmp_path / "t", "organisations", ORGANISATIONS)
    read = read_template(tmp_path / "t")
    sheet = read.sheets["organisations"]
    assert sheet.headers == ("key", "type", "label_ru", "group_size", "quote")
    assert [row.number for row in sheet.rows] == [2, 4]  # the empty row 3 is skipped, not renumbered
    assert sheet.rows[0].get("key") == "medinzh"  # stripped
    assert sheet.rows[1].get("label_ru") == "11 компаний\nкластера"  # a line break inside a cell is kept
    assert sheet.rows[0].get("no such column") == ""
    assert read.problems == ()


def test_workbook_and_csv_folder_read_the_same(tmp_path: Path) -> None:
    write_csv(tmp_path / "t", "organisations", ORGANISATIONS)
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "organisations"
    for row in ORGANISATIONS:
        sheet.append([int(c) if c.isdigit() else (c or None) for c in row])
    workbook.save(tmp_path / "t.xlsx")
    from_csv, from_xlsx = read_template(tmp_path / "t"), read_template(tmp_path / "t.xlsx")
    assert from_xlsx.sheets == from_csv.sheets
    assert from_xlsx.sheets["organisations"].rows[1].get("group_size") == "11"


def test_workbook_numbers_and_dates_are_written_as_people_read_them(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = "statistics"
    sheet.append(["key", "value", "min_inclusive", "date", "label_en"])
    sheet.append(["s1", 28.0, 60.5, dt.datetime(2018, 5, 31), True])
    sheet.append([None, None, None, None, None])
    sheet.append(["s2", 3, None, dt.date(2019, 1, 2), "  x  "])
    workbook.save(tmp_path / "t.xlsx")
    rows = read_template(tmp_path / "t.xlsx").sheets["statistics"].rows
    assert [dict(r.cells) for r in rows] == [
        {"key": "s1", "value": "28", "min_inclusive": "60.5", "date": "2018-05-31", "label_en": "true"},
        {"key": "s2", "value": "3", "min_inclusive": "", "date": "2019-01-02", "label_en": "x"},
    ]
    assert [r.number for r in rows] == [2, 4]


def test_progress_reports_rows_done_of_all(tmp_path: Path) -> None:
    write_csv(tmp_path / "t", "organisations", ORGANISATIONS)
    write_csv(tmp_path / "t", "case", [["key"], ["demo"]])
    calls: list[tuple[int, int]] = []
    read_template(tmp_path / "t", progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (6, 6)  # every row read, headers and empty rows included: 4 + 2
    assert all(done <= total for done, total in calls)


@pytest.mark.parametrize("name", ["missing", "notes.txt", "empty-folder"])
def test_a_path_that_is_no_template_is_refused_with_its_name(tmp_path: Path, name: str) -> None:
    (tmp_path / "notes.txt").write_text("not a template", encoding="utf-8")
    (tmp_path / "empty-folder").mkdir()
    with pytest.raises(IngestFileError) as raised:
        read_template(tmp_path / name)
    assert raised.value.path == tmp_path / name
    assert str(tmp_path / name) in str(raised.value)


def test_a_corrupt_workbook_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(IngestFileError, match=r"broken\.xlsx"):
        read_template(tmp_path / "broken.xlsx")


def test_sheet_shape_problems_are_reported_not_raised(tmp_path: Path) -> None:
    write_csv(
        tmp_path / "t",
        "clusters",
        [["key", "label_en", "key", ""], ["a", "A", "b", ""], ["c", "", "", "stray"]],
    )
    write_csv(tmp_path / "t", "sources", [["key"], ["русский"]], encoding="cp1251")
    found = {(p.sheet, p.row, p.column, p.value): p.expected for p in read_template(tmp_path / "t").problems}
    assert found[("clusters", 1, "key", "key")] == "each header name once in a sheet"
    assert found[("clusters", 3, None, "stray")] == "no value in column D, which has no header"
    assert found[("sources", None, None, None)].startswith("a UTF-8 text file")


def test_reserved_sheets_are_not_read(tmp_path: Path) -> None:
    write_csv(tmp_path / "t", "lists", [["list", "value"], ["a", "b"]])
    write_csv(tmp_path / "t", "case", [["key"], ["demo"]])
    assert list(read_template(tmp_path / "t").sheets) == ["case"]


def _cluster_roles() -> set[str]:
    graph: Graph = load_ontology()
    return {
        str(s)[len(str(CKG)) :] for s in graph.subjects(RDF.type, CKG.ClusterRole) if isinstance(s, URIRef)
    }


def test_written_workbook_explains_every_column(tmp_path: Path, mapping: Mapping) -> None:
    write_template(mapping, tmp_path / "case.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "case.xlsx")
    assert workbook.sheetnames == ["README", *(s.name for s in mapping.sheets), "lists"]
    memberships = workbook["memberships"]
    headers = [c.value for c in memberships[1]]
    assert headers == ["key", "member", "cluster", "role", "from", "to", "quote"]
    role_note = memberships.cell(row=1, column=4).comment.text
    assert role_note.startswith("ckg:clusterRole: The role a member plays in a cluster")
    assert "Required." in role_note
    member_note = memberships.cell(row=1, column=2).comment.text
    assert "org:member" in member_note and "prefix og:" in member_note
    readme = "\n".join(str(c.value) for c in workbook["README"]["A"] if c.value)
    assert (
        "prefix:slug" in readme
        and "quote" in readme
        and "grp: https://w3id.org/clusterkg/id/group/" in readme
    )


def test_written_workbook_offers_the_ontology_roles_in_a_drop_down(tmp_path: Path, mapping: Mapping) -> None:
    write_template(mapping, tmp_path / "case.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "case.xlsx")
    validations = {str(v.sqref): v for v in workbook["memberships"].data_validations.dataValidation}
    role = validations["D2:D1048576"]
    assert role.type == "list"
    sheet_name, cells = role.formula1.split("!")
    first, last = (int(part.split("$")[-1]) for part in cells.split(":"))
    lists = workbook[sheet_name]
    offered = {lists.cell(row=n, column=2).value for n in range(first, last + 1)}
    assert offered == _cluster_roles()
    assert len(offered) == 16
    rows = {
        lists.cell(row=n, column=2).value: lists.cell(row=n, column=3).value for n in range(first, last + 1)
    }
    assert rows["anchorFinisherRole"] == str(CKG.anchorFinisherRole)
    labels = {
        lists.cell(row=n, column=2).value: lists.cell(row=n, column=4).value
        for n in range(2, lists.max_row + 1)
    }
    assert labels["anchorFinisherRole"] == "anchor enterprise (finisher)"
    assert labels["unit:PERCENT"] == "per cent"


def test_written_csv_folder_reads_back_empty(tmp_path: Path, mapping: Mapping) -> None:
    write_template(mapping, tmp_path / "case")
    read = read_template(tmp_path / "case")
    assert read.problems == ()
    assert read.row_count() == 0
    assert {name: sheet.headers for name, sheet in read.sheets.items()} == {
        s.name: tuple(c.name for c in s.columns) for s in mapping.sheets
    }
    readme = (tmp_path / "case" / "README.md").read_text(encoding="utf-8")
    assert "role: ckg:clusterRole:" in readme


def test_writing_over_a_file_is_refused(tmp_path: Path, mapping: Mapping) -> None:
    (tmp_path / "taken").write_text("x", encoding="utf-8")
    with pytest.raises(IngestFileError, match="taken"):
        write_template(mapping, tmp_path / "taken")
