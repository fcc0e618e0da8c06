"""The founding case as a template: kg/data/cases/biomed maps to exactly kg/data/biomed/biomed.trig."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pyoxigraph as ox
import pytest

from kg.ingest import MappedCase, Mapping, load_mapping, map_case, read_template
from kg.provenance import fold
from kg.sources import FOUNDING_CASE_DIR, SOURCES_DIR

TEMPLATE = Path(__file__).resolve().parents[1] / "kg" / "data" / "cases" / "biomed"
ARTICLE = SOURCES_DIR / "biomed-cluster-article.ru.txt"
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _quads(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=path, format=ox.RdfFormat.TRIG))


@pytest.fixture(scope="module")
def mapping() -> Mapping:
    return load_mapping()


@pytest.fixture(scope="module")
def reference_iris() -> set[str]:
    """What the graph holds besides the case: the reference data (region, the source, the funder)."""
    return {q.subject.value for q in _quads(FOUNDING_CASE_DIR / "reference.trig")}


def _map(
    template: Path, mapping: Mapping, reference_iris: set[str], asked: list[set[str]] | None = None
) -> MappedCase:
    def known(iris: set[str]) -> set[str]:
        if asked is not None:
            asked.append(set(iris))
        return iris & reference_iris

    return map_case(read_template(template), mapping, known=known)


@pytest.fixture(scope="module")
def biomed(mapping: Mapping, reference_iris: set[str]) -> MappedCase:
    return _map(TEMPLATE, mapping, reference_iris)


def _show(quads: set[ox.Quad]) -> str:
    return "\n".join(sorted(f"  {q}" for q in quads))


def test_the_template_maps_without_problems(biomed: MappedCase) -> None:
    assert [p.line() for p in biomed.problems] == []
    assert biomed.key == "biomed"
    assert not biomed.synthetic


def test_the_template_reproduces_the_claim_and_provenance_graphs_exactly(biomed: MappedCase) -> None:
    expected = set(_quads(FOUNDING_CASE_DIR / "biomed.trig"))
    mapped = {q for q in biomed.quads if q.graph_name != biomed.case_graph}
    missing, extra = expected - mapped, mapped - expected
    assert not missing and not extra, f"missing:\n{_show(missing)}\nextra:\n{_show(extra)}"
    assert len(mapped) == len(expected) > 400


def test_claim_graphs_are_the_founding_cases(biomed: MappedCase) -> None:
    expected = {q.graph_name for q in _quads(FOUNDING_CASE_DIR / "biomed.trig")}
    assert biomed.claim_graphs | {biomed.provenance_graph} == expected
    assert len(biomed.claim_graphs) == 45


def test_only_the_reference_data_is_asked_of_the_graph(mapping: Mapping, reference_iris: set[str]) -> None:
    asked: list[set[str]] = []
    _map(TEMPLATE, mapping, reference_iris, asked)
    assert asked == [{"https://w3id.org/clusterkg/id/region/RU-PNZ"}]


def test_every_quote_is_verbatim_in_the_article() -> None:
    quotes = read_template(TEMPLATE).sheets["quotes"].rows
    article = fold(ARTICLE.read_text(encoding="utf-8"))
    assert len(quotes) == 45
    for quote in quotes:
        assert fold(quote.get("text")) in article, quote.get("key")


def test_the_case_graph_lists_its_claims_and_describes_the_article(biomed: MappedCase) -> None:
    g = biomed.case_graph
    assert g == ox.NamedNode("https://w3id.org/clusterkg/graph/case/biomed")
    in_case = {(q.subject, q.predicate, q.object) for q in biomed.quads if q.graph_name == g}
    has_part = ox.NamedNode("http://purl.org/dc/terms/hasPart")
    assert {o for s, p, o in in_case if s == g and p == has_part} == biomed.claim_graphs
    reference = {(q.subject, q.predicate, q.object) for q in _quads(FOUNDING_CASE_DIR / "reference.trig")}
    article = ox.NamedNode("https://w3id.org/clusterkg/id/source/biomed-cluster-article")
    assert {t for t in reference if t[0] == article} == {t for t in in_case if t[0] == article}


def test_origins_locate_every_node_in_the_template(biomed: MappedCase) -> None:
    assert biomed.origins["https://w3id.org/clusterkg/id/organization/medinzh"] == ("organisations", 6)
    assert biomed.origins["https://w3id.org/clusterkg/id/stage/medinzh-platform-3"] == ("stages", 4)
    assert biomed.origins["https://w3id.org/clusterkg/id/claim/article-grant"][0] == "quotes"
    subjects = {q.subject.value for q in biomed.quads if q.predicate.value.endswith("#type")}
    assert subjects <= set(biomed.origins)


def test_mapping_is_deterministic(mapping: Mapping, reference_iris: set[str], biomed: MappedCase) -> None:
    again = _map(TEMPLATE, mapping, reference_iris)
    assert again.quads == biomed.quads
    assert again.origins == biomed.origins


def _to_workbook(folder: Path, out: Path) -> None:
    """The CSV template as a workbook, as a researcher's spreadsheet program would keep it."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.worksheets[0])
    for template in read_template(folder).sheets.values():
        sheet = workbook.create_sheet(template.name)
        sheet.append(list(template.headers))
        for row in template.rows:
            cells = [row.get(h) for h in template.headers]
            sheet.append(
                [(float(c) if "." in c else int(c)) if NUMBER.fullmatch(c) else c or None for c in cells]
            )
    workbook.save(out)


def test_the_same_case_as_a_workbook_maps_to_the_same_quads(
    tmp_path: Path, mapping: Mapping, reference_iris: set[str], biomed: MappedCase
) -> None:
    _to_workbook(TEMPLATE, tmp_path / "biomed.xlsx")
    from_workbook = _map(tmp_path / "biomed.xlsx", mapping, reference_iris)
    assert from_workbook.problems == ()
    assert set(from_workbook.quads) == set(biomed.quads)
