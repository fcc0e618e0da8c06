"""The coverage table of the founding article (kg/data/biomed/coverage.csv): every fact of the
article with its status in the graph, the claim that holds it and the words that state it.

The table is the article read fact by fact: ``yes`` (a claim graph holds the fact), ``partial``
(the graph has it only in part, e.g. in an ontology definition) or ``no`` (not in the graph,
with a note why). Each row's quote is verbatim in the article (white space folded); a named
claim is one of the founding case's claims, and the row's quote is part of that claim's quote.
Every claim of the founding case answers at least one row.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.provenance import fold
from kg.sources import FOUNDING_CASE_DIR, SOURCES_DIR

TABLE = FOUNDING_CASE_DIR / "coverage.csv"
ARTICLE = SOURCES_DIR / "biomed-cluster-article.ru.txt"
CLAIM = "https://w3id.org/clusterkg/id/claim/"
PROVENANCE = "https://w3id.org/clusterkg/graph/provenance"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"


def _rows() -> list[dict[str, str]]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()


def _claims(path: Path) -> dict[str, str]:
    """Claim slug -> the exact text of its quote, from the provenance graph of the founding case."""
    quads = list(ox.parse(path=path, format=ox.RdfFormat.TRIG))
    prov = [q for q in quads if q.graph_name.value == PROVENANCE]
    derived = {q.subject.value: q.object.value for q in prov if q.predicate.value == PROV + "wasDerivedFrom"}
    selector = {q.subject.value: q.object.value for q in prov if q.predicate.value == OA + "hasSelector"}
    exact = {q.subject.value: q.object.value for q in prov if q.predicate.value == OA + "exact"}
    return {claim.removeprefix(CLAIM): exact[selector[quote]] for claim, quote in derived.items()}


CLAIMS = _claims(FOUNDING_CASE_DIR / "biomed.trig")
ARTICLE_TEXT = fold(ARTICLE.read_text(encoding="utf-8"))


def test_the_table_has_its_columns_and_statuses() -> None:
    with TABLE.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == ["fact", "status", "claim", "quote", "note"]
    assert {r["status"] for r in ROWS} <= {"yes", "partial", "no"}
    assert len({r["fact"] for r in ROWS}) == len(ROWS) > 50
    for row in ROWS:
        assert row["fact"].strip() and row["quote"].strip(), row
        if row["status"] == "yes":
            assert row["claim"], row["fact"]
        else:
            assert row["note"], f"a {row['status']!r} row says why: {row['fact']}"


@pytest.mark.parametrize("row", ROWS, ids=[r["fact"][:60] for r in ROWS])
def test_every_quote_is_verbatim_and_inside_its_claims_quote(row: dict[str, str]) -> None:
    quote = fold(row["quote"])
    assert quote in ARTICLE_TEXT
    if row["claim"]:
        assert row["claim"] in CLAIMS, f"no claim {row['claim']!r} in the founding case"
        assert quote in fold(CLAIMS[row["claim"]])


def test_every_claim_of_the_founding_case_is_in_the_table() -> None:
    assert set(CLAIMS) == {r["claim"] for r in ROWS if r["claim"]}


def test_the_facts_of_the_article_are_mostly_in_the_graph() -> None:
    statuses = [r["status"] for r in ROWS]
    assert statuses.count("yes") >= 0.9 * len(statuses)


def test_a_yes_claim_holds_something_in_the_graph() -> None:
    quads = list(ox.parse(path=FOUNDING_CASE_DIR / "biomed.trig", format=ox.RdfFormat.TRIG))
    graphs = {q.graph_name.value.removeprefix(CLAIM) for q in quads}
    assert {r["claim"] for r in ROWS if r["status"] == "yes"} <= graphs
