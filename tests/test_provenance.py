"""Provenance: every claim of the founding case is stated by a verbatim quote of the article."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from kg import provenance
from kg.errors import ProvenanceError
from kg.namespaces import CKG, OA, PROV, PROVENANCE_GRAPH
from kg.sources import SOURCES_DIR, SourceSet

ARTICLE = Path(__file__).resolve().parents[2] / "shared" / "sources" / "biomed-cluster-article.ru.txt"


def test_the_packaged_article_is_the_shared_source() -> None:
    packaged = SOURCES_DIR / "biomed-cluster-article.ru.txt"
    if ARTICLE.exists():  # the shared folder sits beside the clone on developer machines and CI
        assert packaged.read_bytes() == ARTICLE.read_bytes()
    assert packaged.stat().st_size > 10_000


def test_every_quote_is_verbatim_in_the_article(biomed_sources: SourceSet) -> None:
    article = provenance.fold((SOURCES_DIR / "biomed-cluster-article.ru.txt").read_text(encoding="utf-8"))
    prov = biomed_sources.dataset.graph(PROVENANCE_GRAPH)
    quotes = [str(o) for o in prov.objects(None, OA.exact)]
    assert len(quotes) == 45
    for quote in quotes:
        assert provenance.fold(quote) in article, quote


def test_every_claim_graph_has_a_quote(biomed_sources: SourceSet) -> None:
    claims = provenance.claim_graphs(biomed_sources.dataset)
    assert len(claims) == 45
    verified = provenance.check(biomed_sources.dataset, provenance.index_sources([SOURCES_DIR]))
    assert verified == 45


def _copy(sources: SourceSet) -> Dataset:
    ds = Dataset()
    for quad in sources.dataset.quads():
        ds.add(quad)
    return ds


def test_a_quote_not_in_the_article_is_refused(biomed_sources: SourceSet) -> None:
    ds = _copy(biomed_sources)
    prov = ds.graph(PROVENANCE_GRAPH)
    quote = URIRef("https://w3id.org/clusterkg/id/quote/biomed-statistics-2018-05")
    selector = next(prov.objects(quote, OA.hasSelector))
    prov.remove((selector, OA.exact, None))
    prov.add(
        (
            selector,
            OA.exact,
            Literal("По состоянию на май 2018 год в кластере насчитывалось 29 участников", lang="ru"),
        )
    )
    with pytest.raises(ProvenanceError) as err:
        provenance.check(ds, provenance.index_sources([SOURCES_DIR]))
    assert err.value.problems == [
        f"quote <{quote}> of claim <https://w3id.org/clusterkg/id/claim/biomed-statistics-2018-05> is not"
        " verbatim in biomed-cluster-article.ru.txt:"
        " 'По состоянию на май 2018 год в кластере насчитывалось 29 участников'"
    ]


def test_a_claim_graph_without_provenance_is_refused(biomed_sources: SourceSet) -> None:
    ds = _copy(biomed_sources)
    orphan = URIRef("https://w3id.org/clusterkg/id/claim/orphan")
    ds.graph(orphan).add((URIRef("https://w3id.org/clusterkg/id/cluster/biomed"), CKG.stageCount, Literal(9)))
    with pytest.raises(ProvenanceError) as err:
        provenance.check(ds, provenance.index_sources([SOURCES_DIR]))
    assert err.value.problems == [
        f"claim graph <{orphan}> is not declared a ckg:Claim in the provenance graph",
        f"claim graph <{orphan}> has no prov:wasDerivedFrom quote",
    ]


def test_a_quote_whose_source_text_is_unknown_is_refused(biomed_sources: SourceSet) -> None:
    ds = _copy(biomed_sources)
    with pytest.raises(ProvenanceError) as err:
        provenance.check(ds, {})
    assert len(err.value.problems) == 45
    assert "has no text here to check against" in err.value.problems[0]


def test_fold_only_folds_white_space() -> None:
    assert provenance.fold("  «БиоМед»\n\n относится ") == "«БиоМед» относится"
    assert provenance.fold("A-b") == "A-b"


def test_claims_are_typed_and_derived_from_quotes(biomed_sources: SourceSet) -> None:
    prov = biomed_sources.dataset.graph(PROVENANCE_GRAPH)
    for claim in provenance.claim_graphs(biomed_sources.dataset):
        assert (claim, RDF.type, CKG.Claim) in prov
        (quote,) = prov.objects(claim, PROV.wasDerivedFrom)
        assert (quote, RDF.type, CKG.Quote) in prov
